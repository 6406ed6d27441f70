/**
 * The bot connected to Slack: a Bolt app (Socket Mode or HTTP), the poll loop, the delivery
 * worker, daily digests, /healthz, and a clean stop on SIGTERM.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { App, type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import { registerHandlers } from '../../handlers/index.js';
import { LookupError } from '../answers/answer.js';
import type { CliIO } from '../cli/io.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../cli/io.js';
import { type Config, ConfigError, realConfigPath } from '../config/config-file.js';
import type { Env } from '../config/env.js';
import { type Context, createContext } from '../context.js';
import { checkFeeds } from '../feeds/check-run.js';
import { FeedFetchError } from '../feeds/fetch.js';
import { checkNewFeedUrl } from '../feeds/url-policy.js';
import { pollOnce } from '../pipeline/poll.js';
import { SeedError } from '../roster/load.js';
import { StoreError } from '../store/store.js';
import type { OutboxRow } from '../store/types.js';
import { type Clock, systemClock } from '../util/clock.js';
import { createLogger } from '../util/logger.js';
import { installProcessGuards } from '../util/process-guard.js';
import { createAdminCheck } from './admins.js';
import { Deliverer } from './deliver.js';
import type { SlackDeps } from './deps.js';
import { queueDueDigests } from './digest.js';
import { AUTH_ERRORS, scopeLabel } from './slack-errors.js';
import { AppTokenRefusedError, ResilientSocketModeReceiver, type RetryPolicy } from './socket.js';

/** Bolt's logger interface, writing through pino so every line is JSON and redacted. */
function boltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    msg
      .map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m)))
      .join(' ');
  return {
    debug: (...m) => logger.debug({ src: 'bolt' }, text(m)),
    info: (...m) => logger.info({ src: 'bolt' }, text(m)),
    warn: (...m) => logger.warn({ src: 'bolt' }, text(m)),
    error: (...m) => logger.error({ src: 'bolt' }, text(m)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export interface Health {
  lastPollStartedAt: number | null;
  lastPollFinishedAt: number | null;
  startedAt: number;
}

export async function healthReport(
  ctx: Pick<Context, 'store'>,
  h: Health,
  pollSeconds: number,
  nowMs: number,
) {
  const feeds = await ctx.store.listFeeds();
  const failing = feeds.filter((f) => f.enabled && f.consecutiveErrors > 0).length;
  const last = h.lastPollFinishedAt ?? h.startedAt;
  const stalled = nowMs - last > 3 * pollSeconds * 1000;
  return {
    status: stalled ? 503 : 200,
    body: {
      ok: !stalled,
      lastPoll: h.lastPollFinishedAt ? new Date(h.lastPollFinishedAt).toISOString() : null,
      feeds: feeds.filter((f) => f.enabled).length,
      feedsFailing: failing,
      feedsDisabled: feeds.filter((f) => !f.enabled).length,
      outboxDepth: await ctx.store.outboxDepth(),
      parked: (await ctx.store.parkedDeliveries()).length,
    },
  };
}

export interface SlackAppOptions {
  mode: 'http' | 'socket';
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  /** Web API base URL (the local emulator in tests); Slack's when unset. */
  slackApiUrl?: string;
  admins: string[];
  store: Context['store'];
  roster: Context['roster'];
  config: Config;
  clock: Clock;
  logger: Logger;
  health: Health;
  /** Gap between two messages to one channel (tests pass 0 or drive the clock). */
  channelGapMs?: number;
  /**
   * Leave Bolt's token check (auth.test) to the caller (`checkToken`). Otherwise Bolt runs it in
   * its constructor, where a rejected token or an unreachable Slack is an unhandled rejection that
   * kills the process with a stack trace, and a failure is cached for every later request.
   */
  deferTokenCheck?: boolean;
  /** Socket Mode connection retries (tests shorten them) and the pong timeout. */
  socket?: { retry?: RetryPolicy; random?: () => number; clientPingTimeoutMs?: number };
}

export interface SlackApp {
  app: App;
  /** Socket Mode only: the connection, which reconnects by itself. */
  socket: ResilientSocketModeReceiver | null;
  deliverer: Deliverer;
  deps: SlackDeps;
  /** Set what `wakeDelivery` calls (the delivery loop's wake-up). */
  onWake(fn: () => void): void;
}

/**
 * The Bolt app with every listener, the deliverer and the health route: what `start` runs, and
 * what the tests start in-process against the local Slack API server.
 */
export function createSlackApp(o: SlackAppOptions): SlackApp {
  const { store, clock, logger, config } = o;
  const clientOptions = {
    slackApiUrl: o.slackApiUrl ? o.slackApiUrl.replace(/\/?$/, '/') : undefined,
    // The outbox owns retries: the client's own retry after a network error could post twice.
    // (The Socket Mode connection has its own client and retries; it does not inherit this.)
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
  };
  const http = o.mode === 'http';
  const socket = http
    ? null
    : new ResilientSocketModeReceiver({
        appToken: o.appToken as string,
        slackApiUrl: o.slackApiUrl,
        logger,
        retry: o.socket?.retry,
        random: o.socket?.random,
        clientPingTimeoutMs: o.socket?.clientPingTimeoutMs,
      });
  const app = new App({
    token: o.botToken,
    logger: boltLogger(logger),
    clientOptions,
    ...(o.deferTokenCheck ? { deferInitialization: true } : {}),
    ...(http
      ? {
          signingSecret: o.signingSecret,
          customRoutes: [
            {
              path: '/healthz',
              method: ['GET'],
              handler: (_req: IncomingMessage, res: ServerResponse) => {
                healthReport({ store }, o.health, config.pollSeconds, clock.now()).then(
                  (h) => {
                    res.writeHead(h.status, { 'content-type': 'application/json' });
                    res.end(JSON.stringify(h.body));
                  },
                  (err: unknown) => {
                    res.writeHead(503, { 'content-type': 'application/json' });
                    res.end(JSON.stringify({ ok: false, error: (err as Error).message }));
                  },
                );
              },
            },
          ],
        }
      : { receiver: socket as ResilientSocketModeReceiver }),
  });

  const { isAdmin, whoCanWrite } = createAdminCheck(app.client, o.admins, clock, logger);
  let wake: () => void = () => {};
  const deliverer = new Deliverer({
    store,
    client: app.client,
    roster: o.roster,
    clock,
    logger,
    channelGapMs: o.channelGapMs,
    onParked: (row, error) => notifyParked(o, row, error),
    onMissingScope: async (scope, method) => {
      await notifyMissingScope(o, scope, method);
      wake();
    },
  });
  const deps: SlackDeps = {
    store,
    roster: o.roster,
    config,
    clock,
    logger,
    isAdmin,
    whoCanWrite,
    checkNewFeedUrl: async (url) => {
      try {
        await checkNewFeedUrl(url, { allowPrivate: config.allowPrivateFeeds });
      } catch (err) {
        if (err instanceof FeedFetchError) throw new LookupError(`Cannot add that feed: ${err.message}`);
        throw err;
      }
    },
    wakeDelivery: () => wake(),
    // `/caisi feeds check`: the same fetch and address rules as a poll (a feed added in Slack may
    // reach a private address only when the config allows it); local files only from the config.
    checkFeeds: (feeds) =>
      checkFeeds(
        feeds.map((f) => ({
          url: f.url,
          name: f.title,
          allowPrivate: f.origin === 'slack' ? config.allowPrivateFeeds : true,
          allowFile: f.origin !== 'slack',
        })),
        {
          fetch: {
            timeoutMs: config.fetch.timeoutSeconds * 1000,
            maxBytes: config.fetch.maxBytes,
            maxRedirects: config.fetch.maxRedirects,
          },
          concurrency: config.fetch.concurrency,
          now: () => clock.now(),
        },
      ),
  };
  registerHandlers(app, deps);
  app.error(async (err) => {
    logger.error({ err: (err as Error).message }, 'Slack listener failed');
  });
  return {
    app,
    socket,
    deliverer,
    deps,
    onWake: (fn) => {
      wake = fn;
    },
  };
}

/** A parked alert is told to each admin privately (never in the alert channel). */
export async function notifyParked(
  o: Pick<SlackAppOptions, 'admins' | 'store' | 'clock' | 'logger'>,
  row: OutboxRow,
  error: string,
): Promise<void> {
  if (row.kind === 'notice') return; // a notice that cannot reach an admin is not worth another notice
  const now = new Date(o.clock.now()).toISOString();
  for (const admin of o.admins)
    await o.store.enqueue(
      {
        key: `notice:parked:${row.id}:${admin}`,
        kind: 'notice',
        storyId: null,
        channel: admin,
        payload: {
          text: `caisi-watch could not post an alert to channel ${row.channel} (${error}). It is parked, not lost: invite the bot to the channel and run /caisi subscribe there again, or see the App Home.`,
        },
      },
      now,
    );
  if (o.admins.length === 0)
    o.logger.warn({ channel: row.channel, error }, 'alert parked; no CAISI_ADMINS to notify');
}

/**
 * A scope the bot token lacks is told to each admin privately, once: which scope, for what, and
 * that only what needs it waits.
 */
export async function notifyMissingScope(
  o: Pick<SlackAppOptions, 'admins' | 'store' | 'clock' | 'logger'>,
  scope: string,
  method: string,
): Promise<void> {
  const now = new Date(o.clock.now()).toISOString();
  for (const admin of o.admins)
    await o.store.enqueue(
      {
        key: `notice:missing-scope:${scope}:${admin}`,
        kind: 'notice',
        storyId: null,
        channel: admin,
        payload: {
          text: `caisi-watch needs the Slack scope ${scopeLabel(scope)} (for ${method}), which its token does not have. What needs it is parked, not lost; everything else goes on. Add the scope under OAuth & Permissions (manifest.yml lists every scope the bot needs), reinstall the app, and restart the bot.`,
        },
      },
      now,
    );
  if (o.admins.length === 0)
    o.logger.warn({ scope, method }, 'missing Slack scope; no CAISI_ADMINS to notify');
}

/** A feed the poller disabled is told to each admin privately, once (never in the alert channel). */
export async function notifyFeedDisabled(
  o: Pick<SlackAppOptions, 'admins' | 'store' | 'clock' | 'logger'>,
  feed: { feedId: number; url: string; reason: string },
): Promise<void> {
  const now = new Date(o.clock.now()).toISOString();
  for (const admin of o.admins)
    await o.store.enqueue(
      {
        key: `notice:feed-disabled:${feed.feedId}:${now}:${admin}`,
        kind: 'notice',
        storyId: null,
        channel: admin,
        payload: {
          text: `caisi-watch disabled feed ${feed.feedId} (${feed.url}): ${feed.reason}. See /caisi feeds list; an admin can add it again with /caisi feeds add once it works.`,
        },
      },
      now,
    );
  if (o.admins.length === 0)
    o.logger.warn({ feed: feed.url, reason: feed.reason }, 'feed disabled; no CAISI_ADMINS to notify');
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

/** A sleep that `cancelAll` ends at once (on stop), leaving no timer behind. */
function sleeper() {
  const pending = new Set<() => void>();
  return {
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          pending.delete(done);
          resolve();
        };
        const t = setTimeout(done, Math.max(0, ms));
        pending.add(done);
      }),
    cancelAll: () => {
      for (const done of [...pending]) done();
    },
  };
}

