/**
 * Slash-command latency: `/caisi status meta` as correctly signed HTTP requests to the real app
 * (`node bin/caisi-watch.js start`, HTTP mode) with 100,000 seen items and 10,000 stories in its
 * store, its Web API pointed at the local Slack API server. 200 requests/s for 20 s (autocannon),
 * each signed with a fresh timestamp.
 *
 * Targets: p99 ≤ 30 ms, no errors, nothing over Slack's 3 s.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon, { type RawRequest, type Result } from 'autocannon';
import { normaliseTitle } from '../../src/feeds/normalise.js';
import { copyStore } from '../../src/store/copy.js';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { freshPostgresUrl } from '../helpers/backends.js';
import { sendSlashCommand, signedHeaders, slashCommandBody } from '../signed-request.js';
import { startSlackApiServer } from '../slack-api-server.js';
import { type Figures, isMain, percentile, ROOT, round, runMain, timed, verdict } from './common.js';
import { feedItem, govStory, outletName, renderRss } from './corpus.js';

const BOT_TOKEN = 'xoxb-bench-0000-secret-bot-token';
const SIGNING_SECRET = 'benchsigningsecret0123456789abcdef';
const ITEMS = 100_000;
const STORIES = 10_000;
const FEEDS = 100;
const RATE = Number(process.env.BENCH_SLASH_RATE ?? 200);
const DURATION_S = Number(process.env.BENCH_SLASH_SECONDS ?? 20);
const LABS = ['openai', 'anthropic', 'google-deepmind', 'microsoft', 'xai', 'meta'];

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Fill a store file as a year of polling up to now would have: seen items, stories with sources,
 * sent alerts. (Real time: the app runs on the system clock, and prunes what is older than a year.)
 */
async function prefill(file: string, dummyFeed: string): Promise<void> {
  const store = SqliteStore.open(file);
  const NOW = Date.now() - 3_600_000;
  const now = iso(NOW);
  const urls = [
    dummyFeed,
    ...Array.from({ length: FEEDS - 1 }, (_, i) => `https://news${i}.example.com/rss`),
  ];
  await store.syncConfigFeeds(urls, now);
  const feeds = await store.listFeeds();
  const year = 360 * 86_400_000;
  await store.tx(async (t) => {
    for (let s = 0; s < STORIES; s++) {
      const g = govStory(s % 2000, s);
      const at = NOW - Math.floor(((STORIES - s) / STORIES) * year);
      const lab = LABS[s % LABS.length] as string;
      const feed = feeds[s % feeds.length] as (typeof feeds)[number];
      const story = await t.createStory(
        {
          title: g.title,
          labs: [lab],
          programs: s % 3 === 0 ? ['caisi'] : [],
          summary: g.text,
          published: iso(at),
          source: {
            feedId: feed.id,
            itemId: `story-${s}`,
            outlet: outletName(s % FEEDS),
            title: g.title,
            link: `https://news${s % FEEDS}.example.com/s/${s}`,
            published: iso(at),
          },
        },
        iso(at),
        iso(at),
      );
      for (let k = 1; k <= s % 3; k++) {
        const other = feeds[(s + k * 7) % feeds.length] as (typeof feeds)[number];
        await t.addSource(
          story.id,
          {
            feedId: other.id,
            itemId: `story-${s}-${k}`,
            outlet: outletName((s + k * 7) % FEEDS),
            title: govStory(s % 2000, s + k).title,
            link: `https://news${(s + k * 7) % FEEDS}.example.com/s/${s}`,
            published: iso(at + k * 3_600_000),
          },
          { labs: [lab], programs: [] },
          iso(at + k * 3_600_000),
          iso(at + k * 3_600_000),
        );
      }
      await t.enqueue(
        {
          key: `alert:${story.id}:C0BENCH`,
          kind: 'alert',
          storyId: story.id,
          channel: 'C0BENCH',
          payload: {},
        },
        iso(at),
      );
    }
    for (const row of await t.dueDeliveries('9999-12-31T23:59:59.999Z', STORIES))
      await t.markSent(row.id, '1.0', row.createdAt);
    for (let i = 0; i < ITEMS; i++) {
      const feed = feeds[i % feeds.length] as (typeof feeds)[number];
      const it = feedItem(i % 500, Math.floor(i / 500) % 50);
      const seenAt = iso(NOW - Math.floor(((ITEMS - i) / ITEMS) * year));
      await t.markSeen(
        feed.id,
        {
          id: `item-${i}`,
          titleKey: normaliseTitle(it.title),
          link: it.link ? `${it.link}-${i}` : null,
          title: it.title,
          published: seenAt,
        },
        { now: seenAt, alert: i % 10 === 0, storyId: i % 10 === 0 ? (i / 10) % STORIES || 1 : null },
      );
    }
  });
  await store.close();
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
function processCpuSeconds(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) : utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function waitForHealth(base: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the app exited (${child.exitCode}): ${stderr().slice(-800)}`);
    try {
      const res = await fetch(`${base}/healthz`);
      await res.text();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the app did not answer on ${base} within 30 s: ${stderr().slice(-800)}`);
}

