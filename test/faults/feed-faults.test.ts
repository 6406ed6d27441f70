/**
 * Feed faults. Each bad feed is polled in one pollOnce together with good feeds: the good feed's alert
 * still lands, and the bad feed's health (what `/caisi feeds` shows) says clearly what went wrong.
 * Everything is served from 127.0.0.1; time is a ManualClock; timeouts are made small through config.
 */
import http, { type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchFeed } from '../../src/feeds/fetch.js';
import { backoffSeconds } from '../../src/pipeline/poll.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { type FeedServer, startFeedServer, startSelfSignedTlsServer } from '../feed-server.js';
import { rss } from '../helpers/rss.js';
import {
  configFor,
  feedByUrl,
  GOOD_FEED_BODY,
  GOOD_ITEM,
  goodAlertQueued,
  NOISE_FEED_BODY,
  NOW,
  poll,
  RSS_HEADERS,
} from './support.js';

let server: FeedServer;
let tls: { url: string; close(): Promise<void> };
let closedPort: number;
/** Bytes the 50 MB route actually wrote before the client hung up. */
let hugeBytesSent = 0;

const MB = 1024 * 1024;
const FIFTY_MB = 50 * MB;
const TEN_THOUSAND = 10_000;

function streamFiftyMegabytes(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/rss+xml' });
  const block = Buffer.alloc(64 * 1024, 'x');
  res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Fifty</title><description>');
  hugeBytesSent = 0;
  const pump = (): void => {
    while (hugeBytesSent < FIFTY_MB && !res.destroyed) {
      hugeBytesSent += block.length;
      if (!res.write(block)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end('</description></channel></rss>');
  };
  pump();
}

const bigFeed = rss(
  'Everything desk',
  Array.from({ length: TEN_THOUSAND }, (_, i) => ({
    title: `Local bulletin number ${i}`,
    description: `Routine notice ${i} about road works and opening hours.`,
    guid: `bulk-${i}`,
    link: `https://bulk.example/${i}`,
    pubDate: '2026-06-20T10:00:00Z',
  })),
);

beforeAll(async () => {
  server = await startFeedServer();
  tls = await startSelfSignedTlsServer();
  // A port that nothing listens on: bind, note the port, close.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  server.route('/good.xml', { headers: RSS_HEADERS, body: GOOD_FEED_BODY });
  server.route('/noise.xml', { headers: RSS_HEADERS, body: NOISE_FEED_BODY });
  server.route('/fifty-mb', (_req, res) => streamFiftyMegabytes(res));
  server.route('/ten-thousand.xml', { headers: RSS_HEADERS, body: bigFeed });
  // The built-in gzip bomb is compressed on first use; do that now, not inside a 0.3 s timeout.
  await fetchFeed(server.urlFor('/gzip-bomb'), { maxBytes: 1024, timeoutMs: 20_000 }).catch(() => {});
}, 30_000);

afterAll(async () => {
  await server.close();
  await tls.close();
});

interface Fault {
  name: string;
  url: () => string;
  /** lastErrorCode as stored (reason/code). */
  code: RegExp;
  /** lastError: one line a person can act on. */
  error: RegExp;
  disabled?: RegExp;
}

const FAULTS: Fault[] = [
  {
    name: 'connection refused',
    url: () => `http://127.0.0.1:${closedPort}/feed.xml`,
    code: /^unreachable\/refused$/,
    error: /^connection refused by 127\.0\.0\.1:\d+$/,
  },
  {
    name: 'DNS failure (.invalid host)',
    url: () => `http://no-such-feed.invalid:${server.port}/feed.xml`,
    code: /^unreachable\/dns$/,
    error: /^could not resolve host no-such-feed\.invalid/,
  },
  {
    name: 'TLS failure (self-signed certificate)',
    url: () => `${tls.url}/feed.xml`,
    code: /^unreachable\/tls$/,
    error: /^TLS error with 127\.0\.0\.1:\d+: .*(self[- ]signed|certificate)/i,
  },
  {
    name: 'HTTP 404',
    url: () => server.urlFor('/status/404'),
    code: /^not-found$/,
    error: /HTTP 404 Not Found/,
  },
  {
    name: 'HTTP 410 (disables the feed)',
    url: () => server.urlFor('/status/410'),
    code: /^gone/,
    error: /HTTP 410 Gone/,
    disabled: /gone \(HTTP 410\)/,
  },
  {
    name: 'HTTP 500',
    url: () => server.urlFor('/status/500'),
    code: /^http-status$/,
    error: /HTTP 500 Internal Server Error/,
  },
  {
    name: 'HTTP 429 with Retry-After',
    url: () => server.urlFor('/status/429?retry-after=7200'),
    code: /^rate-limited$/,
    error: /HTTP 429 Too Many Requests \(retry after 7200 s\)/,
  },
  {
    name: 'a body that never ends (timeout)',
    url: () => server.urlFor('/slow/never-ends'),
    code: /^unreachable\/timeout$/,
    error: /^timed out after 0\.3 s$/,
  },
  {
    name: 'a server that never answers (timeout)',
    url: () => server.urlFor('/slow/no-headers'),
    code: /^unreachable\/timeout$/,
    error: /^timed out after 0\.3 s$/,
  },
  {
    name: '50 MB body (size cap)',
    url: () => server.urlFor('/fifty-mb'),
    code: /^too large\/too-large$/,
    error: /^body exceeds 5 MB$/,
  },
  {
    name: 'gzip bomb (cap counted after decompression)',
    url: () => server.urlFor('/gzip-bomb'),
    code: /^too large\/too-large$/,
    error: /^body exceeds 5 MB after decompression$/,
  },
  {
    name: 'redirect loop',
    url: () => server.urlFor('/redirect/loop-a'),
    code: /^too-many-redirects$/,
    error: /^redirect loop: /,
  },
  {
    name: 'HTML instead of a feed',
    url: () => server.urlFor('/html-error'),
    code: /^not a feed\/not-a-feed$/,
    error: /^not a feed: looks like an HTML page$/,
  },
  {
    name: 'truncated XML',
    url: () => server.urlFor('/truncated.xml'),
    code: /^not a feed\/not-a-feed$/,
    error: /^not a feed: XML is truncated or malformed/,
  },
];

/** Config for a poll of good feeds around the bad ones; small fetch timeout. */
function faultConfig(urls: string[], extra: Record<string, unknown> = {}) {
  return configFor(urls, { fetch: { timeoutSeconds: 0.3 }, ...extra });
}

async function expectHealth(store: Store, url: string, fault: Fault): Promise<void> {
  const feed = await feedByUrl(store, url);
  expect(feed.lastErrorCode, fault.name).toMatch(fault.code);
  expect(feed.lastError, fault.name).toMatch(fault.error);
  expect(feed.lastError, fault.name).not.toMatch(/\n/);
  expect(feed.consecutiveErrors, fault.name).toBe(1);
  expect(feed.lastSuccessAt, fault.name).toBeNull();
  if (fault.disabled) {
    expect(feed.enabled, fault.name).toBe(false);
    expect(feed.disabledReason, fault.name).toMatch(fault.disabled);
  } else {
    expect(feed.enabled, fault.name).toBe(true);
    expect(feed.disabledReason, fault.name).toBeNull();
  }
}

describe('feed faults: the bad feed is reported, its neighbours in the same poll are unaffected', () => {
  it.each(FAULTS)('$name', async (fault) => {
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const bad = fault.url();
    const urls = [server.urlFor('/good.xml'), bad, server.urlFor('/noise.xml')];
    await store.syncConfigFeeds(urls, NOW);
    const report = await poll(store, faultConfig(urls), clock);
    expect(report).toMatchObject({ feeds: 3, fetched: 2, failed: 1, alerts: 1 });
    expect(await goodAlertQueued(store)).toBe(true);
    expect((await feedByUrl(store, server.urlFor('/noise.xml'))).lastSuccessAt).toBe(NOW);
    await expectHealth(store, bad, fault);
    await store.close();
  });

  it('every fault at once, in one poll: the good feed still alerts and each bad feed has its own reason', async () => {
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const good = server.urlFor('/good.xml');
    const bad = FAULTS.map((f) => f.url());
    const urls = [bad[0] as string, good, ...bad.slice(1), server.urlFor('/noise.xml')];
    await store.syncConfigFeeds(urls, NOW);
    const started = Date.now();
    const report = await poll(store, faultConfig(urls, { fetch: { timeoutSeconds: 1 } }), clock);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(report).toMatchObject({ feeds: urls.length, fetched: 2, failed: FAULTS.length, alerts: 1 });
    expect(await goodAlertQueued(store)).toBe(true);
    for (const [i, fault] of FAULTS.entries()) {
      const relaxed = /timeout/.test(fault.name) ? { ...fault, error: /^timed out after 1 s$/ } : fault;
      await expectHealth(store, bad[i] as string, relaxed);
    }
    // The 50 MB server was cut off long before it finished.
    expect(hugeBytesSent).toBeLessThan(FIFTY_MB / 2);
    await store.close();
  });
});

describe('retries: Retry-After, backoff, disabling', () => {
  it('429 Retry-After is honoured: nextFetchAt is pushed out by at least Retry-After and no fetch happens before it', async () => {
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const limited = '/limited.xml';
    let hits = 0;
    server.route(limited, (_req, res) => {
      hits++;
      if (hits === 1) {
        res.writeHead(429, { 'retry-after': '7200', 'content-type': 'text/plain' });
        res.end('slow down\n');
        return;
      }
      res.writeHead(200, RSS_HEADERS);
      res.end(GOOD_FEED_BODY);
    });
    const url = server.urlFor(limited);
    const config = faultConfig([url, server.urlFor('/noise.xml')]);
    await store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      NOW,
    );
    await poll(store, config, clock);
    const feed = await feedByUrl(store, url);
    expect(feed.lastErrorCode).toBe('rate-limited');
    expect(Date.parse(feed.nextFetchAt ?? '')).toBeGreaterThanOrEqual(clock.now() + 7200_000);
    // Well past the normal interval and the first backoff step, but before Retry-After: not fetched.
    clock.advance(3600_000);
    const early = await poll(store, config, clock);
    expect(hits).toBe(1);
    expect(early.fetched).toBe(1); // the noise feed, which is due again
    clock.advance(3601_000);
    const later = await poll(store, config, clock);
    expect(hits).toBe(2);
    expect(later.alerts).toBe(1);
    expect(await feedByUrl(store, url)).toMatchObject({
      consecutiveErrors: 0,
      lastSuccessAt: expect.any(String),
    });
    await store.close();
  });

  it('a failing feed backs off exponentially and is disabled, with its reason, after disableAfterErrors failures in a row', async () => {
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const url = server.urlFor('/status/503');
    const config = faultConfig([url, server.urlFor('/good.xml')], { disableAfterErrors: 4 });
    await store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      NOW,
    );
    const gaps: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const before = server.requestsFor('/status/503').length;
      await poll(store, config, clock);
      expect(server.requestsFor('/status/503').length).toBe(before + 1);
      const feed = await feedByUrl(store, url);
      expect(feed.consecutiveErrors).toBe(i);
      gaps.push(Date.parse(feed.nextFetchAt ?? '') - clock.now());
      if (i < 4) {
        expect(feed.enabled).toBe(true);
        // Not due before its backoff: a poll just before does not fetch it.
        clock.set(Date.parse(feed.nextFetchAt ?? '') - 1000);
        await poll(store, config, clock);
        expect(server.requestsFor('/status/503').length).toBe(before + 1);
        clock.advance(1000);
      }
    }
    expect(gaps.slice(0, 3)).toEqual([1, 2, 3].map((n) => backoffSeconds(config.pollSeconds, n) * 1000));
    expect(gaps[1]).toBeGreaterThan(gaps[0] as number);
    expect(gaps[2]).toBeGreaterThan(gaps[1] as number);
    const feed = await feedByUrl(store, url);
    expect(feed.enabled).toBe(false);
    expect(feed.disabledReason).toBe('http-status: 4 failures in a row');
    expect(feed.lastError).toBe('HTTP 503 Service Unavailable');
    // Disabled means not polled any more.
    clock.advance(7 * 86_400_000);
    const before = server.requestsFor('/status/503').length;
    await poll(store, config, clock);
    expect(server.requestsFor('/status/503').length).toBe(before);
    await store.close();
  });
});

