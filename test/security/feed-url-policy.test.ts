/**
 * Feed URLs added from Slack may not reach loopback, private or link-local addresses, nor use another
 * scheme than http(s): not when added (checkNewFeedUrl, and `/caisi feeds add` through the command
 * path), and not at fetch time, on any redirect hop or after DNS changes its answer — unless the config
 * allows private feeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedFetchError, fetchFeed, type ResolveHost } from '../../src/feeds/fetch.js';
import { isBlockedAddress } from '../../src/feeds/url-guard.js';
import { checkNewFeedUrl } from '../../src/feeds/url-policy.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { configFor, feedByUrl, NOW, poll, snapshot } from '../faults/support.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { commandHarness, fakeResolver } from './command-harness.js';

/** Names and what they resolve to, as the injected DNS answers. */
const DNS: Record<string, string[]> = {
  localhost: ['127.0.0.1', '::1'],
  'localhost.': ['127.0.0.1'],
  'intranet.corp.example': ['10.1.2.3'],
  'metadata.google.internal': ['169.254.169.254'],
  'router.example': ['192.168.1.1'],
  'docker.example': ['172.17.0.1'],
  'v6-ula.example': ['fd12:3456:789a::1'],
  'v6-loopback.example': ['::1'],
  'half-private.example': ['93.184.216.34', '10.0.0.7'],
  'mapped.example': ['::ffff:127.0.0.1'],
  'nxdomain.example': [],
};

const BLOCKED_LITERALS = [
  'http://127.0.0.1/feed.xml',
  'http://127.0.0.1:8080/feed.xml',
  'http://127.1/feed.xml',
  'http://2130706433/feed.xml',
  'http://0x7f000001/feed.xml',
  'http://0177.0.0.1/feed.xml',
  'http://0.0.0.0/feed.xml',
  'http://10.0.0.1/feed.xml',
  'http://10.255.255.255/feed.xml',
  'http://172.16.0.1/feed.xml',
  'http://172.31.255.254/feed.xml',
  'http://192.168.0.1/feed.xml',
  'http://169.254.169.254/latest/meta-data/',
  'http://169.254.0.1/feed.xml',
  'http://[::1]/feed.xml',
  'http://[::]/feed.xml',
  'http://[fc00::1]/feed.xml',
  'http://[fd00:ec2::254]/feed.xml',
  'http://[fe80::1]/feed.xml',
  'http://[::ffff:127.0.0.1]/feed.xml',
  'http://[::ffff:a9fe:a9fe]/feed.xml',
];
const BLOCKED_NAMES = [
  'http://localhost/feed.xml',
  'http://LOCALHOST:3000/feed.xml',
  'http://localhost./feed.xml',
  'https://intranet.corp.example/rss',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://router.example/feed',
  'http://docker.example/feed',
  'http://v6-ula.example/feed',
  'http://v6-loopback.example/feed',
  'http://half-private.example/feed',
  'http://mapped.example/feed',
];
const BAD_SCHEMES = [
  'file:///etc/passwd',
  'ftp://ftp.example/feed.xml',
  'javascript:alert(document.cookie)',
  'gopher://gopher.example/1/feed',
  'data:text/xml,<rss/>',
  'ws://news.example/feed',
  '//news.example/feed.xml',
  'https://user:secret@news.example/feed.xml',
  'news.example/feed.xml',
];
const PUBLIC = [
  'https://news.example/feed.xml',
  'http://93.184.216.34/rss',
  'http://172.32.0.1/feed',
  'http://[2606:4700::1]/feed',
];

async function refusal(url: string, allowPrivate = false): Promise<FeedFetchError> {
  const { resolve } = fakeResolver(DNS);
  try {
    await checkNewFeedUrl(url, { allowPrivate, resolve });
  } catch (err) {
    expect(err).toBeInstanceOf(FeedFetchError);
    expect((err as Error).message).not.toMatch(/\n/);
    return err as FeedFetchError;
  }
  throw new Error(`${url} was accepted`);
}

