/**
 * Storage faults: a database that is corrupt, read-only, locked by another process or on a full disk
 * gives one clear error at start (StoreError; the CLI prints one line and exits 2), or, while running,
 * one clear log line and a retry that loses nothing. The store stays bounded: seen items past the
 * retention period are pruned; stories, roster edits and the audit log are kept.
 *
 * The tests run as root, which chmod does not stop. Read-only is therefore made real, when we are
 * root, by a read-only bind mount of the file or folder in a private mount namespace (so it works
 * wherever the checkout is, whoever may read it); a full disk is a
 * real 48 KB tmpfs in a private mount namespace when `unshare` is allowed, and SQLite's own page limit
 * (PRAGMA max_page_count, which fails writes with SQLITE_FULL exactly as a full disk does) otherwise
 * and for the in-process retry test.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStoreError } from '../../src/store/sqlite/db.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { StoreError } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { rss } from '../helpers/rss.js';
import { ROOT, runCli } from '../helpers/run-cli.js';
import {
  configFor,
  feedByUrl,
  GOOD_FEED_BODY,
  GOOD_ITEM,
  goodAlertQueued,
  NOW,
  poll,
  RSS_HEADERS,
  snapshot,
} from './support.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'caisi-storage-'));
chmodSync(tmp, 0o755);
const DIST_STORE = path.join(ROOT, 'dist', 'src', 'store', 'sqlite', 'store.js');
const IS_ROOT = process.getuid?.() === 0;

let server: FeedServer;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  server = await startFeedServer();
  server.route('/good.xml', { headers: RSS_HEADERS, body: GOOD_FEED_BODY });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const fresh = (name: string) => path.join(tmp, `${++n}-${name}`);

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectStoreError(err: unknown, code: StoreError['code'], message: RegExp): StoreError {
  expect(err).toBeInstanceOf(StoreError);
  const e = err as StoreError;
  expect(e.code).toBe(code);
  expect(e.message).toMatch(message);
  expect(e.message).not.toMatch(/\n/);
  return e;
}

/**
 * Run node with `args`, with `readOnly` (a file or folder) read-only even to root: a read-only bind
 * mount in a private mount namespace. Without root, chmod has already made it read-only.
 */
function spawnNode(args: string[], env: Record<string, string | undefined>, readOnly?: string) {
  const opts = { cwd: ROOT, encoding: 'utf8' as const };
  if (!readOnly || !IS_ROOT) return spawnSync(process.execPath, args, { ...opts, env });
  const script = 'mount --bind "$RO" "$RO" && mount -o remount,bind,ro "$RO" && exec "$NODE" "$@"';
  return spawnSync('unshare', ['-rm', 'sh', '-c', script, 'sh', ...args], {
    ...opts,
    env: { ...env, RO: readOnly, NODE: process.execPath },
  });
}

/** `caisi-watch poll --once` on this database: exactly one line on stderr, exit code 2. */
async function expectCliOneLine(db: string, message: RegExp, readOnly?: string) {
  const env = { CAISI_DB: db, CAISI_FEEDS: server.urlFor('/good.xml') };
  const r = readOnly
    ? spawnNode(
        [path.join(ROOT, 'bin', 'caisi-watch.js'), 'poll', '--once'],
        { PATH: process.env.PATH, NODE_ENV: 'test', ...env },
        readOnly,
      )
    : null;
  const result = r
    ? { code: r.status, stdout: r.stdout, stderr: r.stderr }
    : await runCli(['poll', '--once'], { env });
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^caisi-watch poll: /);
  expect(lines[0]).toMatch(message);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

/** Open the store in a child process with `readOnly` made read-only; the StoreError it got, as JSON. */
function openAsChild(file: string, readOnly: string) {
  const script = `
    const { SqliteStore } = await import(${JSON.stringify(DIST_STORE)});
    try { await SqliteStore.open(process.env.DB).close(); console.log(JSON.stringify({ opened: true })); }
    catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`;
  const r = spawnNode(['--input-type=module', '-e', script], { PATH: process.env.PATH, DB: file }, readOnly);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as { opened?: true; name?: string; code?: string; message?: string };
}

