/**
 * Start-up, the one composition root: environment → config, store, matcher, and either the Slack
 * app (Socket Mode or HTTP) or local mode; then the shared work loops, until SIGTERM/SIGINT.
 * Returns an outcome; the CLI turns it into an exit code.
 */
import path from 'node:path';
import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { realConfigPath } from '../config/config-file.js';
import type { Env } from '../config/env.js';
import { AppError } from '../errors.js';
import { renderAlertText } from '../render/alert.js';
import { notifyFeedDisabled } from '../slack/notify.js';
import { AUTH_ERRORS } from '../slack/slack-errors.js';
import { AppTokenRefusedError } from '../slack/socket.js';
import type { Store } from '../store/store.js';
import { type Clock, systemClock } from '../util/clock.js';
import { createLogger } from '../util/logger.js';
import { installProcessGuards } from '../util/process-guard.js';
import { sleeper } from '../util/sleeper.js';
import { type Context, createContext } from './context.js';
import { Leadership } from './leader.js';
import { type Health, startWorkLoops, type WorkLoopOptions, type WorkLoops } from './loop.js';
import { createSlackApp, type SlackApp } from './slack-app.js';

/** Where start-up writes: alerts (local mode) to stdout, one-line problems to stderr. */
export interface AppIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
}

/** How a run ended. */
export type StartOutcome =
  /** Asked to stop (SIGTERM/SIGINT), and stopped cleanly. */
  | { kind: 'stopped' }
  /** Not started: the set-up is wrong (config, store, a token Slack refused). One line each. */
  | { kind: 'refused'; problems: string[] }
  /** Failed while running (an uncaught exception), or could not start for a reason of ours. */
  | { kind: 'failed'; problem: string };

export async function startApp(env: Env, io: AppIO, clock: Clock = systemClock): Promise<StartOutcome> {
  // Alerts go to stdout in local mode, so logs go to stderr there and never mix with them.
  const logger = createLogger(env.LOG_LEVEL, env.mode === 'local' ? pino.destination(2) : undefined, {
    secrets: [
      env.SLACK_BOT_TOKEN,
      env.SLACK_APP_TOKEN,
      env.SLACK_SIGNING_SECRET,
      env.CAISI_DATABASE_URL,
    ].filter((s): s is string => !!s),
  });
  // One line for a promise rejection nobody handled (the bot keeps running); an uncaught
  // exception is fatal: one line, then a clean stop.
  let failure: string | null = null;
  let requestStop: (() => void) | null = null;
  const removeGuards = installProcessGuards(process, logger, () => {
    failure = 'uncaught exception (see the log)';
    if (requestStop) requestStop();
    else process.exit(1); // nothing to stop cleanly yet
  });
  try {
    const outcome = await run(env, io, clock, logger, (stop) => {
      requestStop = stop;
    });
    return failure && outcome.kind === 'stopped' ? { kind: 'failed', problem: failure } : outcome;
  } finally {
    removeGuards();
    // Everything is closed; should a library still hold a socket or timer open, do not hang.
    setTimeout(() => {
      logger.warn('a connection was still open 5 s after stopping; exiting anyway');
      process.exit();
    }, 5000).unref();
  }
}

async function run(
  env: Env,
  io: AppIO,
  clock: Clock,
  logger: Logger,
  onStopHandle: (stop: () => void) => void,
): Promise<StartOutcome> {
  // Signals are handled before anything else, so a stop during start-up is clean too.
  let stopping = false;
  let onStop: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      logger.info('stopping: finishing the delivery in flight');
      onStop();
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    onStopHandle(stop);
  });

  if (env.mode === 'local')
    io.stderr(
      `caisi-watch: local mode (no Slack). To connect to Slack set ${env.missing.join(' and ')}.\n` +
        'Polling the configured feeds and printing alerts here; Ctrl-C stops.\n',
    );
  let ctx: Context;
  try {
    ctx = await createContext({
      dbFile: path.resolve(io.cwd, env.CAISI_DB),
      databaseUrl: env.CAISI_DATABASE_URL ?? null,
      // Local mode runs the demo feeds unless configured; Slack mode the real ones.
      configFile: env.CAISI_CONFIG ?? (env.mode === 'local' ? null : realConfigPath()),
      env,
      rosterFile: env.CAISI_ROSTER ? path.resolve(io.cwd, env.CAISI_ROSTER) : undefined,
      syncFeeds: true,
    });
  } catch (err) {
    if (err instanceof AppError && err.audience !== 'bug')
      return { kind: 'refused', problems: [err.message] };
    throw err;
  }
  const health: Health = { lastPollStartedAt: null, lastPollFinishedAt: null, startedAt: clock.now() };
  try {
    if (env.mode === 'local')
      return await runLocal(
        ctx,
        io,
        clock,
        logger,
        health,
        env.CAISI_LEADER_LEASE_SECONDS * 1000,
        stopRequested,
        (f) => {
          onStop = f;
        },
      );
    return await runSlack(env, ctx, clock, logger, health, stopRequested, (f) => {
      onStop = f;
    });
  } finally {
    await ctx.close();
  }
}

