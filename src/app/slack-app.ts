/**
 * The Bolt app (Socket Mode or HTTP) with every listener, the deliverer and /healthz: what
 * `start` runs, and what the tests start in-process against the local Slack API server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { App, type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from 'pino';
import { registerHandlers } from '../../handlers/index.js';
import { LookupError } from '../answers/answer.js';
import type { Config } from '../config/config-file.js';
import { checkFeeds } from '../feeds/check-run.js';
import { FeedFetchError } from '../feeds/fetch.js';
import { checkNewFeedUrl } from '../feeds/url-policy.js';
import { createAdminCheck } from '../slack/admins.js';
import { Deliverer } from '../slack/deliver.js';
import type { SlackDeps } from '../slack/deps.js';
import { notifyMissingScope, notifyParked } from '../slack/notify.js';
import { ResilientSocketModeReceiver, type RetryPolicy } from '../slack/socket.js';
import type { Clock } from '../util/clock.js';
import type { Context } from './context.js';
import type { Leadership } from './leader.js';
import type { Health } from './loop.js';

type LeaseView = Pick<Leadership, 'fence' | 'mayAct'>;

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

export async function healthReport(
  ctx: Pick<Context, 'store'>,
  h: Health,
  pollSeconds: number,
  nowMs: number,
) {
  const feeds = await ctx.store.listFeeds();
  const failing = feeds.filter((f) => f.enabled && f.consecutiveErrors > 0).length;
  const last = Math.max(h.lastPollFinishedAt ?? 0, h.lastLeaderSince ?? 0, h.startedAt);
  const role = h.role?.() ?? 'leader';
  // Only the leader polls: a standby is healthy while it answers Slack.
  const stalled = role === 'leader' && nowMs - last > 3 * pollSeconds * 1000;
  return {
    status: stalled ? 503 : 200,
    body: {
      ok: !stalled,
      role,
      store: ctx.store.backend,
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
  /** With a leader lease: only the leader sends (see app/leader.ts). */
  lease?: LeaseView;
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
    fence: o.lease ? (t) => (o.lease as LeaseView).fence(t) : undefined,
    mayAct: o.lease ? () => (o.lease as LeaseView).mayAct() : undefined,
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
