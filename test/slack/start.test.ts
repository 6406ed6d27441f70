/**
 * `caisi-watch start` (what `npm start` runs) as a child process: the environment is validated with
 * zod (one line per problem, exit 2), and the variables choose the mode: Socket Mode, HTTP mode, or
 * local mode that says which variables are missing. Needs `npm run build` first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { type AppProcess, BOT_TOKEN, SIGNING_SECRET, spawnApp } from '../helpers/app-process.js';
import { rss, SEED_ITEMS } from '../helpers/rss.js';
import { type SlackApiServer, startSlackApiServer } from '../slack-api-server.js';

let dir: string;
let feeds: FeedServer;
let slack: SlackApiServer;
const running: AppProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'caisi-start-'));
  feeds = await startFeedServer();
  feeds.route('/news.xml', {
    headers: { 'content-type': 'application/rss+xml' },
    body: rss('The New York Times', [
      {
        ...SEED_ITEMS[0]?.item,
        title: SEED_ITEMS[0]?.item.title ?? '',
        description: SEED_ITEMS[0]?.item.description ?? '',
        pubDate: new Date(Date.now() - 3_600_000).toISOString(),
      },
    ]),
  });
  slack = await startSlackApiServer({ token: BOT_TOKEN, appToken: 'xapp-1-A0TEST-secret-app-token' });
});

afterAll(async () => {
  for (const a of running) await a.kill('SIGKILL');
  await feeds.close();
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (env: Record<string, string>) => {
  const a = spawnApp({ CAISI_DB: path.join(dir, `${running.length}.db`), ...env });
  running.push(a);
  return a;
};

describe('start-up configuration', () => {
  it('reports every bad variable on its own line and exits 2, without echoing secrets', async () => {
    const a = run({
      SLACK_BOT_TOKEN: 'not-a-token-SUPERSECRET',
      SLACK_SIGNING_SECRET: 'x',
      CAISI_CHANNEL: '#general',
      CAISI_POLL_SECONDS: '0',
      PORT: '70000',
      CAISI_ADMINS: 'bob',
      LOG_LEVEL: 'loud',
      SLACK_API_URL: 'slack.com/api',
    });
    expect(await a.exited).toBe(2);
    const lines = a.stderr().trim().split('\n');
    const names = lines.map((l) => /^caisi-watch start: ([A-Z_]+):/.exec(l)?.[1]);
    expect(names.sort()).toEqual(
      [
        'CAISI_ADMINS',
        'CAISI_CHANNEL',
        'CAISI_POLL_SECONDS',
        'LOG_LEVEL',
        'PORT',
        'SLACK_API_URL',
        'SLACK_BOT_TOKEN',
        'SLACK_SIGNING_SECRET',
      ].sort(),
    );
    expect(a.stderr()).not.toContain('SUPERSECRET');
    expect(a.stdout()).toBe('');
  });

  it('without Slack tokens runs in local mode, says which variables are missing, prints alerts, stops on SIGTERM', async () => {
    const a = run({ CAISI_FEEDS: feeds.urlFor('/news.xml'), CAISI_POLL_SECONDS: '1' });
    await a.waitUntil(() => a.stderr().includes('local mode'));
    expect(a.stderr()).toContain(
      'SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)',
    );
    await a.waitUntil(() => a.stdout().includes('US presses Meta to agree with AI reviews'));
    expect(a.stdout()).toContain('CAISI review: 5 of 6 signed — not signed: Meta');
    expect(await a.kill('SIGTERM')).toBe(0);
  });

  it('with only a bot token, names the one missing choice', async () => {
    // (CAISI_POLL_SECONDS=1: src/main.ts local mode leaves its poll-interval timer running after SIGTERM.)
    const a = run({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      CAISI_FEEDS: feeds.urlFor('/news.xml'),
      CAISI_POLL_SECONDS: '1',
    });
    await a.waitUntil(() => a.stderr().includes('local mode'));
    expect(a.stderr()).toMatch(/set SLACK_APP_TOKEN \(Socket Mode\) or SLACK_SIGNING_SECRET \(HTTP mode\)\./);
    expect(a.stderr()).not.toContain(BOT_TOKEN);
    // (src/main.ts installs its SIGTERM handler only after opening the store: wait for the first alert.)
    await a.waitUntil(() => a.stdout().includes('US presses Meta to agree with AI reviews'));
    expect(await a.kill('SIGTERM')).toBe(0);
  });

  it('bot token + app token → Socket Mode, through SLACK_API_URL, with the app token', async () => {
    slack.reset();
    const a = run({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_APP_TOKEN: 'xapp-1-A0TEST-secret-app-token',
      SLACK_API_URL: slack.apiUrl,
      CAISI_FEEDS: feeds.urlFor('/news.xml'),
    });
    const open = await slack.waitForCall('apps.connections.open', 1, 10_000);
    expect(open.token).toBe('xapp-1-A0TEST-secret-app-token');
    expect(slack.callsTo('auth.test')[0]?.token).toBe(BOT_TOKEN);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    // Stops cleanly even while it is still trying to connect.
    expect(await a.kill('SIGTERM')).toBe(0);
    const out = a.stdout() + a.stderr();
    expect(out).not.toContain('secret-app-token');
    expect(out).not.toContain(BOT_TOKEN);
  });

  it('bot token + signing secret → HTTP mode on PORT, path /slack/events', async () => {
    const a = run({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      CAISI_FEEDS: feeds.urlFor('/news.xml'),
    });
    const started = await a.waitForLog((l) => l.msg === 'caisi-watch started');
    expect(started).toMatchObject({ mode: 'http', path: '/slack/events', pollSeconds: 300 });
    const res = await fetch(`http://127.0.0.1:${started.port}/healthz`);
    expect(res.status).toBe(200);
    // The first poll happens right after start-up, not after the first interval.
    await a.waitForLog((l) => l.msg === 'poll finished');
    expect(await a.kill('SIGTERM')).toBe(0);
  });

  it("the config file's pollSeconds applies under start; CAISI_POLL_SECONDS overrides it", async () => {
    const cfg = path.join(dir, 'poll-42.yaml');
    writeFileSync(cfg, `feeds:\n  - url: ${feeds.urlFor('/news.xml')}\npollSeconds: 42\n`);
    const base = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      CAISI_CONFIG: cfg,
    };
    const fromFile = run(base);
    expect(await fromFile.waitForLog((l) => l.msg === 'caisi-watch started')).toMatchObject({
      pollSeconds: 42,
    });
    expect(await fromFile.kill('SIGTERM')).toBe(0);
    const fromEnv = run({ ...base, CAISI_POLL_SECONDS: '7' });
    expect(await fromEnv.waitForLog((l) => l.msg === 'caisi-watch started')).toMatchObject({
      pollSeconds: 7,
    });
    expect(await fromEnv.kill('SIGTERM')).toBe(0);
  });

  it('a port already in use is one clear error and exit 1', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const a = run({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      CAISI_FEEDS: feeds.urlFor('/news.xml'),
    });
    expect(await a.exited).toBe(1);
    expect(a.logs.find((l) => l.msg === 'could not start the Slack app')?.err).toMatch(/EADDRINUSE|in use/);
    await new Promise((resolve) => busy.close(resolve));
  });
});