/** Another process holding the database: an exclusive lock, or a write transaction it does not finish. */
async function holdLock(file: string, mode: 'exclusive' | 'write'): Promise<() => Promise<void>> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.env.DB, { timeout: 5000 });
    if (process.env.MODE === 'exclusive') db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS lock_holder (x)');
    process.stdout.write('locked\\n');
    process.stdin.resume();
    process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, DB: file, MODE: mode },
  });
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited (${code})`)));
  });
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin.end();
    await exited;
    children.delete(child);
  };
}

async function makeDatabase(file: string): Promise<void> {
  const s = SqliteStore.open(file);
  await s.syncConfigFeeds(['https://example.org/feed.xml'], NOW);
  await s.close();
}

const canUnshare = (() => {
  try {
    execFileSync('unshare', ['-rm', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('at start: one clear error, one line from the CLI, exit 2', () => {
  it('a file that is not a database', async () => {
    const file = fresh('garbage.db');
    writeFileSync(file, Buffer.alloc(16_384, 7));
    expectStoreError(
      caught(() => SqliteStore.open(file)),
      'corrupt',
      /is corrupt or not a SQLite file; move it aside and restart$/,
    );
    await expectCliOneLine(file, /is corrupt or not a SQLite file/);
  });

  it('a SQLite file with damaged pages (its header still looks fine)', async () => {
    const file = fresh('damaged.db');
    const db = new Database(file);
    db.exec('CREATE TABLE filler (x TEXT); CREATE INDEX filler_x ON filler (x);');
    const insert = db.prepare('INSERT INTO filler VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) insert.run(`row ${i} ${'x'.repeat(100)}`);
    })();
    db.close();
    const bytes = readFileSync(file);
    for (const page of [5, 20, 40]) bytes.fill(0x41, page * 4096 + 100, page * 4096 + 3000);
    writeFileSync(file, bytes);
    expectStoreError(
      caught(() => SqliteStore.open(file)),
      'corrupt',
      /is corrupt/,
    );
    await expectCliOneLine(file, /is corrupt/);
  });

  it.skipIf(IS_ROOT && !canUnshare)('read-only: a file and folder the bot may not write', async () => {
    const dir = fresh('ro-dir');
    mkdirSync(dir);
    const file = path.join(dir, 'caisi.db');
    await makeDatabase(file);
    chmodSync(file, 0o444);
    chmodSync(dir, 0o555);
    const got = openAsChild(file, dir);
    expect(got).toMatchObject({ name: 'StoreError', code: 'read-only' });
    expect(got.message).toMatch(/is read-only; give the bot write access to it and its folder$/);
    await expectCliOneLine(file, /is read-only/, dir);
    chmodSync(dir, 0o755);
  });

  it.skipIf(IS_ROOT && !canUnshare)(
    'read-only: a read-only file in a writable folder is refused at start, not at the first write',
    async () => {
      const dir = fresh('ro-file');
      mkdirSync(dir);
      const file = path.join(dir, 'caisi.db');
      await makeDatabase(file);
      chmodSync(file, 0o444);
      chmodSync(dir, 0o777);
      expect(openAsChild(file, file)).toMatchObject({ name: 'StoreError', code: 'read-only' });
      await expectCliOneLine(file, /is read-only/, file);
    },
  );

  it.each(['exclusive', 'write'] as const)(
    'locked by another process (%s lock): refused within the busy timeout',
    async (mode) => {
      const file = fresh(`locked-${mode}.db`);
      await makeDatabase(file);
      const release = await holdLock(file, mode);
      try {
        const started = Date.now();
        expectStoreError(
          caught(() => SqliteStore.open(file, { busyTimeoutMs: 150 })),
          'locked',
          /is locked by another process; is another caisi-watch running\?$/,
        );
        expect(Date.now() - started).toBeLessThan(3000);
        // The CLI waits out its default busy timeout (2 s), then says so in one line.
        if (mode === 'exclusive') await expectCliOneLine(file, /is locked by another process/);
      } finally {
        await release();
      }
      // Once the other process is gone, the same file opens.
      SqliteStore.open(file).close();
    },
  );

  it('disk full: SQLITE_FULL is one clear sentence', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x)');
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
    const err = caught(() => {
      const insert = db.prepare('INSERT INTO t VALUES (?)');
      for (let i = 0; i < 1000; i++) insert.run('x'.repeat(1000));
    });
    expect((err as { code?: string }).code).toBe('SQLITE_FULL');
    expectStoreError(
      describeStoreError(err, 'data/caisi.db'),
      'disk-full',
      /^database data\/caisi\.db: the disk is full$/,
    );
  });

  it.skipIf(!canUnshare)('disk full: a real full filesystem (48 KB tmpfs) at start', async () => {
    const dir = fresh('tiny-fs');
    mkdirSync(dir);
    const script =
      'mount -t tmpfs -o size=48k caisi-full "$DIR" && exec "$NODE" bin/caisi-watch.js poll --once';
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', script], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        NODE: process.execPath,
        DIR: dir,
        CAISI_DB: path.join(dir, 'caisi.db'),
        CAISI_FEEDS: server.urlFor('/good.xml'),
      },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^caisi-watch poll: database .*: the disk is full$/),
    ]);
  });
});

function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', { write: (l: string) => lines.push(JSON.parse(l)) });
  return { logger, lines };
}

/** The good feed plus enough other items that saving them needs new pages. */
const BULKY_FEED = rss('Bulky desk', [
  GOOD_ITEM,
  ...Array.from({ length: 300 }, (_, i) => ({
    title: `Parish council notice ${i} ${'about opening hours '.repeat(5)}`,
    description: `Notice ${i}.`,
    guid: `bulky-${i}`,
  })),
]);

describe('while running: one clear log line, a retry, nothing lost', () => {
  it('disk full (SQLITE_FULL) during a poll: nothing half-saved, and the next poll after space frees processes every item', async () => {
    server.route('/bulky.xml', { headers: RSS_HEADERS, body: BULKY_FEED });
    const url = server.urlFor('/bulky.xml');
    const store = SqliteStore.open(fresh('full.db'));
    const clock = new ManualClock(Date.parse(NOW));
    const config = configFor([url]);
    await store.syncConfigFeeds([url], NOW);
    const before = await snapshot(store);
    // No more pages than the file has now: the next write that needs space fails like a full disk.
    store.pragma(`max_page_count = ${store.pragma('page_count')}`);
    const { logger, lines } = capturedLogger();

    const err = await poll(store, config, clock, { logger }).catch((e: unknown) => e);
    expectStoreError(err, 'disk-full', /the disk is full$/);
    const logged = lines.filter((l) => l.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ code: 'disk-full', msg: expect.stringMatching(/nothing was lost/) });
    // The whole poll rolled back: no item marked seen, no story, no delivery, the feed still due.
    expect(await snapshot(store)).toEqual(before);
    expect(await feedByUrl(store, url)).toMatchObject({ lastSuccessAt: null, nextFetchAt: null, etag: null });

    // Space frees; the next poll (same feed content) does it all, once.
    store.pragma('max_page_count = 1073741823');
    clock.advance(60_000);
    const report = await poll(store, config, clock, { logger });
    expect(report).toMatchObject({ fetched: 1, failed: 0, newItems: 301, alerts: 1 });
    expect(await store.countItems()).toBe(301);
    expect(await goodAlertQueued(store)).toBe(true);
    clock.advance(3600_000);
    expect((await poll(store, config, clock)).newItems).toBe(0);
    await store.close();
  });

  it('locked by another process during a poll: the poll fails clearly and the next one processes the items', async () => {
    const file = fresh('locked-running.db');
    const url = server.urlFor('/good.xml');
    const store = SqliteStore.open(file, { busyTimeoutMs: 100 });
    await store.syncConfigFeeds([url], NOW);
    const clock = new ManualClock(Date.parse(NOW));
    const { logger, lines } = capturedLogger();
    const release = await holdLock(file, 'write');
    let err: unknown;
    try {
      err = await poll(store, configFor([url]), clock, { logger }).catch((e: unknown) => e);
    } finally {
      await release();
    }
    expectStoreError(err, 'locked', /locked by another process/);
    expect(lines.filter((l) => l.level === 50)).toEqual([expect.objectContaining({ code: 'locked' })]);
    expect(await store.countItems()).toBe(0);
    const report = await poll(store, configFor([url]), clock, { logger });
    expect(report).toMatchObject({ newItems: 1, alerts: 1 });
    expect(await goodAlertQueued(store)).toBe(true);
    await store.close();
  });
});

describe('the store stays bounded', () => {
  const DAY = 86_400_000;

  it('items not listed for longer than the retention period (365 days by default) are pruned by pollOnce; stories, roster edits and the audit log are kept', async () => {
    let body = GOOD_FEED_BODY;
    server.route('/retention.xml', (_req, res) => {
      res.writeHead(200, RSS_HEADERS);
      res.end(body);
    });
    const url = server.urlFor('/retention.xml');
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const config = configFor([url]);
    expect(config.retentionDays).toBe(365);
    await store.syncConfigFeeds([url], NOW);
    await poll(store, config, clock);
    await store.setMembership(
      {
        lab: 'meta',
        program: 'caisi',
        status: 'in-talks',
        since: '2026-06',
        sourceUrl: null,
        sourceTitle: null,
        setBy: 'U0ADMIN',
        setAt: NOW,
      },
      'not-signed',
      'set',
    );
    expect(await store.countItems()).toBe(1);
    const stories = (await store.latestStories(10)).map((s) => s.id);
    const roster = await store.rosterEdits();
    const audit = await store.auditLog();

    // The feed moves on: the old item is no longer listed.
    body = rss('Policy explainer', [
      { title: 'Garden show opens', description: 'Flowers.', guid: 'garden-1' },
    ]);
    clock.advance(200 * DAY);
    await poll(store, config, clock);
    expect(await store.countItems()).toBe(2); // not yet past retention
    clock.advance(166 * DAY);
    await poll(store, config, clock);
    expect(await store.countItems()).toBe(1); // the old item is gone, the garden item stays
    expect((await store.latestStories(10)).map((s) => s.id)).toEqual(stories);
    expect(await store.rosterEdits()).toEqual(roster);
    expect(await store.auditLog()).toEqual(audit);
  });

  it('an item its feed still lists after the retention period is kept, and never alerts again', async () => {
    server.route('/evergreen.xml', { headers: RSS_HEADERS, body: GOOD_FEED_BODY });
    const url = server.urlFor('/evergreen.xml');
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const config = configFor([url]);
    await store.syncConfigFeeds([url], NOW);
    expect((await poll(store, config, clock)).alerts).toBe(1);
    for (const days of [200, 170, 1, 400]) {
      clock.advance(days * DAY);
      const report = await poll(store, config, clock);
      expect(report.fetched).toBe(1);
      expect(report.newItems).toBe(0);
      expect(report.events).toHaveLength(0);
    }
    expect(await store.countItems()).toBe(1);
    expect(await store.latestStories(10)).toHaveLength(1);
  });
});
