/**
 * Fetch one feed URL over node:http/https: conditional GET, an overall deadline, a size cap counted
 * after decompression, a redirect limit with loop detection, and (optionally) a refusal to connect to
 * loopback/private/link-local addresses, checked on the address actually connected to on every hop.
 */
import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { decodeBody } from './charset.js';
import { checkFeedUrl, FeedFetchError, ipLiteralHost, isBlockedAddress, oneLine } from './url-guard.js';

export { FeedFetchError, type FetchErrorCode } from './url-guard.js';

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 5;
export const DEFAULT_USER_AGENT = 'caisi-watch/0.1 (news feed poller)';

/** Resolves a host name to its addresses (like dns.lookup with `all: true`). */
export type ResolveHost = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

export interface FetchOptions {
  /** Overall deadline for the whole fetch (DNS, connect, headers, body, every redirect hop). */
  timeoutMs?: number;
  /** Largest body accepted, counted after decompression. */
  maxBytes?: number;
  maxRedirects?: number;
  /** Validators from the previous successful fetch, sent as If-None-Match / If-Modified-Since. */
  etag?: string | null;
  lastModified?: string | null;
  /** When false, refuse loopback, private, link-local and other non-public addresses. Default true. */
  allowPrivate?: boolean;
  /** Host name resolution (default: the system resolver via dns.lookup). Injected by tests. */
  lookup?: ResolveHost;
  /**
   * The address policy applied when allowPrivate is false (default: isBlockedAddress). Tests use it
   * to let one loopback address stand in for a public server; production code should not set it.
   */
  isBlockedAddress?: (ip: string) => boolean;
  userAgent?: string;
}

export interface CacheHints {
  /** Cache-Control max-age, in seconds. */
  maxAgeSeconds: number | null;
  /** Expires header as an ISO date. */
  expires: string | null;
  /** Retry-After (seconds, or an HTTP date converted to seconds from now). */
  retryAfterSeconds: number | null;
}

export type FetchResult =
  | {
      kind: 'not-modified';
      url: string;
      finalUrl: string;
      permanentRedirect: string | null;
      cache: CacheHints;
    }
  | {
      kind: 'ok';
      status: number;
      url: string;
      finalUrl: string;
      /** The final URL when every redirect hop was permanent (301/308), so the stored URL can be updated. */
      permanentRedirect: string | null;
      text: string;
      contentType: string | null;
      etag: string | null;
      lastModified: string | null;
      cache: CacheHints;
    };

interface Config {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  etag: string | null;
  lastModified: string | null;
  allowPrivate: boolean;
  resolve: ResolveHost;
  isBlocked: (ip: string) => boolean;
  userAgent: string;
  /** Reuse kept-alive connections (not when a test injects its own resolver or address policy). */
  pooled: boolean;
}

/**
 * Kept-alive connections, reused by later fetches to the same host and port: a poll fetches many
 * feeds from the same hosts, and a quiet cycle is then mostly 304s on open connections instead of
 * a connect and close per feed. One pool per address policy, so that a connection opened to a
 * private address for an operator's feed is never reused by a fetch that may not reach one; every
 * connection in the guarded pool had its peer checked when it was opened (below). An idle
 * connection is closed after a few seconds (or the server's Keep-Alive hint, if shorter), before a
 * server is likely to drop it.
 */
const POOL_OPTIONS = { keepAlive: true, maxFreeSockets: 32, timeout: 4000 };
const POOLS = {
  'http:': { open: new http.Agent(POOL_OPTIONS), guarded: new http.Agent(POOL_OPTIONS) },
  'https:': { open: new https.Agent(POOL_OPTIONS), guarded: new https.Agent(POOL_OPTIONS) },
};

function agentFor(target: URL, cfg: Config): http.Agent | false {
  if (!cfg.pooled) return false;
  const pools = target.protocol === 'https:' ? POOLS['https:'] : POOLS['http:'];
  return cfg.allowPrivate ? pools.open : pools.guarded;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const PERMANENT_STATUSES = new Set([301, 308]);
const MB = 1024 * 1024;

/** "5 MB", "1.5 MB", "64 KB", "900 bytes". */
export function formatBytes(n: number): string {
  if (n >= MB) return `${Number((n / MB).toFixed(1))} MB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KB`;
  return `${n} bytes`;
}

/** "15 s", "0.3 s". */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}

