/**
 * Socket Mode that survives network blips. Bolt's SocketModeReceiver and @slack/socket-mode's
 * client do the protocol (hello, envelopes, acks, ping/pong, `disconnect`); this receiver owns the
 * connecting, at start and on every refresh or drop:
 *
 * - `apps.connections.open` and the WebSocket handshake are tried again with exponential backoff
 *   and jitter, for HTTP errors (503…), network errors and a socket that closes before `hello`;
 *   each failed attempt is one log line. The library's own reconnect is off: it gives up on HTTP and
 *   network errors, and its reconnect promise has no catch (an unhandled rejection).
 * - The Socket Mode client has its own Web API options (no retries of its own: this loop is the
 *   retry), so it never inherits the alert client's `retries: 0` meant for the outbox.
 * - `stop()` is clean in every state: it cancels a backoff wait, aborts an `apps.connections.open`
 *   in flight, closes an open or opening socket, and waits for the loop to end.
 * - An app-level token Slack refuses at start is reported (not retried forever); refused later,
 *   the bot keeps running (alerts go through the Web API) and keeps trying at the longest backoff.
 */

import { type Logger as BoltLogger, SocketModeReceiver } from '@slack/bolt';
import type { AppsConnectionsOpenResponse } from '@slack/web-api';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import { sleeper } from '../util/sleeper.js';

/** Slack's answers to `apps.connections.open` that no retry will change. */
const REFUSED = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'user_removed_from_team',
  'team_disabled',
]);

export interface RetryPolicy {
  /** The first wait (before jitter). */
  baseMs: number;
  /** The longest wait. */
  maxMs: number;
}

export const SOCKET_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 60_000 };

/**
 * The wait before attempt `attempt + 1`: doubling from `baseMs` up to `maxMs`, then "equal jitter"
 * (between half and all of it), so many bots cut off together do not come back in step.
 */
export function reconnectDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const full = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (full / 2) * Math.min(1, Math.max(0, random())));
}

/** Slack refused the app-level token: no retry will help. */
export class AppTokenRefusedError extends AppError {
  constructor(code: string) {
    super(`Slack refused the app-level token (${code})`, code, 'operator');
    this.name = 'AppTokenRefusedError';
  }
}

type CallError = Error & {
  code?: string;
  statusCode?: number;
  retryAfter?: number;
  data?: { error?: string };
  original?: Error;
};

/** One short phrase for a failed connection attempt (never a token). */
function describe(err: unknown, lastSocketError: string | null): string {
  if (err === undefined || err === null)
    return lastSocketError ? `WebSocket: ${lastSocketError}` : 'the connection closed before hello';
  const e = err as CallError;
  if (e.code === 'slack_webapi_http_error') return `apps.connections.open: HTTP ${e.statusCode ?? '?'}`;
  if (e.code === 'slack_webapi_platform_error') return `apps.connections.open: ${e.data?.error ?? 'error'}`;
  if (e.code === 'slack_webapi_rate_limited_error') return 'apps.connections.open: rate limited';
  if (e.code === 'slack_webapi_request_error')
    return `apps.connections.open: ${(e.original?.message ?? e.message).slice(0, 200)}`;
  return (e.message ?? String(err)).slice(0, 200);
}

