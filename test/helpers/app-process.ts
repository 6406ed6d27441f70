/**
 * Run the Slack app for tests, two ways:
 * - `startInProcessApp()`: the same Bolt app `start` builds (createSlackApp), on 127.0.0.1 port 0, with
 *   its WebClient pointed at a local Slack API server, an in-memory store and a ManualClock. Fast;
 *   slash commands and clicks go to it as signed HTTP requests.
 * - `spawnApp()`: the real thing, `node bin/caisi-watch.js start` as a child process (build first),
 *   with its JSON log lines captured and waitable.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Context, createContext } from '../../src/app/context.js';
import type { Health } from '../../src/app/loop.js';
import { createSlackApp, type SlackApp } from '../../src/app/slack-app.js';
import type { Config } from '../../src/config/config-file.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import {
  type SlackApiServer,
  type SlackApiServerOptions,
  type StoredMessage,
  startSlackApiServer,
} from '../slack-api-server.js';
import { type SocketModeServer, startSocketModeServer } from '../socket-mode-server.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin', 'caisi-watch.js');

export const BOT_TOKEN = 'xoxb-test-0000-secret-bot-token';
export const SIGNING_SECRET = 'testsigningsecret0123456789abcdef';
export const APP_TOKEN = 'xapp-1-A0TEST-0000-secret-app-token';

/** One captured JSON log line (or `{ raw }` for a line that is not JSON). */
export type LogLine = Record<string, unknown> & { msg?: string };

export interface InProcessApp extends SlackApp {
  /** …/slack/events */
  url: string;
  /** http://127.0.0.1:<port> */
  base: string;
  slack: SlackApiServer;
  /** Socket Mode only: the local Socket Mode server the app is connected to. */
  socketServer: SocketModeServer | null;
  ctx: Context;
  config: Config;
  clock: ManualClock;
  health: Health;
  logs: LogLine[];
  /** Resolve with the first log line that satisfies `pred` (already logged or to come). */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  close(): Promise<void>;
}

export interface InProcessOptions {
  admins?: string[];
  slack?: SlackApiServerOptions;
  /** Start time of the ManualClock. */
  now?: string;
  config?: Partial<Config>;
  channelGapMs?: number;
  /** 'socket': connect over the local Socket Mode server instead of listening for HTTP. */
  mode?: 'http' | 'socket';
  /** Socket Mode: script the stand-ins before the app connects (faults at start). */
  beforeStart?: (slack: SlackApiServer, socket: SocketModeServer) => void;
}

export async function startInProcessApp(o: InProcessOptions = {}): Promise<InProcessApp> {
  const clock = new ManualClock(Date.parse(o.now ?? '2026-06-24T12:00:00Z'));
  const slack = await startSlackApiServer({
    token: BOT_TOKEN,
    appToken: APP_TOKEN,
    now: () => clock.now(),
    ...o.slack,
  });
  const socketServer = o.mode === 'socket' ? await startSocketModeServer() : null;
  if (socketServer) slack.setSocketModeUrl(() => socketServer.nextUrl());
  const ctx = await createContext({ dbFile: ':memory:' });
  const config: Config = { ...ctx.config, feeds: [], ...o.config };
  const logs: LogLine[] = [];
  const logged = new EventEmitter().setMaxListeners(0);
  const logger = createLogger('debug', {
    write: (line: string) => {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ raw: line });
      }
      logged.emit('line');
    },
  });
  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const hit = logs.find(pred);
        if (hit) {
          done();
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no such log line within ${timeoutMs} ms; last: ${JSON.stringify(logs.slice(-5))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        logged.off('line', check);
      };
      logged.on('line', check);
      check();
    });
  const health: Health = { lastPollStartedAt: null, lastPollFinishedAt: null, startedAt: clock.now() };
  const built = createSlackApp({
    mode: socketServer ? 'socket' : 'http',
    botToken: BOT_TOKEN,
    signingSecret: socketServer ? undefined : SIGNING_SECRET,
    appToken: socketServer ? APP_TOKEN : undefined,
    // Socket Mode retries in milliseconds here (the real policy starts at 1 s).
    socket: { retry: { baseMs: 4, maxMs: 40 } },
    slackApiUrl: slack.apiUrl,
    admins: o.admins ?? ['U0ADMIN'],
    store: ctx.store,
    roster: ctx.roster,
    config,
    clock,
    logger,
    health,
    channelGapMs: o.channelGapMs ?? 0,
  });
  let base = '';
  if (socketServer) {
    o.beforeStart?.(slack, socketServer);
    await built.app.start();
  } else {
    const server = (await built.app.start({ port: 0, host: '127.0.0.1' })) as unknown as {
      address(): { port: number };
    };
    base = `http://127.0.0.1:${server.address().port}`;
  }
  return {
    ...built,
    url: `${base}/slack/events`,
    base,
    slack,
    socketServer,
    ctx,
    config,
    clock,
    health,
    logs,
    waitForLog,
    close: async () => {
      await built.app.stop().catch(() => {});
      await socketServer?.close();
      await slack.close();
      await ctx.close();
    },
  };
}