const defaultResolve: ResolveHost = (hostname) => {
  // RFC 6761 §6.4: names under .invalid never resolve; say so at once instead of asking the network.
  if (/(^|\.)invalid\.?$/i.test(hostname))
    return Promise.reject(
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }),
    );
  return dns.lookup(hostname, { all: true });
};

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`fetchFeed: ${name} must be a non-negative number`);
  return value;
}

/** A header value Node will accept (no CR/LF or other control characters), else null. */
function safeHeaderValue(value: string | null | undefined): string | null {
  if (!value) return null;
  return /^[\t\x20-\x7e\x80-\xff]+$/.test(value) && value.length <= 1024 ? value : null;
}

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** Parse Retry-After: delta-seconds or an HTTP date (→ seconds from `now`, never negative). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), 365 * 24 * 3600);
  const ms = Date.parse(trimmed);
  if (!Number.isFinite(ms)) return null;
  return Math.max(0, Math.ceil((ms - now) / 1000));
}

/** Cache-Control max-age, Expires and Retry-After from response headers. */
export function parseCacheHints(headers: IncomingHttpHeaders, now = Date.now()): CacheHints {
  const cacheControl = header(headers, 'cache-control');
  const maxAge = cacheControl ? /(?:^|[,\s])max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl) : null;
  const expiresRaw = header(headers, 'expires');
  const expiresMs = expiresRaw ? Date.parse(expiresRaw) : Number.NaN;
  return {
    maxAgeSeconds: maxAge?.[1] !== undefined ? Number(maxAge[1]) : null,
    expires: Number.isFinite(expiresMs) ? new Date(expiresMs).toISOString() : null,
    retryAfterSeconds: parseRetryAfter(header(headers, 'retry-after'), now),
  };
}

function blockedError(address: string, hostname?: string): FeedFetchError {
  const where = hostname && hostname !== address ? `${hostname} resolves to ${address}` : address;
  return new FeedFetchError(
    'blocked-address',
    `refused to connect: ${where} is a loopback, private or link-local address`,
  );
}

/**
 * The `lookup` handed to http.request. Node calls it for every connection to a host name (never for IP
 * literals, which are checked before connecting), so filtering here decides which addresses may be
 * connected to: a name that resolves to 127.0.0.1 on the second lookup (DNS rebinding) is still caught.
 */
function guardedLookup(cfg: Config): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    cfg.resolve(hostname).then(
      (found) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        let list = found.filter((a) => !family || a.family === family);
        if (!cfg.allowPrivate) {
          const allowed = list.filter((a) => !cfg.isBlocked(a.address));
          if (list.length > 0 && allowed.length === 0) {
            callback(blockedError(list[0]?.address ?? '', hostname), '');
            return;
          }
          list = allowed;
        }
        const first = list[0];
        if (!first) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          callback(err, '');
          return;
        }
        if (options.all)
          callback(
            null,
            list.map((a) => ({ address: a.address, family: a.family }) as LookupAddress),
          );
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

function requestHeaders(cfg: Config): Record<string, string> {
  const headers: Record<string, string> = {
    'user-agent': cfg.userAgent,
    accept:
      'application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8',
    'accept-encoding': 'gzip, deflate, br',
  };
  if (cfg.etag) headers['if-none-match'] = cfg.etag;
  if (cfg.lastModified) headers['if-modified-since'] = cfg.lastModified;
  return headers;
}

/** Send one GET and resolve with the response head; the body is not read yet. */
function requestOnce(target: URL, cfg: Config, signal: AbortSignal): Promise<IncomingMessage> {
  const literal = ipLiteralHost(target);
  if (!cfg.allowPrivate && literal && cfg.isBlocked(literal)) return Promise.reject(blockedError(literal));
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = transport.request(
      target,
      {
        method: 'GET',
        headers: requestHeaders(cfg),
        agent: agentFor(target, cfg),
        lookup: guardedLookup(cfg),
        signal,
      },
      resolve,
    );
    req.on('error', reject);
    if (!cfg.allowPrivate) {
      // Second line of defence: whatever resolved the name, check the peer we are actually talking to.
      req.on('socket', (socket) => {
        const check = () => {
          const peer = socket.remoteAddress;
          if (!peer || cfg.isBlocked(peer))
            req.destroy(blockedError(peer ?? 'an unknown address', target.hostname));
        };
        // A new connection is checked once connected; a reused one (checked then) at once.
        if (socket.connecting) socket.once('connect', check);
        else check();
      });
    }
    req.end();
  });
}