/** Finish what is in flight (a Slack call times out after 10 s; a feed fetch after its timeout). */
async function finish(loops: WorkLoops, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    loops.done.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 20_000);
    }),
  ]);
  clearTimeout(timer);
  if (!finished)
    logger.warn('work still in flight after 20 s; stopping anyway (it is recovered at next start)');
}

/**
 * The work only the leader does (poll, send), started when this replica is elected and stopped
 * when it is not any more; the next term starts only once the last one's work has finished.
 */
function leaderWork(
  ctx: Context,
  clock: Clock,
  logger: Logger,
  health: Health,
  build: ((fence: (t: Store) => Promise<boolean>) => WorkLoopOptions) | null,
  ttlMs: number,
) {
  let options = build;
  let loops: WorkLoops | null = null;
  let previous: Promise<void> = Promise.resolve();
  let stopped = false;
  const leadership: Leadership = new Leadership({
    store: ctx.store,
    clock,
    logger,
    ttlMs,
    solo: ctx.store.backend === 'sqlite',
    onElected: () => {
      void previous.then(() => {
        if (stopped || leadership.role !== 'leader' || !options || loops) return;
        health.lastLeaderSince = clock.now();
        loops = startWorkLoops(options((t) => leadership.fence(t)));
      });
    },
    onDeposed: () => {
      const l = loops;
      loops = null;
      if (!l) return;
      l.stop();
      previous = l.done;
    },
  });
  health.role = () => leadership.role;
  return {
    leadership,
    configure: (b: (fence: (t: Store) => Promise<boolean>) => WorkLoopOptions) => {
      options = b;
    },
    wake: () => loops?.wake(),
    stopWork: () => {
      stopped = true;
      loops?.stop();
    },
    /** After a stop: let the work in flight finish (the lease is renewed meanwhile), then give the lease up. */
    finish: async () => {
      const l = loops;
      if (l) await finish(l, logger);
      await previous;
      await leadership.stop();
    },
  };
}

/** Local mode: poll the configured feeds (the demo feeds unless configured) and print alerts. */
async function runLocal(
  ctx: Context,
  io: AppIO,
  clock: Clock,
  logger: Logger,
  health: Health,
  ttlMs: number,
  stopRequested: Promise<void>,
  setOnStop: (f: () => void) => void,
): Promise<StartOutcome> {
  const work = leaderWork(
    ctx,
    clock,
    logger,
    health,
    (fence) => ({
      store: ctx.store,
      matcher: ctx.matcher,
      config: ctx.config,
      clock,
      logger,
      health,
      alertChannel: null,
      fence,
      onReport: async (report) => {
        const fresh = new Set(report.events.filter((e) => e.kind === 'new').map((e) => e.story.id));
        for (const id of fresh) {
          const story = await ctx.store.story(id);
          if (story) io.stdout(`${renderAlertText(await ctx.roster(), story)}\n\n`);
        }
        // A later outlet for a story already printed: one line, as the Slack alert's "also covered by".
        for (const e of report.events)
          if (e.kind === 'source-added' && !fresh.has(e.story.id))
            io.stdout(
              `  + also covered by ${e.story.sources.at(-1)?.outlet}: ${e.item.title} (story: ${e.story.title})\n`,
            );
      },
    }),
    ttlMs,
  );
  setOnStop(work.stopWork);
  work.leadership.start();
  await stopRequested;
  await work.finish();
  return { kind: 'stopped' };
}