// ------------------------------------------------------------------ child process

export interface AppProcess {
  child: ChildProcessWithoutNullStreams;
  /** Parsed stdout lines (pino JSON). */
  logs: LogLine[];
  /** Everything written, raw (for "no secret appears anywhere"). */
  stdout(): string;
  stderr(): string;
  /** Resolve with the first log line that satisfies `pred` (already logged or to come). */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolve once `pred()` holds, re-checked on every output chunk and on exit. */
  waitUntil(pred: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolve with the exit code (or signal name). */
  exited: Promise<number | string | null>;
  /** The HTTP port from the `caisi-watch started` line. */
  port(): Promise<number>;
  kill(signal?: NodeJS.Signals): Promise<number | string | null>;
}

export function spawnApp(env: Record<string, string>, args: string[] = ['start']): AppProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
  });
  let out = '';
  let err = '';
  let partial = '';
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ raw: line });
      }
    }
    for (const w of [...waiters]) w();
  });
  child.stderr.on('data', (d: string) => {
    err += d;
    for (const w of [...waiters]) w();
  });
  let exitedYet = false;
  const exited = new Promise<number | string | null>((resolve) => {
    child.on('exit', (code, signal) => {
      exitedYet = true;
      resolve(code ?? signal);
      for (const w of [...waiters]) w();
    });
  });

  const waitUntil = (pred: () => boolean, timeoutMs = 10_000, what = 'condition') =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pred()) {
          done();
          resolve();
        } else if (exitedYet) {
          done();
          reject(
            new Error(
              `app exited before the expected ${what}; stdout: ${out.slice(-1000)} stderr: ${err.slice(-1000)}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; stdout: ${out.slice(-1500)} stderr: ${err.slice(-1000)}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const waitForLog = async (pred: (l: LogLine) => boolean, timeoutMs = 10_000) => {
    await waitUntil(() => logs.some(pred), timeoutMs, 'log line');
    return logs.find(pred) as LogLine;
  };

  return {
    child,
    logs,
    stdout: () => out,
    stderr: () => err,
    waitForLog,
    waitUntil: (pred, timeoutMs) => waitUntil(pred, timeoutMs),
    exited,
    port: async () => Number((await waitForLog((l) => l.msg === 'caisi-watch started')).port),
    kill: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!exitedYet) child.kill(signal);
      return exited;
    },
  };
}

// ------------------------------------------------------------------ child-process harness

/** A Slack API server, a feed server and a temp folder, for tests that run the app as a child. */
export interface ChildHarness {
  slack: SlackApiServer;
  feeds: FeedServer;
  dir: string;
  /** Start the app in HTTP mode against both servers; `env` adds to or overrides the defaults. */
  start(env?: Record<string, string>): AppProcess;
  /** The channel's top-level messages (thread replies left out). */
  topLevel(channel?: string): StoredMessage[];
  /** Every app started so far. */
  apps(): AppProcess[];
  /** Kill every app started, close both servers, remove the folder. */
  close(): Promise<void>;
}

export async function startChildHarness(o: { channel: string; prefix: string }): Promise<ChildHarness> {
  if (!existsSync(path.join(ROOT, 'dist', 'src', 'cli.js'))) throw new Error('run `npm run build` first');
  const slack = await startSlackApiServer({
    token: BOT_TOKEN,
    appToken: APP_TOKEN,
    // A public channel the bot has not joined: it may post (chat:write.public) but must join to read history.
    channels: { [o.channel]: { name: 'ai-policy', is_member: false } },
  });
  const feeds = await startFeedServer();
  const dir = mkdtempSync(path.join(tmpdir(), `caisi-${o.prefix}-`));
  const apps: AppProcess[] = [];
  return {
    slack,
    feeds,
    dir,
    start(env = {}) {
      const app = spawnApp({
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
        HOST: '127.0.0.1',
        CAISI_DB: path.join(dir, 'caisi.db'),
        CAISI_CHANNEL: o.channel,
        CAISI_POLL_SECONDS: '1',
        ...env,
      });
      apps.push(app);
      return app;
    },
    apps: () => [...apps],
    topLevel: (channel = o.channel) =>
      slack.messages(channel).filter((m) => !m.thread_ts || m.thread_ts === m.ts),
    async close() {
      for (const a of apps) await a.kill('SIGKILL');
      await slack.close();
      await feeds.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