function decoderFor(encoding: string): NodeJS.ReadWriteStream | null {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'identity':
    case '':
      return null;
    default:
      throw new FeedFetchError('unreachable', `unsupported content-encoding "${oneLine(encoding, 40)}"`);
  }
}

async function readBody(res: IncomingMessage, cfg: Config, signal: AbortSignal): Promise<Buffer> {
  const encodingHeader = (header(res.headers, 'content-encoding') ?? '').toLowerCase();
  const encodings = encodingHeader
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const compressed = encodings.some((e) => e !== 'identity');
  const tooLarge = () =>
    new FeedFetchError(
      'too-large',
      `body exceeds ${formatBytes(cfg.maxBytes)}${compressed ? ' after decompression' : ''}`,
    );

  const declared = Number(header(res.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > cfg.maxBytes) {
    throw new FeedFetchError(
      'too-large',
      `body is ${formatBytes(declared)} (Content-Length), over the ${formatBytes(cfg.maxBytes)} limit`,
    );
  }

  // Content-Encoding lists codings in the order applied; undo them in reverse.
  const decoders = encodings
    .reverse()
    .map(decoderFor)
    .filter((d): d is NodeJS.ReadWriteStream => d !== null);
  const decoderErrors = new WeakSet<object>();
  for (const d of decoders) d.once('error', (e: Error) => decoderErrors.add(e));

  const chunks: Buffer[] = [];
  let total = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > cfg.maxBytes) {
        done(tooLarge());
        return;
      }
      chunks.push(chunk);
      done();
    },
  });
  try {
    await pipeline([res, ...decoders, sink], { signal });
  } catch (err) {
    if (err instanceof FeedFetchError || signal.aborted) throw err;
    if (err && typeof err === 'object' && decoderErrors.has(err)) {
      const message = err instanceof Error ? err.message : String(err);
      throw new FeedFetchError(
        'unreachable',
        `could not decompress the ${encodingHeader} body: ${oneLine(message, 120)}`,
      );
    }
    throw err;
  }
  return Buffer.concat(chunks, total);
}

function statusError(status: number, headers: IncomingHttpHeaders): FeedFetchError {
  const retryAfter = parseRetryAfter(header(headers, 'retry-after'));
  const extra = retryAfter === null ? { status } : { status, retryAfterSeconds: retryAfter };
  const reason = http.STATUS_CODES[status] ?? 'error';
  if (status === 404) return new FeedFetchError('not-found', 'HTTP 404 Not Found', extra);
  if (status === 410) return new FeedFetchError('gone', 'HTTP 410 Gone: the feed has been removed', extra);
  if (status === 429) {
    const when = retryAfter === null ? '' : ` (retry after ${retryAfter} s)`;
    return new FeedFetchError('rate-limited', `HTTP 429 Too Many Requests${when}`, extra);
  }
  return new FeedFetchError('http-status', `HTTP ${status} ${reason}`, extra);
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

/** Map anything thrown while fetching to a FeedFetchError with a one-line message. */
function toFetchError(err: unknown, target: URL, cfg: Config, timedOut: boolean): FeedFetchError {
  if (timedOut) return new FeedFetchError('timeout', `timed out after ${formatSeconds(cfg.timeoutMs)}`);
  if (err instanceof FeedFetchError) return err;
  const e = (err ?? {}) as NodeJS.ErrnoException;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = oneLine(typeof e.message === 'string' ? e.message : String(err), 160);
  const host = target.host;
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME'].includes(code)) {
    const temporary = code === 'EAI_AGAIN' ? ' (temporary DNS failure)' : '';
    return new FeedFetchError('dns', `could not resolve host ${target.hostname}${temporary}`);
  }
  if (code === 'ECONNREFUSED') return new FeedFetchError('refused', `connection refused by ${host}`);
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') {
    return new FeedFetchError('timeout', `connection to ${host} timed out`);
  }
  if (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    /certificate/i.test(message)
  ) {
    return new FeedFetchError('tls', `TLS error with ${host}: ${message}`);
  }
  if (code === 'ECONNRESET') return new FeedFetchError('unreachable', `connection reset by ${host}`);
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || message === 'aborted') {
    return new FeedFetchError('unreachable', `${host} closed the connection before the body was complete`);
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new FeedFetchError('unreachable', `${host} is unreachable`);
  }
  if (code === 'ERR_INVALID_URL') return new FeedFetchError('bad-url', `not a valid URL: ${target.href}`);
  return new FeedFetchError('unreachable', `network error with ${host}: ${message}`);
}