describe('odd but readable feeds: parsed, recorded, no crash', () => {
  it('a feed with 10,000 items parses, every item is recorded, in bounded time', async () => {
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const urls = [server.urlFor('/ten-thousand.xml'), server.urlFor('/good.xml')];
    await store.syncConfigFeeds(urls, NOW);
    const started = Date.now();
    const report = await poll(store, configFor(urls, { fetch: { timeoutSeconds: 5 } }), clock);
    const firstMs = Date.now() - started;
    expect(report.failed).toBe(0);
    expect(report.newItems).toBe(TEN_THOUSAND + 1);
    expect(await store.countItems()).toBe(TEN_THOUSAND + 1);
    expect(await goodAlertQueued(store)).toBe(true);
    expect(firstMs).toBeLessThan(15_000);
    // The second poll sees the same 10,000 items and finds nothing new, also in bounded time.
    clock.advance(3600_000);
    const again = Date.now();
    const second = await poll(store, configFor(urls, { fetch: { timeoutSeconds: 5 } }), clock);
    expect(second.newItems).toBe(0);
    expect(Date.now() - again).toBeLessThan(15_000);
    await store.close();
  });

  it('duplicate guids: items told apart by link, true duplicates dropped, nothing alerts twice', async () => {
    const dup = (title: string, link: string) => ({
      title,
      description: 'Officials said the CAISI pre-release review window for Meta is now 30 days.',
      guid: 'same-guid',
      link,
      pubDate: '2026-06-24T10:00:00Z',
    });
    server.route('/dup-guids.xml', {
      headers: RSS_HEADERS,
      body: rss('Sloppy CMS', [
        dup('Meta asked to join CAISI review', 'https://sloppy.example/a'),
        dup('Hearing on AI review scheduled', 'https://sloppy.example/b'),
        dup('Meta asked to join CAISI review', 'https://sloppy.example/a'),
      ]),
    });
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const urls = [server.urlFor('/dup-guids.xml'), server.urlFor('/feeds/duplicate-guids.xml')];
    await store.syncConfigFeeds(urls, NOW);
    const first = await poll(store, configFor(urls), clock);
    expect(first.failed).toBe(0);
    // 2 distinct items in the first feed, 3 in the fixture (one exact duplicate dropped).
    expect(first.newItems).toBe(5);
    expect(await store.countItems()).toBe(5);
    clock.advance(3600_000);
    const second = await poll(store, configFor(urls), clock);
    expect(second.newItems).toBe(0);
    expect(second.events).toHaveLength(0);
  });

  it.each([
    {
      name: 'wrong charset in the header (says UTF-8, bytes are windows-1252)',
      header: 'application/rss+xml; charset=utf-8',
      prolog: 'windows-1252',
    },
    {
      name: 'missing charset, prolog names windows-1252',
      header: 'application/rss+xml',
      prolog: 'windows-1252',
    },
    { name: 'missing charset everywhere (windows-1252 bytes)', header: 'text/xml', prolog: null },
    { name: 'unknown charset label', header: 'text/xml; charset=x-no-such-charset', prolog: 'utf-8' },
  ])('$name: parsed, recorded, the alert lands, the good feed too', async ({ header, prolog }) => {
    const text = rss('Desk \u201cquoted\u201d', [
      {
        title: 'Meta caf\u00e9 talks: CAISI review \u201cwithin weeks\u201d',
        description: 'Meta says it is close to an agreement with the Center for AI Standards and Innovation.',
        guid: 'charset-1',
        // Days before the good feed's Meta item, so that it cannot be read as the same story.
        pubDate: '2026-06-20T10:00:00Z',
      },
    ]).replace('encoding="UTF-8"', prolog ? `encoding="${prolog}"` : '');
    const route = `/charset-${Math.random().toString(36).slice(2)}.xml`;
    server.route(route, {
      headers: { 'content-type': header },
      body: iconv.encode(text, prolog === 'utf-8' ? 'utf-8' : 'windows-1252'),
    });
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const urls = [server.urlFor(route), server.urlFor('/good.xml')];
    await store.syncConfigFeeds(urls, NOW);
    const report = await poll(store, configFor(urls), clock);
    expect(report).toMatchObject({ failed: 0, fetched: 2, newItems: 2 });
    expect(await goodAlertQueued(store)).toBe(true);
    const story = (await store.latestStories(10)).find((s) => s.title.startsWith('Meta caf'));
    expect(story?.title).toMatch(/^Meta caf.{1,2} talks: CAISI review .within weeks.$/u);
    // Where the charset could be known (prolog, or a usable label), the text is exactly right.
    if (prolog) expect(story?.title).toBe('Meta caf\u00e9 talks: CAISI review \u201cwithin weeks\u201d');
  });

  it('dates far in the future: no crash, the alert is placed at now, not in the future', async () => {
    const future = (year: number, id: string, title: string) => ({
      title,
      description: 'The CAISI pre-release review is discussed.',
      guid: id,
      pubDate: `${year}-01-01T00:00:00Z`,
    });
    server.route('/future.xml', {
      headers: RSS_HEADERS,
      body: rss('Time traveller', [
        future(2150, 'f-1', 'Meta signs CAISI review agreement, says a feed from 2150'),
        future(2199, 'f-2', 'OpenAI and CAISI extend testing pact'),
      ]).replace(
        '</channel>',
        '<item><title>Anthropic CAISI item dated year 275760</title><guid>f-3</guid><pubDate>Sat, 13 Sep 275760 00:00:00 GMT</pubDate><description>CAISI.</description></item></channel>',
      ),
    });
    const store = SqliteStore.open(':memory:');
    const clock = new ManualClock(Date.parse(NOW));
    const urls = [server.urlFor('/future.xml'), server.urlFor('/good.xml')];
    await store.syncConfigFeeds(urls, NOW);
    const report = await poll(store, configFor(urls), clock);
    expect(report.failed).toBe(0);
    expect(report.newItems).toBe(4);
    expect(await goodAlertQueued(store)).toBe(true);
    const stories = await store.latestStories(10);
    for (const s of stories) {
      expect(Date.parse(s.lastSeenAt)).toBeLessThanOrEqual(clock.now());
      expect(Date.parse(s.firstSeenAt)).toBeLessThanOrEqual(clock.now());
    }
    const futureStory = stories.find((s) => s.title.includes('2150'));
    expect(futureStory?.lastSeenAt).toBe(NOW);
    // A future date does not keep a story open for clustering forever: a week later it is closed.
    expect(await store.storiesSince(new Date(clock.now() + 7 * 86_400_000).toISOString())).toHaveLength(0);
    // The good feed's story was placed at its own (past) date.
    expect(stories.find((s) => s.title === GOOD_ITEM.title)?.lastSeenAt).toBe('2026-06-24T11:00:00.000Z');
  });
});
