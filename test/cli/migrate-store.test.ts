/**
 * `caisi-watch migrate-store`: an install that polled real feeds into SQLite moves onto Postgres,
 * every table counted on both sides, and answers the same from there.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { TABLES } from '../../src/store/store.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { freshPostgresUrl, PG_URL } from '../helpers/backends.js';
import { OTHER_META_STORY, rss, SEED_ITEMS } from '../helpers/rss.js';
import { runCli } from '../helpers/run-cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'caisi-migrate-'));
let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer();
  const now = Date.now();
  for (const [i, { outlet, item }] of SEED_ITEMS.entries())
    server.route(`/seed/${i}`, {
      headers: { 'content-type': 'application/rss+xml' },
      body: rss(outlet, [{ ...item, pubDate: new Date(now - (i + 1) * 600_000).toUTCString() }]),
    });
  server.route('/wire', {
    headers: { 'content-type': 'application/rss+xml' },
    body: rss('Wire', [{ ...OTHER_META_STORY, pubDate: new Date(now - 3_600_000).toUTCString() }]),
  });
});
afterAll(() => server.close());

describe('migrate-store: usage', () => {
  it('refuses a missing source, a target that is not Postgres, and missing flags, with one line and exit 2', async () => {
    const none = await runCli([
      'migrate-store',
      '--from',
      path.join(tmp, 'none.db'),
      '--to',
      'postgres://x/y',
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^caisi-watch migrate-store: no SQLite database at .*none\.db\n$/);
    const db = path.join(tmp, 'empty.db');
    await SqliteStore.open(db).close();
    const notPg = await runCli(['migrate-store', '--from', db, '--to', 'mysql://x/y']);
    expect(notPg.code).toBe(2);
    expect(notPg.stderr).toMatch(/--to must be a postgres:\/\/ URL/);
    const missing = await runCli(['migrate-store', '--from', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /usage: caisi-watch migrate-store --from <sqlite file> --to <postgres url>/,
    );
  });
});

describe.skipIf(!PG_URL)('migrate-store: SQLite → Postgres', () => {
  it('copies every table, prints and checks the counts; the Postgres install answers as the SQLite one did; a second run is refused', async () => {
    const db = path.join(tmp, 'caisi.db');
    const feeds = [...SEED_ITEMS.map((_, i) => `${server.url}/seed/${i}`), `${server.url}/wire`].join(',');
    const polled = await runCli(['poll', '--once', '--json'], { env: { CAISI_DB: db, CAISI_FEEDS: feeds } });
    expect(polled.code, polled.stderr).toBe(0);
    expect(JSON.parse(polled.stdout).alerts).toHaveLength(2);
    const sqlite = SqliteStore.open(db);
    const expected = Object.fromEntries(
      await Promise.all(TABLES.map(async (t) => [t, await sqlite.countRows(t)])),
    );
    await sqlite.close();
    expect(expected.items).toBe(6);
    expect(expected.story_sources).toBe(6);

    const url = await freshPostgresUrl();
    const r = await runCli(['migrate-store', '--from', db, '--to', url]);
    expect(r.code, r.stderr).toBe(0);
    for (const t of TABLES)
      expect(r.stdout).toMatch(new RegExp(`\\n  ${t}\\s+${expected[t]} →\\s+${expected[t]}\\n`));
    expect(r.stdout).toMatch(/copied \d+ rows in 10 tables; counts match/);

    const fromSqlite = await runCli(['recent', '--json'], { env: { CAISI_DB: db } });
    const fromPg = await runCli(['recent', '--json'], { env: { CAISI_DATABASE_URL: url } });
    expect(fromPg.code, fromPg.stderr).toBe(0);
    expect(JSON.parse(fromPg.stdout)).toEqual(JSON.parse(fromSqlite.stdout));
    // The next poll from Postgres knows every item: nothing alerts twice.
    const again = await runCli(['poll', '--once', '--json'], {
      env: { CAISI_DATABASE_URL: url, CAISI_FEEDS: feeds },
    });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).alerts).toHaveLength(0);

    const twice = await runCli(['migrate-store', '--from', db, '--to', url]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(
      /the target already holds data \(feeds, items, .*\); copy only into an empty database/,
    );
  });
});