describe('checkNewFeedUrl: what may be added from Slack', () => {
  it.each(BLOCKED_LITERALS)('refuses the address %s', async (url) => {
    expect((await refusal(url)).code).toBe('blocked-address');
  });
  it.each(BLOCKED_NAMES)('refuses %s, a name that resolves to a private address', async (url) => {
    const err = await refusal(url);
    expect(err.code).toBe('blocked-address');
    expect(err.message).toMatch(/points at a private, loopback or link-local address/);
  });
  it('refuses a name that does not resolve', async () => {
    expect((await refusal('http://nxdomain.example/feed')).code).toBe('dns');
  });
  it.each(BAD_SCHEMES)('refuses %s (not a plain http(s) URL)', async (url) => {
    expect((await refusal(url)).code).toBe('bad-url');
    // Allowing private feeds does not allow other schemes.
    expect((await refusal(url, true)).code).toBe('bad-url');
  });
  it.each(PUBLIC)('accepts the public %s', async (url) => {
    const { resolve } = fakeResolver(DNS);
    await expect(checkNewFeedUrl(url, { allowPrivate: false, resolve })).resolves.toBeInstanceOf(URL);
  });
  it('with allowPrivateFeeds, private and loopback addresses are accepted', async () => {
    const { resolve } = fakeResolver(DNS);
    for (const url of [...BLOCKED_LITERALS, ...BLOCKED_NAMES])
      await expect(checkNewFeedUrl(url, { allowPrivate: true, resolve })).resolves.toBeInstanceOf(URL);
  });
});

describe('`/caisi feeds add` by an admin: refused URLs are refused in the reply and stored nowhere', () => {
  it.each([...BLOCKED_LITERALS, ...BLOCKED_NAMES, ...BAD_SCHEMES.filter((u) => !u.startsWith('//'))])(
    'feeds add %s',
    async (url) => {
      const h = commandHarness({ dns: DNS });
      const before = await snapshot(h.store);
      for (const text of [`feeds add ${url}`, `feeds add <${url}>`, `feeds add <${url}|news>`]) {
        const reply = await h.run(text);
        expect(reply.text).toMatch(/^(Cannot add that feed: |Usage: )/);
      }
      expect(await snapshot(h.store)).toEqual(before);
      h.close();
    },
  );

  it('the same URLs are added when the config allows private feeds', async () => {
    const h = commandHarness({ dns: DNS, allowPrivateFeeds: true });
    for (const url of [
      'http://127.0.0.1:8080/feed.xml',
      'http://intranet.corp.example/rss',
      'http://[::1]/feed.xml',
    ]) {
      const reply = await h.run(`feeds add ${url}`);
      expect(reply.text).toMatch(/^Added feed \d+: /);
    }
    expect((await h.store.listFeeds()).map((f) => f.origin)).toEqual(['slack', 'slack', 'slack']);
    const refused = await h.run('feeds add file:///etc/passwd');
    expect(refused.text).toMatch(/^Cannot add that feed: only http and https/);
    h.close();
  });
});