/**
 * 200 requests/s for 20 s with autocannon. Note how autocannon paces `overallRate`: each of the 10
 * connections gets a quota per second and sends it back to back from the start of the second, so
 * the app sees bursts of 10 requests at once rather than one every 5 ms; the slowest answers are
 * the last of a burst (about 10 × the app's CPU time per request, plus whatever else the machine
 * is doing). That is harsher than Slack's traffic, and it is what the p99 below measures.
 */
function load(url: string): Promise<{ result: Result; latencies: number[] }> {
  const latencies: number[] = [];
  const request: RawRequest = {
    method: 'POST',
    path: '/slack/events',
    // Each request is signed when it is sent, with the time then (Bolt refuses stale timestamps).
    setupRequest: (req) => {
      const body = slashCommandBody({ text: 'status meta' });
      return { ...req, method: 'POST', body, headers: { ...signedHeaders(SIGNING_SECRET, body) } };
    },
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: 10,
        overallRate: RATE,
        duration: DURATION_S,
        timeout: 10,
        requests: [request],
      },
      (err, result) => (err ? reject(err) : resolve({ result, latencies })),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
    });
  });
}

export async function main(): Promise<Figures> {
  console.log(
    `\n== Slash command: /caisi status meta, ${RATE} requests/s for ${DURATION_S} s, SQLite and Postgres ==`,
  );
  const dir = mkdtempSync(path.join(tmpdir(), 'caisi-bench-slash-'));
  const dummy: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"dummy-1"' });
    res.end(renderRss(0, [feedItem(0, 0)]));
  });
  await new Promise<void>((resolve) => dummy.listen(0, '127.0.0.1', resolve));
  const dummyUrl = `http://127.0.0.1:${(dummy.address() as AddressInfo).port}/feed.xml`;
  const slack = await startSlackApiServer({ token: BOT_TOKEN });
  try {
    const db = path.join(dir, 'slash.db');
    const filled = await timed(async () => prefill(db, dummyUrl));
    console.log(
      `  store: ${ITEMS.toLocaleString('en-US')} items, ${STORIES.toLocaleString('en-US')} stories (filled in ${filled.wallS.toFixed(1)} s)`,
    );
    const figures: Figures = {};
    const sqlite = await measure('sqlite', { CAISI_DB: db }, slack, dummyUrl);
    for (const [k, v] of Object.entries(sqlite)) figures[`status_${k}`] = v;
    if (process.env.CAISI_TEST_DATABASE_URL) {
      // The same rows, copied into a fresh Postgres database (what migrate-store does).
      const url = await freshPostgresUrl();
      const from = SqliteStore.open(db);
      const to = await PostgresStore.open(url);
      const copied = await timed(() => copyStore(from, to));
      await from.close();
      await to.close();
      console.log(`  postgres: the same rows copied in ${copied.wallS.toFixed(1)} s`);
      const pg = await measure('postgres', { CAISI_DATABASE_URL: url }, slack, dummyUrl);
      for (const [k, v] of Object.entries(pg)) figures[`pg_status_${k}`] = v;
    } else {
      console.log('  postgres: CAISI_TEST_DATABASE_URL is not set (npm run bench starts one); skipped');
      figures.pg_status_ok = false;
    }
    return figures;
  } finally {
    await slack.close();
    await new Promise<void>((resolve) => dummy.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Start the app on this store and measure `/caisi status meta` at RATE requests/s. */
async function measure(
  label: string,
  storeEnv: Record<string, string>,
  slack: Awaited<ReturnType<typeof startSlackApiServer>>,
  dummyUrl: string,
): Promise<Figures> {
  console.log(`  -- ${label} --`);
  let child: ChildProcess | undefined;
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let stderr = '';
    // BENCH_APP_NODE_FLAGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the app under load.
    const flags = (process.env.BENCH_APP_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    child = spawn(process.execPath, [...flags, path.join(ROOT, 'bin', 'caisi-watch.js'), 'start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        ...storeEnv,
        CAISI_FEEDS: dummyUrl,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    await waitForHealth(base, child, () => stderr);
    const url = `${base}/slack/events`;

    // Is the answer right? Then a short warm-up, not counted.
    const probe = await sendSlashCommand(url, SIGNING_SECRET, { text: 'status meta' });
    const text = JSON.stringify(probe.body);
    if (probe.status !== 200 || !text.includes('Meta'))
      throw new Error(`unexpected answer to /caisi status meta: HTTP ${probe.status} ${text.slice(0, 300)}`);
    console.log(`  first answer: HTTP ${probe.status} in ${probe.ms.toFixed(1)} ms, ${text.length} bytes`);
    const one: number[] = [];
    for (let i = 0; i < 200; i++)
      one.push((await sendSlashCommand(url, SIGNING_SECRET, { text: 'status meta' })).ms);
    one.sort((a, b) => a - b);
    console.log(
      `  one at a time (warm-up, 200 requests): p50 ${percentile(one, 50).toFixed(1)} ms, p99 ${percentile(one, 99).toFixed(1)} ms`,
    );

    const appCpu0 = processCpuSeconds(child.pid);
    const benchCpu0 = process.cpuUsage();
    const { result, latencies } = await load(url);
    const appCpu1 = processCpuSeconds(child.pid);
    const benchCpu = process.cpuUsage(benchCpu0);
    const appMsPerRequest =
      appCpu0 != null && appCpu1 != null ? ((appCpu1 - appCpu0) * 1000) / latencies.length : null;
    const benchMsPerRequest = (benchCpu.user + benchCpu.system) / 1000 / latencies.length;
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const max = latencies[latencies.length - 1] ?? Number.NaN;
    const errors = result.errors + result.timeouts;
    const over3s = latencies.filter((ms) => ms > 3000).length;
    const ok = p99 <= 30 && errors === 0 && result.non2xx === 0 && over3s === 0 && child.exitCode === null;
    console.log(
      `  ${latencies.length} answers in ${result.duration} s: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}, over 3 s ${over3s}`,
    );
    console.log(
      `  (autocannon's histogram: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms)`,
    );
    console.log(
      `  cpu per request: app ${appMsPerRequest == null ? 'n/a' : `${appMsPerRequest.toFixed(2)} ms`}, load generator ${benchMsPerRequest.toFixed(2)} ms`,
    );
    console.log(`  ${label}: target p99 ≤ 30 ms, no errors, nothing over 3 s — ${verdict(ok)}`);
    return {
      p50_ms: round(p50, 2),
      p99_ms: round(p99, 2),
      max_ms: round(max, 2),
      errors: errors,
      non2xx: result.non2xx,
      requests: latencies.length,
      over_3s: over3s,
      app_cpu_ms_per_request: appMsPerRequest == null ? null : round(appMsPerRequest, 2),
      ok,
    };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise<void>((resolve) => child?.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 25_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }
}

if (isMain(import.meta.url)) runMain(main);