/** Bolt-style logger that keeps the socket library's chatter at debug: our loop says what matters. */
function quiet(logger: Logger): BoltLogger {
  const text = (m: unknown[]) => m.map((x) => (x instanceof Error ? x.message : String(x))).join(' ');
  let level = 'debug' as ReturnType<BoltLogger['getLevel']>;
  const debug = (...m: unknown[]) => logger.debug({ src: 'socket-mode' }, text(m));
  return {
    debug,
    info: debug,
    warn: debug,
    error: debug,
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

export interface ResilientSocketOptions {
  appToken: string;
  /** Web API base URL (the local stand-in in tests). */
  slackApiUrl?: string;
  logger: Logger;
  retry?: RetryPolicy;
  random?: () => number;
  /** Passed to the client: how long to wait for a pong (tests shorten it). */
  clientPingTimeoutMs?: number;
}

export class ResilientSocketModeReceiver extends SocketModeReceiver {
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private readonly abort = new AbortController();
  private readonly wait = sleeper();
  private stopping = false;
  private connected = false;
  private connecting = false;
  private loop: Promise<unknown> = Promise.resolve();
  private lastDisconnectReason: string | null = null;
  private lastSocketError: string | null = null;
  /** Connections made since start (1 after the first hello). */
  connections = 0;

  constructor(o: ResilientSocketOptions) {
    const log = o.logger;
    const abort = new AbortController();
    // The socket client's own Web API client: no retries of its own (the loop below retries), a
    // timeout, and a fetch that `stop()` can abort.
    const fetchWithStop: typeof fetch = (input, init) =>
      fetch(input, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, abort.signal]) : abort.signal,
      });
    super({
      appToken: o.appToken,
      logger: quiet(log),
      autoReconnectEnabled: false,
      clientPingTimeout: o.clientPingTimeoutMs,
      installerOptions: {
        clientOptions: {
          slackApiUrl: o.slackApiUrl ? o.slackApiUrl.replace(/\/?$/, '/') : undefined,
          retryConfig: { retries: 0 },
          // A 429 comes back at once with its Retry-After, for the loop to honour (not a hidden wait).
          rejectRateLimitedCalls: true,
          timeout: 10_000,
          fetch: fetchWithStop,
        },
      },
      processEventErrorHandler: async ({ error, event }) => {
        log.error(
          { type: (event.body as { type?: string } | undefined)?.type, err: error.message },
          'Socket Mode event failed',
        );
        return false;
      },
    });
    this.abort = abort;
    this.log = log;
    this.retry = o.retry ?? SOCKET_RETRY;
    this.random = o.random ?? Math.random;

    this.client.on('ws_message', (data: unknown) => {
      try {
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data as ArrayBuffer);
        const msg = JSON.parse(text) as { type?: string; reason?: string };
        if (msg.type === 'disconnect') this.lastDisconnectReason = msg.reason ?? 'unknown';
      } catch {
        // not JSON: the client ignores it too
      }
    });
    this.client.on('error', (err: Error) => {
      this.lastSocketError = (err?.message ?? String(err)).slice(0, 200);
    });
    this.client.on('disconnected', () => {
      if (this.stopping || this.connecting || !this.connected) return;
      this.connected = false;
      const reason = this.lastDisconnectReason ?? 'connection lost';
      this.lastDisconnectReason = null;
      this.log.info({ reason }, `Socket Mode connection closed (${reason}); reconnecting`);
      this.loop = this.connect('reconnect').catch((err: unknown) =>
        this.log.error({ err: (err as Error).message }, 'Socket Mode reconnect stopped'),
      );
    });
  }

  /** Connect (with retries); resolves once Slack said hello, or when stopped. */
  override start(): Promise<AppsConnectionsOpenResponse> {
    const first = this.connect('start');
    this.loop = first.catch(() => {});
    return first;
  }

  /** Stop in any state: no timer, request or socket is left behind. */
  override async stop(): Promise<void> {
    if (this.stopping) return this.loop.then(() => {});
    this.stopping = true;
    this.abort.abort();
    this.wait.cancelAll();
    const bounded = <T>(p: Promise<T>, ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        p.then(
          () => {
            clearTimeout(t);
            resolve();
          },
          () => {
            clearTimeout(t);
            resolve();
          },
        );
      });
    await bounded(this.client.disconnect(), 3000);
    await bounded(this.loop, 3000);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  private async connect(why: 'start' | 'reconnect'): Promise<AppsConnectionsOpenResponse> {
    const stopped: AppsConnectionsOpenResponse = { ok: false, error: 'stopped' };
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) return stopped;
      this.connecting = true;
      this.lastSocketError = null;
      let failure: unknown;
      let ok = false;
      try {
        const res = await this.client.start();
        ok = true;
        if (this.stopping) {
          // Connected just as we were asked to stop: close it again.
          await this.client.disconnect().catch(() => {});
          return stopped;
        }
        this.connected = true;
        this.connections++;
        this.log.info(
          { attempt, connections: this.connections },
          why === 'start' ? 'Socket Mode connected' : 'Socket Mode reconnected',
        );
        return res;
      } catch (err) {
        failure = err;
      } finally {
        this.connecting = false;
        if (!ok && this.stopping) this.log.debug('Socket Mode: connection attempt ended by stop');
      }
      if (this.stopping) return stopped;
      const code = (failure as CallError | undefined)?.data?.error ?? '';
      const refused =
        (failure as CallError | undefined)?.code === 'slack_webapi_platform_error' && REFUSED.has(code);
      if (refused && why === 'start') throw new AppTokenRefusedError(code);
      const retryAfterMs = ((failure as CallError | undefined)?.retryAfter ?? 0) * 1000;
      const delay = refused
        ? this.retry.maxMs
        : Math.max(retryAfterMs, reconnectDelayMs(attempt, this.retry, this.random));
      const what = describe(failure, this.lastSocketError);
      if (refused)
        this.log.error(
          { attempt, err: what, retryInMs: delay },
          `Socket Mode: Slack refused the app-level token (${code}); commands and App Home are offline, alerts still post; fix SLACK_APP_TOKEN (retrying in ${Math.round(delay / 1000)} s)`,
        );
      else
        this.log.warn(
          { attempt, err: what, retryInMs: delay },
          `Socket Mode: could not connect (${what}); retrying in ${(delay / 1000).toFixed(1)} s`,
        );
      await this.wait.sleep(delay);
    }
  }
}