export async function runSlack(env: Env, io: CliIO, clock: Clock = systemClock): Promise<number> {
  const logger = createLogger(env.LOG_LEVEL, undefined, {
    secrets: [
      env.SLACK_BOT_TOKEN,
      env.SLACK_APP_TOKEN,
      env.SLACK_SIGNING_SECRET,
      env.CAISI_DATABASE_URL,
    ].filter((s): s is string => !!s),
  });
  // One line for a promise rejection nobody handled (the bot keeps running); an uncaught
  // exception is fatal: one line, then a clean stop with exit 1.
  let failed = false;
  let requestStop: (() => void) | null = null;
  const removeGuards = installProcessGuards(process, logger, () => {
    failed = true;
    if (requestStop) requestStop();
    else process.exit(EXIT_FAILURE); // nothing to stop cleanly yet
  });
  try {
    const code = await runBot(env, io, clock, logger, (stop) => {
      requestStop = stop;
    });
    return failed && code === EXIT_OK ? EXIT_FAILURE : code;
  } finally {
    removeGuards();
    // Everything is closed; should a library still hold a socket or timer open, do not hang.
    setTimeout(() => {
      logger.warn('a connection was still open 5 s after stopping; exiting anyway');
      process.exit();
    }, 5000).unref();
  }
}