describe('at fetch time: every redirect hop and every DNS answer is checked (allowPrivate false)', () => {
  let server: FeedServer;
  beforeAll(async () => {
    server = await startFeedServer();
  });
  afterAll(() => server.close());

  // The feed server on 127.0.0.1 stands in for a public server; every other non-public address is refused.
  const standIn = (ip: string) =>
    ip === '127.0.0.1' || ip === '::ffff:127.0.0.1' ? false : isBlockedAddress(ip);
  const lookupFor =
    (table: Record<string, string | (() => string)>): ResolveHost =>
    async (hostname) => {
      const entry = table[hostname];
      if (entry === undefined)
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      const address = typeof entry === 'function' ? entry() : entry;
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    };
  const dns = {
    'public.test': '127.0.0.1',
    localhost: '::1',
    'internal.test': '10.0.0.5',
    'metadata.test': '169.254.169.254',
  };

  const redirectTargets = (port: number) => [
    `http://127.0.0.2:${port}/feeds/basic-rss.xml`,
    `http://localhost:${port}/feeds/basic-rss.xml`,
    `http://[::1]:${port}/feeds/basic-rss.xml`,
    'http://10.0.0.1/feed.xml',
    'http://172.16.5.4/feed.xml',
    'http://192.168.1.1/feed.xml',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fc00::1]/feed.xml',
    'http://[fe80::1]/feed.xml',
    'http://internal.test/feed.xml',
    'http://metadata.test/latest/meta-data/',
  ];

  it('a redirect into a loopback, private or link-local address is refused before connecting', async () => {
    for (const target of redirectTargets(server.port)) {
      for (const status of [301, 302, 307, 308]) {
        const url = server.urlFor(
          `/redirect/to?status=${status}&url=${encodeURIComponent(target)}`,
          'public.test',
        );
        const err = await fetchFeed(url, {
          allowPrivate: false,
          lookup: lookupFor(dns),
          isBlockedAddress: standIn,
          timeoutMs: 2000,
        }).catch((e: unknown) => e);
        expect(err, target).toBeInstanceOf(FeedFetchError);
        expect((err as FeedFetchError).code, target).toBe('blocked-address');
        expect((err as FeedFetchError).message).toMatch(/is a loopback, private or link-local address$/);
      }
    }
  });

  it('a redirect to another scheme is refused', async () => {
    for (const target of [
      'file:///etc/passwd',
      'gopher://gopher.example/',
      'ftp://ftp.example/f',
      'javascript:alert(1)',
    ]) {
      const url = server.urlFor(`/redirect/to?url=${encodeURIComponent(target)}`, 'public.test');
      const err = await fetchFeed(url, {
        allowPrivate: false,
        lookup: lookupFor(dns),
        isBlockedAddress: standIn,
      }).catch((e: unknown) => e);
      expect((err as FeedFetchError).code, target).toBe('bad-url');
    }
  });

  it('DNS rebinding: a name that was public when checked and private when fetched is refused', async () => {
    let answers = 0;
    const flip = () => (answers++ === 0 ? '127.0.0.1' : '127.0.0.2');
    // First hop: public. The redirect goes back to the same name, which now resolves to loopback.
    const url = server.urlFor(
      `/redirect/to?url=${encodeURIComponent(`http://flip.test:${server.port}/feeds/basic-rss.xml`)}`,
      'flip.test',
    );
    const err = await fetchFeed(url, {
      allowPrivate: false,
      lookup: lookupFor({ 'flip.test': flip }),
      isBlockedAddress: standIn,
    }).catch((e: unknown) => e);
    expect((err as FeedFetchError).code).toBe('blocked-address');
    expect((err as FeedFetchError).message).toMatch(/flip\.test resolves to 127\.0\.0\.2/);
  });

  it('in a poll: a feed added from Slack that leads to loopback is refused and says why; with allowPrivateFeeds it is fetched; a configured feed always is', async () => {
    const redirecting = server.urlFor(
      `/redirect/to?url=${encodeURIComponent(server.urlFor('/feeds/basic-rss.xml'))}`,
    );
    for (const allowPrivateFeeds of [false, true]) {
      const store = SqliteStore.open(':memory:');
      const clock = new ManualClock(Date.parse(NOW));
      const configured = server.urlFor('/feeds/atom.xml');
      await store.syncConfigFeeds([configured], NOW);
      await store.addFeed(redirecting, 'U0ADMIN', NOW);
      const report = await poll(store, configFor([configured], { allowPrivateFeeds }), clock);
      const slackFeed = await feedByUrl(store, redirecting);
      expect((await feedByUrl(store, configured)).lastSuccessAt).toBe(NOW);
      if (allowPrivateFeeds) {
        expect(report.failed).toBe(0);
        expect(slackFeed.lastSuccessAt).toBe(NOW);
      } else {
        expect(report.failed).toBe(1);
        expect(slackFeed.lastErrorCode).toBe('blocked-address');
        expect(slackFeed.lastError).toMatch(
          /^refused to connect: 127\.0\.0\.1 is a loopback, private or link-local address$/,
        );
      }
      await store.close();
    }
  });
});