/**
 * Fetch a feed. Resolves with the decoded text (`ok`) or `not-modified` for a 304; rejects with a
 * FeedFetchError whose `code` says why (see FetchErrorCode) and whose message is one readable line.
 */
export async function fetchFeed(url: string, opts: FetchOptions = {}): Promise<FetchResult> {
  const start = checkFeedUrl(url);
  const cfg: Config = {
    timeoutMs: positive(opts.timeoutMs, DEFAULT_TIMEOUT_MS, 'timeoutMs'),
    maxBytes: positive(opts.maxBytes, DEFAULT_MAX_BYTES, 'maxBytes'),
    maxRedirects: positive(opts.maxRedirects, DEFAULT_MAX_REDIRECTS, 'maxRedirects'),
    etag: safeHeaderValue(opts.etag),
    lastModified: safeHeaderValue(opts.lastModified),
    allowPrivate: opts.allowPrivate ?? true,
    resolve: opts.lookup ?? defaultResolve,
    isBlocked: opts.isBlockedAddress ?? isBlockedAddress,
    userAgent: safeHeaderValue(opts.userAgent) ?? DEFAULT_USER_AGENT,
    pooled: opts.lookup === undefined && opts.isBlockedAddress === undefined,
  };

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), cfg.timeoutMs);
  let current = start;
  try {
    const visited = new Set<string>([current.href]);
    let hops = 0;
    let allPermanent = true;
    for (;;) {
      const res = await requestOnce(current, cfg, controller.signal);
      const status = res.statusCode ?? 0;
      const location = header(res.headers, 'location');

      if (REDIRECT_STATUSES.has(status) && location) {
        res.destroy();
        let next: URL;
        try {
          next = checkFeedUrl(new URL(location, current).href);
        } catch {
          throw new FeedFetchError(
            'bad-url',
            `redirected to an invalid or non-http(s) URL: ${oneLine(location, 200)}`,
          );
        }
        if (visited.has(next.href)) {
          throw new FeedFetchError(
            'too-many-redirects',
            `redirect loop: ${current.href} leads back to ${next.href}`,
          );
        }
        hops += 1;
        if (hops > cfg.maxRedirects) {
          throw new FeedFetchError('too-many-redirects', `more than ${cfg.maxRedirects} redirects`);
        }
        if (!PERMANENT_STATUSES.has(status)) allPermanent = false;
        visited.add(next.href);
        current = next;
        continue;
      }

      const permanentRedirect = hops > 0 && allPermanent ? current.href : null;
      const cache = parseCacheHints(res.headers);
      if (status === 304) {
        // No body: let the connection go back to the pool.
        res.resume();
        return { kind: 'not-modified', url, finalUrl: current.href, permanentRedirect, cache };
      }
      if (status < 200 || status > 299) {
        res.destroy();
        throw statusError(status, res.headers);
      }
      const contentType = header(res.headers, 'content-type');
      const body = await readBody(res, cfg, controller.signal);
      return {
        kind: 'ok',
        status,
        url,
        finalUrl: current.href,
        permanentRedirect,
        text: decodeBody(body, contentType),
        contentType,
        etag: header(res.headers, 'etag'),
        lastModified: header(res.headers, 'last-modified'),
        cache,
      };
    }
  } catch (err) {
    throw toFetchError(err, current, cfg, controller.signal.aborted);
  } finally {
    clearTimeout(timer);
  }
}
