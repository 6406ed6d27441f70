/**
 * The check on a feed URL added from Slack, before it is stored: http(s) only, no credentials, and
 * (unless private feeds are allowed) a host that resolves only to public addresses. The same rule
 * is applied again at connect time on every fetch and redirect hop, so DNS rebinding gains nothing.
 */
import { lookup } from 'node:dns/promises';
import { checkFeedUrl, FeedFetchError, ipLiteralHost, isBlockedAddress } from './url-guard.js';

export type Resolve = (host: string) => Promise<{ address: string }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

export async function checkNewFeedUrl(
  url: string,
  opts: { allowPrivate: boolean; resolve?: Resolve },
): Promise<URL> {
  const parsed = checkFeedUrl(url);
  if (opts.allowPrivate) return parsed;
  const literal = ipLiteralHost(parsed);
  let addresses: string[];
  if (literal) addresses = [literal];
  else {
    try {
      addresses = (await (opts.resolve ?? systemResolve)(parsed.hostname)).map((a) => a.address);
    } catch {
      throw new FeedFetchError('dns', `cannot resolve ${parsed.hostname}`);
    }
  }
  const blocked = addresses.find((a) => isBlockedAddress(a));
  if (blocked || addresses.length === 0)
    throw new FeedFetchError(
      'blocked-address',
      `${parsed.hostname} points at a private, loopback or link-local address (${blocked ?? 'none'}); such feeds are not allowed`,
    );
  return parsed;
}
