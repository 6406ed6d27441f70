/**
 * Socket Mode as it runs for a new user: `node bin/caisi-watch.js start` with a bot token and an
 * app-level token (a child process), the local Web API stand-in (SLACK_API_URL) and the local
 * Socket Mode server its `apps.connections.open` points at. The connection's retry waits are the
 * real ones (about 0.5–1 s for the first), so each case scripts only one or two faults.
 *
 * Then the process-level guard: an unhandled rejection is one log line and the process goes on.
 * Needs `npm run build` first (npm test runs it).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_TOKEN,
  type AppProcess,
  BOT_TOKEN,
  type ChildHarness,
  type LogLine,
  ROOT,
  startChildHarness,
} from '../helpers/app-process.js';
import { rss, SEED_ITEMS, type TestItem } from '../helpers/rss.js';
import { type SocketModeServer, startSocketModeServer } from '../socket-mode-server.js';

const CHANNEL = 'C0ALERTS';
let h: ChildHarness;
let socket: SocketModeServer;

beforeAll(async () => {
  h = await startChildHarness({ channel: CHANNEL, prefix: 'socket' });
  socket = await startSocketModeServer();
  h.slack.setSocketModeUrl(() => socket.nextUrl());
  h.feeds.route('/news.xml', {
    headers: { 'content-type': 'application/rss+xml' },
    body: rss('The New York Times', [
      { ...(SEED_ITEMS[0]?.item as TestItem), pubDate: new Date(Date.now() - 3_600_000).toISOString() },
    ]),
  });
});
afterAll(async () => {
  await h?.close();
  await socket?.close();
});

const startSocketApp = (env: Record<string, string> = {}) =>
  h.start({
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_SIGNING_SECRET: '',
    CAISI_FEEDS: h.feeds.urlFor('/news.xml'),
    CAISI_ADMINS: 'U0ADMIN',
    ...env,
  });

const couldNotConnect = (l: LogLine) =>
  typeof l.msg === 'string' && l.msg.startsWith('Socket Mode: could not connect');

/** A clean stop: exit 0, "stopped" logged, no unhandled rejection, no stack trace, no secret. */
async function expectCleanStop(a: AppProcess) {
  expect(await a.kill('SIGTERM')).toBe(0);
  expect(a.logs.some((l) => l.msg === 'stopped')).toBe(true);
  const out = a.stdout() + a.stderr();
  expect(out).not.toMatch(/unhandled|uncaught| {4}at /i);
  expect(a.stderr()).toBe('');
  expect(out).not.toContain(APP_TOKEN);
  expect(out).not.toContain(BOT_TOKEN);
}

const statusMeta = () =>
  socket.slashCommand({ text: 'status meta', user_id: 'U0USER', channel_id: 'C0POLICY' });

describe('Socket Mode, the bot as a child process', () => {
  it('a 503 at start, then an alert and /caisi over the socket; a refresh with a 503 and a refused upgrade; SIGTERM exits 0', async () => {
    h.slack.failNext('apps.connections.open', { status: 503 });
    const a = startSocketApp();
    const started = await a.waitForLog((l) => l.msg === 'caisi-watch started', 15_000);
    expect(started.mode).toBe('socket');
    expect(a.logs.filter(couldNotConnect).map((l) => l.err)).toEqual(['apps.connections.open: HTTP 503']);

    // The alert goes through the Web API; the command comes over the socket and is answered in the ack.
    await h.slack.waitFor(() => h.topLevel().length === 1, 15_000);
    expect(h.topLevel()[0]?.text).toContain('Meta');
    expect(JSON.stringify((await statusMeta()).payload)).toContain('Meta: status');

    // Slack refreshes the connection; the next open fails once and the next upgrade is refused.
    h.slack.failNext('apps.connections.open', { status: 503 });
    socket.failNextConnections('refuse-upgrade');
    const before = socket.connections.length;
    socket.disconnect('refresh_requested');
    await socket.waitForConnection(before + 1, 15_000);
    await a.waitForLog((l) => l.msg === 'Socket Mode reconnected', 15_000);
    expect(a.logs.filter(couldNotConnect)).toHaveLength(3);
    expect(JSON.stringify((await statusMeta()).payload)).toContain('Meta: status');
    await expectCleanStop(a);
  });

  it('SIGTERM in the middle of a reconnect (Slack answering 503, the bot waiting to retry): exit 0, no unhandled rejection', async () => {
    const a = startSocketApp();
    await a.waitForLog((l) => l.msg === 'caisi-watch started', 15_000);
    h.slack.failNext('apps.connections.open', { status: 503 }, Number.POSITIVE_INFINITY);
    socket.disconnect('refresh_requested');
    await a.waitForLog(couldNotConnect, 15_000);
    await expectCleanStop(a);
    h.slack.clearFaults();
  });

  it('SIGTERM while apps.connections.open hangs during a reconnect: the call is abandoned, exit 0 at once', async () => {
    const a = startSocketApp();
    await a.waitForLog((l) => l.msg === 'caisi-watch started', 15_000);
    const opens = h.slack.callsTo('apps.connections.open').length;
    h.slack.failNext('apps.connections.open', { hang: true }, Number.POSITIVE_INFINITY);
    socket.disconnect('refresh_requested');
    await h.slack.waitFor(() => h.slack.callsTo('apps.connections.open')[opens]?.outcome === 'hang', 15_000);
    const t0 = Date.now();
    await expectCleanStop(a);
    // Not the 10 s client timeout, nor the 5 s "still open" safety exit.
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(a.logs.some((l) => String(l.msg).includes('still open'))).toBe(false);
    h.slack.clearFaults();
    h.slack.release();
  });

  it('an app-level token Slack refuses at start is one line naming SLACK_APP_TOKEN and exit 2', async () => {
    const a = startSocketApp({ SLACK_APP_TOKEN: 'xapp-1-A0TEST-0000-not-this-one' });
    expect(await a.exited).toBe(2);
    expect(a.stderr()).toBe('caisi-watch start: SLACK_APP_TOKEN: Slack refused the token (invalid_auth)\n');
  });
});

describe('process guard', () => {
  it('an unhandled rejection is one log line and the process keeps running; exit 0', async () => {
    const guard = path.join(ROOT, 'dist', 'src', 'util', 'process-guard.js');
    const logger = path.join(ROOT, 'dist', 'src', 'util', 'logger.js');
    const script = `
      const { installProcessGuards } = await import(${JSON.stringify(guard)});
      const { createLogger } = await import(${JSON.stringify(logger)});
      const log = createLogger('info');
      installProcessGuards(process, log, () => process.exit(1));
      Promise.reject(new Error('a library lost this\\nacross two lines'));
      setTimeout(() => { log.info('still running'); }, 20);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogLine);
    expect(lines.map((l) => l.msg)).toEqual([
      'unhandled promise rejection (logged; the bot keeps running)',
      'still running',
    ]);
    expect(lines[0]?.err).toBe('Error: a library lost this across two lines');
  });
});