async function runSlack(
  env: Env,
  ctx: Context,
  clock: Clock,
  logger: Logger,
  health: Health,
  stopRequested: Promise<void>,
  setOnStop: (f: () => void) => void,
): Promise<StartOutcome> {
  const { config } = ctx;
  const http = env.mode === 'http';
  const work = leaderWork(ctx, clock, logger, health, null, env.CAISI_LEADER_LEASE_SECONDS * 1000);
  let slack: SlackApp;
  try {
    slack = createSlackApp({
      lease: work.leadership,
      mode: http ? 'http' : 'socket',
      botToken: env.SLACK_BOT_TOKEN as string,
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken: env.SLACK_APP_TOKEN,
      slackApiUrl: env.SLACK_API_URL,
      admins: env.CAISI_ADMINS,
      store: ctx.store,
      roster: ctx.roster,
      config,
      clock,
      logger,
      health,
      deferTokenCheck: true,
    });
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'could not create the Slack app');
    return { kind: 'failed', problem: `could not create the Slack app: ${(err as Error).message}` };
  }
  const { app, deliverer } = slack;
  try {
    const check = await checkToken(app, logger, stopRequested);
    if (!('ok' in check)) {
      if ('stopped' in check) {
        logger.info('stopped');
        return { kind: 'stopped' };
      }
      // Nothing was posted and nothing is lost: the queue is in the store for the next start.
      logger.error(
        { error: check.refused },
        `Slack refused the bot token (${check.refused}): not started, nothing is lost; fix SLACK_BOT_TOKEN and start again`,
      );
      return { kind: 'refused', problems: [`SLACK_BOT_TOKEN: Slack refused the token (${check.refused})`] };
    }
    const starting = (http ? app.start({ port: env.PORT, host: env.HOST }) : app.start()) as Promise<unknown>;
    const server = await Promise.race([starting, stopRequested.then(() => 'stopped' as const)]);
    if (server === 'stopped') {
      starting.catch(() => {}); // a connection that fails after we gave up is of no interest
      await app.stop().catch(() => {});
      logger.info('stopped');
      return { kind: 'stopped' };
    }
    const address =
      http && server && typeof server === 'object' && 'address' in server
        ? (server as { address(): unknown }).address()
        : null;
    const port =
      address && typeof address === 'object' && 'port' in address
        ? (address as { port: number }).port
        : env.PORT;
    logger.info(
      {
        mode: env.mode,
        port: http ? port : undefined,
        path: http ? '/slack/events' : undefined,
        store: ctx.store.backend,
        feeds: (await ctx.store.listFeeds()).filter((f) => f.enabled).length,
        pollSeconds: config.pollSeconds,
      },
      'caisi-watch started',
    );
  } catch (err) {
    await app.stop().catch(() => {});
    if (err instanceof AppTokenRefusedError) {
      logger.error(
        { error: err.code },
        `Slack refused the app-level token (${err.code}): not started, nothing is lost; fix SLACK_APP_TOKEN and start again`,
      );
      return { kind: 'refused', problems: [`SLACK_APP_TOKEN: Slack refused the token (${err.code})`] };
    }
    logger.error({ err: (err as Error).message }, 'could not start the Slack app');
    return { kind: 'failed', problem: `could not start the Slack app: ${(err as Error).message}` };
  }

  const notify = { admins: env.CAISI_ADMINS, store: ctx.store, clock, logger };
  work.configure((fence) => ({
    store: ctx.store,
    matcher: ctx.matcher,
    config,
    clock,
    logger,
    health,
    alertChannel: env.CAISI_CHANNEL ?? null,
    deliverer,
    fence,
    onReport: async (report) => {
      for (const feed of report.disabled) await notifyFeedDisabled(notify, feed);
    },
  }));
  slack.onWake(() => work.wake());
  setOnStop(work.stopWork);
  work.leadership.start();
  await stopRequested;
  await work.finish();
  await app.stop().catch(() => {});
  logger.info('stopped');
  return { kind: 'stopped' };
}

type TokenCheck = { ok: true } | { stopped: true } | { refused: string };

const SLACK_CALL_ERRORS = new Set([
  'slack_webapi_platform_error',
  'slack_webapi_request_error',
  'slack_webapi_http_error',
  'slack_webapi_rate_limited_error',
]);

/**
 * Bolt's start-up token check (auth.test, in `app.init()`), run where its failure can be handled:
 * a token Slack refuses is reported; an unreachable Slack (network, 5xx, 429, timeout) is tried
 * again with backoff until it answers or the process is asked to stop.
 */
async function checkToken(app: App, logger: Logger, stop: Promise<void>): Promise<TokenCheck> {
  const wait = sleeper();
  let stopped = false;
  void stop.then(() => {
    stopped = true;
    wait.cancelAll();
  });
  for (let attempt = 1; ; attempt++) {
    try {
      const init = app.init();
      const done = await Promise.race([init.then(() => true), stop.then(() => false)]);
      if (!done) {
        init.catch(() => {}); // an answer after we gave up is of no interest
        return { stopped: true };
      }
      return { ok: true };
    } catch (err) {
      const e = err as { code?: string; data?: { error?: string }; message?: string };
      const code = e.data?.error ?? '';
      if (e.code === 'slack_webapi_platform_error' && AUTH_ERRORS.has(code)) return { refused: code };
      // Network, HTTP, rate limit, or a Slack-side error: try again. Anything else is not Slack's.
      if (!SLACK_CALL_ERRORS.has(e.code ?? '')) throw err;
      const seconds = Math.min(60, 2 ** (attempt - 1));
      logger.warn(
        { err: code || e.message, attempt, retryInSeconds: seconds },
        'Slack did not answer the token check at start; trying again',
      );
      await wait.sleep(seconds * 1000);
      if (stopped) return { stopped: true };
    }
  }
}
