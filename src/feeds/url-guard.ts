import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why a fetch failed, as a short code the poller can store and act on. */
export type FetchErrorCode =
  | 'bad-url'
  | 'blocked-address'
  | 'dns'
  | 'refused'
  | 'tls'
  | 'timeout'
  | 'too-large'
  | 'too-many-redirects'
  | 'not-found'
  | 'gone'
  | 'rate-limited'
  | 'http-status'
  | 'unreachable';

/** A feed could not be fetched. `message` is one line meant for a user. */
export class FeedFetchError extends Error {
  readonly code: FetchErrorCode;
  readonly status?: number;
  readonly retryAfterSeconds?: number;

  constructor(
    code: FetchErrorCode,
    message: string,
    extra: { status?: number; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'FeedFetchError';
    this.code = code;
    if (extra.status !== undefined) this.status = extra.status;
    if (extra.retryAfterSeconds !== undefined) this.retryAfterSeconds = extra.retryAfterSeconds;
  }
}

/** IPv4 ranges (ipaddr.js names) that a feed may be fetched from; everything else is refused. */
const ALLOWED_V4_RANGES = new Set(['unicast']);

/** Strip the brackets that URL.hostname keeps around IPv6 literals. */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isBlockedV4(addr: ipaddr.IPv4): boolean {
  return !ALLOWED_V4_RANGES.has(addr.range());
}

/**
 * True when `ip` must not be connected to for an untrusted feed URL: loopback (127/8, ::1), private
 * (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 incl. the cloud metadata address,
 * fe80::/10), unspecified (0.0.0.0/8, ::), CGNAT, multicast, broadcast and reserved ranges, and IPv6
 * forms that embed one of those IPv4 addresses (IPv4-mapped, IPv4-compatible, NAT64, 6to4).
 * Anything that does not parse as an IP address is treated as blocked (fail closed).
 */
export function isBlockedAddress(ip: string): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(stripBrackets(ip.trim()));
  } catch {
    return true;
  }
  if (addr.kind() === 'ipv4') return isBlockedV4(addr as ipaddr.IPv4);

  const v6 = addr as ipaddr.IPv6;
  const range = v6.range();
  const parts = v6.parts;
  const embeddedV4 = (hi: number, lo: number): ipaddr.IPv4 =>
    new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);

  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      // The IPv4 address sits in the last 32 bits.
      return isBlockedV4(embeddedV4(parts[6] ?? 0, parts[7] ?? 0));
    case '6to4':
      // 2002:AABB:CCDD::/48 carries AA.BB.CC.DD.
      return isBlockedV4(embeddedV4(parts[1] ?? 0, parts[2] ?? 0));
    case 'unicast': {
      // Deprecated IPv4-compatible form ::a.b.c.d (ipaddr.js calls it unicast).
      if (parts.slice(0, 6).every((p) => p === 0)) return true;
      return false;
    }
    default:
      return true;
  }
}

const MAX_URL_LENGTH = 4096;

/**
 * Validate a feed URL before anything is fetched: absolute, http or https, a host, no credentials.
 * Returns the parsed URL; throws FeedFetchError('bad-url') with a one-line reason otherwise.
 * This does not resolve DNS: address checks happen at connect time in fetchFeed.
 */
export function checkFeedUrl(url: string): URL {
  const raw = typeof url === 'string' ? url.trim() : '';
  if (raw === '') throw new FeedFetchError('bad-url', 'no URL given');
  if (raw.length > MAX_URL_LENGTH) throw new FeedFetchError('bad-url', 'URL is too long');
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new FeedFetchError('bad-url', `not a valid URL: ${oneLine(raw, 200)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FeedFetchError('bad-url', `only http and https URLs are allowed, not ${parsed.protocol}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new FeedFetchError('bad-url', 'URLs with a user name or password are not allowed');
  }
  if (parsed.hostname === '') throw new FeedFetchError('bad-url', 'URL has no host');
  return parsed;
}

/** The host of a URL as an IP literal (brackets removed), or null when it is a name. */
export function ipLiteralHost(url: URL): string | null {
  const host = stripBrackets(url.hostname);
  return isIP(host) !== 0 ? host : null;
}

/** Shorten text to one line for messages. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