async function runBot(
  env: Env,
  io: CliIO,
  clock: Clock,
  logger: Logger,
  onStopHandle: (stop: () => void) => void,
): Promise<number> {
  let ctx: Context;
  try {
    ctx = await createContext({
      dbFile: path.resolve(io.cwd, env.CAISI_DB),
      databaseUrl: env.CAISI_DATABASE_URL ?? null,
      configFile: env.CAISI_CONFIG ?? realConfigPath(),
      env,
      rosterFile: env.CAISI_ROSTER ? path.resolve(io.cwd, env.CAISI_ROSTER) : undefined,
      syncFeeds: true,
    });
  } catch (err) {
    if (err instanceof StoreError || err instanceof ConfigError || err instanceof SeedError) {
      io.stderr(`caisi-watch start: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const config: Config = ctx.config;
  const health: Health = { lastPollStartedAt: null, lastPollFinishedAt: null, startedAt: clock.now() };
  const http = env.mode === 'http';
  let slack: SlackApp;
  try {
    slack = createSlackApp({
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
    await ctx.close();
    return EXIT_FAILURE;
  }
  const { app, deliverer } = slack;

  // SIGTERM/SIGINT from now on: stop cleanly, even while still connecting to Slack.
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

  try {
    const check = await checkToken(app, logger, stopRequested);
    if (!('ok' in check)) {
      await ctx.close();
      if ('stopped' in check) {
        logger.info('stopped');
        return EXIT_OK;
      }
      // Nothing was posted and nothing is lost: the queue is in the store for the next start.
      logger.error(
        { error: check.refused },
        `Slack refused the bot token (${check.refused}): not started, nothing is lost; fix SLACK_BOT_TOKEN and start again`,
      );
      io.stderr(`caisi-watch start: SLACK_BOT_TOKEN: Slack refused the token (${check.refused})\n`);
      return EXIT_USAGE;
    }
    const starting = (http ? app.start({ port: env.PORT, host: env.HOST }) : app.start()) as Promise<unknown>;
    const server = await Promise.race([starting, stopRequested.then(() => 'stopped' as const)]);
    if (server === 'stopped') {
      starting.catch(() => {}); // a connection that fails after we gave up is of no interest
      await app.stop().catch(() => {});
      await ctx.close();
      logger.info('stopped');
      return EXIT_OK;
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
        feeds: (await ctx.store.listFeeds()).filter((f) => f.enabled).length,
        pollSeconds: config.pollSeconds,
      },
      'caisi-watch started',
    );
  } catch (err) {
    if (err instanceof AppTokenRefusedError) {
      logger.error(
        { error: err.code },
        `Slack refused the app-level token (${err.code}): not started, nothing is lost; fix SLACK_APP_TOKEN and start again`,
      );
      io.stderr(`caisi-watch start: SLACK_APP_TOKEN: Slack refused the token (${err.code})\n`);
      await app.stop().catch(() => {});
      await ctx.close();
      return EXIT_USAGE;
    }
    logger.error({ err: (err as Error).message }, 'could not start the Slack app');
    await app.stop().catch(() => {});
    await ctx.close();
    return EXIT_FAILURE;
  }

  const deliverySleep = sleeper();
  const pollSleep = sleeper();
  onStop = () => {
    deliverySleep.cancelAll();
    pollSleep.cancelAll();
  };

  const inFlight = new Set<Promise<unknown>>();
  let wakeRequested = false;
  slack.onWake(() => {
    wakeRequested = true;
    deliverySleep.cancelAll();
  });
  const deliveryLoop = async () => {
    await deliverer
      .recover()
      .catch((err) => logger.error({ err: (err as Error).message }, 'delivery recovery failed'));
    while (!stopping) {
      wakeRequested = false;
      // Deliveries run on their own; each one that ends wakes the loop for that channel's next.
      for (const run of await deliverer.startDue()) {
        inFlight.add(run);
        void run.finally(() => {
          inFlight.delete(run);
          slack.deps.wakeDelivery();
        });
      }
      if (stopping) break;
      if (wakeRequested) continue;
      const next = await deliverer.nextWakeAt();
      await deliverySleep.sleep(next == null ? 60_000 : Math.min(60_000, next - clock.now()));
    }
    // Stopping: let the calls in flight finish and record their outcome.
    await Promise.all([...inFlight]);
  };

  let pollRun: Promise<unknown> = Promise.resolve();
  const pollLoop = async () => {
    while (!stopping) {
      health.lastPollStartedAt = clock.now();
      pollRun = pollOnce({
        store: ctx.store,
        matcher: ctx.matcher,
        config,
        clock,
        logger,
        alertChannel: env.CAISI_CHANNEL ?? null,
      })
        .then(async (report) => {
          health.lastPollFinishedAt = clock.now();
          for (const feed of report.disabled)
            await notifyFeedDisabled({ admins: env.CAISI_ADMINS, store: ctx.store, clock, logger }, feed);
          slack.deps.wakeDelivery();
        })
        .catch((err) => logger.error({ err: (err as Error).message }, 'poll failed'));
      await pollRun;
      try {
        if (await queueDueDigests(ctx.store, clock.now(), config.digest)) slack.deps.wakeDelivery();
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'digest scheduling failed');
      }
      if (!stopping) await pollSleep.sleep(config.pollSeconds * 1000);
    }
  };

  const loops = Promise.all([deliveryLoop(), pollLoop()]);
  await stopRequested;
  // Finish what is in flight (a Slack call times out after 10 s; a feed fetch after its timeout).
  let timer: NodeJS.Timeout | undefined;
  const finished = await Promise.race([
    Promise.all([pollRun, loops]).then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 20_000);
    }),
  ]);
  clearTimeout(timer);
  if (!finished)
    logger.warn('work still in flight after 20 s; stopping anyway (it is recovered at next start)');
  await app.stop().catch(() => {});
  await ctx.close();
  logger.info('stopped');
  return EXIT_OK;
}
