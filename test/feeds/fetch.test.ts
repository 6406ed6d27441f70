import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FeedFetchError,
  type FetchOptions,
  type FetchResult,
  fetchFeed,
  type ResolveHost,
} from '../../src/feeds/fetch.js';
import { NotAFeedError, parseFeedText } from '../../src/feeds/parse.js';
import { isBlockedAddress } from '../../src/feeds/url-guard.js';
import {
  CONDITIONAL_ETAG,
  CONDITIONAL_LAST_MODIFIED,
  type FeedServer,
  startFeedServer,
  startSelfSignedTlsServer,
} from '../feed-server.js';

let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.clearLog();
});

async function fetchError(url: string, opts: FetchOptions = {}): Promise<FeedFetchError> {
  try {
    await fetchFeed(url, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(FeedFetchError);
    const e = err as FeedFetchError;
    // Every message is one readable line.
    expect(e.message).not.toMatch(/\n/);
    expect(e.message.length).toBeGreaterThan(0);
    return e;
  }
  throw new Error(`expected ${url} to fail`);
}

function ok(result: FetchResult): Extract<FetchResult, { kind: 'ok' }> {
  expect(result.kind).toBe('ok');
  return result as Extract<FetchResult, { kind: 'ok' }>;
}

/** An injected resolver: fake names → addresses; anything else fails like a real NXDOMAIN. */
function fakeDns(table: Record<string, string | (() => string)>): ResolveHost {
  return async (hostname) => {
    const entry = table[hostname];
    if (entry === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    const address = typeof entry === 'function' ? entry() : entry;
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
}

/*
 * Honest "public vs private" hops on one machine: the only server we can reach is on 127.0.0.1,
 * which the real policy blocks. So these tests pass an address policy that treats exactly
 * 127.0.0.1 as if it were a public address, and applies the real isBlockedAddress to everything
 * else. The "private" hop resolves to 127.0.0.2, where nothing listens: if the guard failed to
 * stop it, the error would be `refused` (connection refused), not `blocked-address`.
 */
const loopbackOneIsPublic = (ip: string): boolean => ip !== '127.0.0.1' && isBlockedAddress(ip);

describe('conditional GET', () => {
  it('returns validators and cache hints, then sends them back and gets not-modified', async () => {
    const first = ok(await fetchFeed(server.urlFor('/conditional.xml')));
    expect(first.status).toBe(200);
    expect(first.etag).toBe(CONDITIONAL_ETAG);
    expect(first.lastModified).toBe(CONDITIONAL_LAST_MODIFIED);
    expect(first.cache.maxAgeSeconds).toBe(600);
    expect(first.cache.expires).toBe('2026-06-23T16:00:00.000Z');
    expect(first.text).toContain('<rss');

    const second = await fetchFeed(server.urlFor('/conditional.xml'), {
      etag: first.etag,
      lastModified: first.lastModified,
    });
    expect(second.kind).toBe('not-modified');
    expect(second).not.toHaveProperty('text');
    expect(second.cache.maxAgeSeconds).toBe(600);

    const log = server.requestsFor('/conditional.xml');
    expect(log).toHaveLength(2);
    expect(log[0]?.headers['if-none-match']).toBeUndefined();
    expect(log[1]?.headers['if-none-match']).toBe(CONDITIONAL_ETAG);
    expect(log[1]?.headers['if-modified-since']).toBe(CONDITIONAL_LAST_MODIFIED);
  });

  it('uses If-Modified-Since alone when there is no ETag', async () => {
    const res = await fetchFeed(server.urlFor('/conditional.xml'), {
      lastModified: CONDITIONAL_LAST_MODIFIED,
    });
    expect(res.kind).toBe('not-modified');
    expect(server.requestsFor('/conditional.xml')[0]?.headers['if-modified-since']).toBe(
      CONDITIONAL_LAST_MODIFIED,
    );
  });

  it('gets the full body when the stored ETag is stale', async () => {
    const res = ok(await fetchFeed(server.urlFor('/conditional.xml'), { etag: '"old"' }));
    expect(res.etag).toBe(CONDITIONAL_ETAG);
  });

  it('sends a user agent and accepts gzip, deflate and br', async () => {
    await fetchFeed(server.urlFor('/feeds/basic-rss.xml'), { userAgent: 'caisi-watch-test/1' });
    const headers = server.requests[0]?.headers;
    expect(headers?.['user-agent']).toBe('caisi-watch-test/1');
    expect(headers?.['accept-encoding']).toBe('gzip, deflate, br');
  });
});

describe('redirects', () => {
  it('follows a chain of three permanent redirects and reports the new URL', async () => {
    const res = ok(await fetchFeed(server.urlFor('/redirect/chain')));
    expect(res.url).toBe(server.urlFor('/redirect/chain'));
    expect(res.finalUrl).toBe(server.urlFor('/feeds/basic-rss.xml'));
    expect(res.permanentRedirect).toBe(res.finalUrl);
    expect(server.requests.map((r) => r.path)).toEqual([
      '/redirect/chain',
      '/redirect/chain/2',
      '/redirect/chain/3',
      '/feeds/basic-rss.xml',
    ]);
  });

  it('does not report a permanent redirect when one hop was temporary', async () => {
    const res = ok(await fetchFeed(server.urlFor('/redirect/mixed-chain')));
    expect(res.finalUrl).toBe(server.urlFor('/feeds/basic-rss.xml'));
    expect(res.permanentRedirect).toBeNull();
  });

  it('follows up to 5 redirects', async () => {
    const res = ok(await fetchFeed(server.urlFor('/redirect/hops/5')));
    expect(res.finalUrl).toBe(server.urlFor('/feeds/basic-rss.xml'));
  });

  it('fails on the 6th redirect', async () => {
    const err = await fetchError(server.urlFor('/redirect/hops/6'));
    expect(err.code).toBe('too-many-redirects');
    expect(err.message).toBe('more than 5 redirects');
  });

  it('honours a lower maxRedirects', async () => {
    const err = await fetchError(server.urlFor('/redirect/chain'), { maxRedirects: 2 });
    expect(err.code).toBe('too-many-redirects');
  });

  it('detects a redirect loop', async () => {
    const err = await fetchError(server.urlFor('/redirect/loop-a'));
    expect(err.code).toBe('too-many-redirects');
    expect(err.message).toMatch(/^redirect loop: /);
    expect(server.requests).toHaveLength(2);
  });

  it('refuses a redirect to a non-http(s) URL', async () => {
    const err = await fetchError(
      server.urlFor(`/redirect/to?url=${encodeURIComponent('file:///etc/passwd')}`),
    );
    expect(err.code).toBe('bad-url');
  });
});

describe('deadline', () => {
  it('times out on a body that never finishes', async () => {
    const started = Date.now();
    const err = await fetchError(server.urlFor('/slow/never-ends'), { timeoutMs: 300 });
    expect(err.code).toBe('timeout');
    expect(err.message).toBe('timed out after 0.3 s');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('times out when the server never sends headers', async () => {
    const err = await fetchError(server.urlFor('/slow/no-headers'), { timeoutMs: 250 });
    expect(err.code).toBe('timeout');
  });

  it('times out when DNS never answers', async () => {
    const hang: ResolveHost = () => new Promise(() => {});
    const err = await fetchError(server.urlFor('/feeds/basic-rss.xml', 'stuck.test'), {
      lookup: hang,
      timeoutMs: 200,
    });
    expect(err.code).toBe('timeout');
  });
});

describe('size cap', () => {
  it('stops a streamed 6 MB body at the default 5 MB cap', async () => {
    const err = await fetchError(server.urlFor('/huge'));
    expect(err.code).toBe('too-large');
    expect(err.message).toBe('body exceeds 5 MB');
  });

  it('refuses early on a Content-Length over the cap', async () => {
    const err = await fetchError(server.urlFor('/huge-declared'));
    expect(err.code).toBe('too-large');
    expect(err.message).toContain('Content-Length');
  });

  it('stops a gzip bomb at the cap, counted after decompression', async () => {
    const err = await fetchError(server.urlFor('/gzip-bomb'));
    expect(err.code).toBe('too-large');
    expect(err.message).toBe('body exceeds 5 MB after decompression');
  });

  it('stops a gzip bomb at a small cap too (the ~100 KB compressed body itself is under it)', async () => {
    const err = await fetchError(server.urlFor('/gzip-bomb'), { maxBytes: 1024 * 1024 });
    expect(err.code).toBe('too-large');
    expect(err.message).toBe('body exceeds 1 MB after decompression');
  });

  it('refuses a compressed body whose Content-Length alone is over the cap', async () => {
    const err = await fetchError(server.urlFor('/gzip-bomb'), { maxBytes: 64 * 1024 });
    expect(err.code).toBe('too-large');
    expect(err.message).toMatch(/^body is [\d.]+ KB \(Content-Length\), over the 64 KB limit$/);
  });

  it('accepts a body under a small cap', async () => {
    ok(await fetchFeed(server.urlFor('/feeds/basic-rss.xml'), { maxBytes: 64 * 1024 }));
  });
});

describe('content encodings', () => {
  for (const enc of ['gzip', 'deflate', 'br']) {
    it(`decodes a ${enc} body`, async () => {
      const res = ok(await fetchFeed(server.urlFor(`/${enc}.xml`)));
      const parsed = await parseFeedText(res.text, { baseUrl: res.finalUrl });
      expect(parsed.feed.title).toBe('Policy Desk & Wire');
      expect(parsed.items).toHaveLength(3);
    });
  }

  it('reports a corrupt gzip body clearly', async () => {
    server.route('/corrupt.gz', {
      body: Buffer.from('this is not gzip at all'),
      headers: { 'content-encoding': 'gzip', 'content-type': 'application/rss+xml' },
    });
    const err = await fetchError(server.urlFor('/corrupt.gz'));
    expect(err.code).toBe('unreachable');
    expect(err.message).toMatch(/could not decompress the gzip body/);
  });
});

describe('charsets over HTTP', () => {
  const cases: Array<[string, string[]]> = [
    ['/charset/windows-1252.xml', ['“Review first”', 'café', '—', 'Zürich', 'Besançon']],
    ['/charset/windows-1252-prolog.xml', ['“Review first”', 'café', '—']],
    ['/charset/iso-8859-1.xml', ['"Review first"', 'café', 'Zürich', 'Besançon', 'Le Café Numérique']],
    ['/charset/utf-16.xml', ['“Review first”', 'café', 'Zürich']],
    ['/charset/utf-16be-nobom.xml', ['“Review first”', 'café', 'Besançon']],
  ];
  for (const [route, expected] of cases) {
    it(`decodes ${route}`, async () => {
      const res = ok(await fetchFeed(server.urlFor(route)));
      const parsed = await parseFeedText(res.text, { baseUrl: res.finalUrl });
      const all = [parsed.feed.title, parsed.items[0]?.title, parsed.items[0]?.summary].join(' | ');
      for (const piece of expected) expect(all).toContain(piece);
      expect(all).not.toContain('\ufffd');
    });
  }

  it('serves real windows-1252 bytes (0x93, 0x94, 0xE9)', async () => {
    const raw = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(server.urlFor('/charset/windows-1252.xml'), (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        })
        .on('error', reject);
    });
    expect(raw.includes(Buffer.from([0x93]))).toBe(true);
    expect(raw.includes(Buffer.from([0x94]))).toBe(true);
    expect(raw.includes(Buffer.from([0xe9]))).toBe(true);
  });
});

describe('bad content', () => {
  it('fetches an HTML error page served with 200, which parse rejects', async () => {
    const res = ok(await fetchFeed(server.urlFor('/html-error')));
    expect(res.contentType).toContain('text/html');
    await expect(parseFeedText(res.text)).rejects.toThrow(NotAFeedError);
    await expect(parseFeedText(res.text)).rejects.toThrow('not a feed: looks like an HTML page');
  });

  it('rejects truncated XML with a line number', async () => {
    const res = ok(await fetchFeed(server.urlFor('/truncated.xml')));
    await expect(parseFeedText(res.text)).rejects.toThrow(
      /^not a feed: XML is truncated or malformed at line \d+/,
    );
  });

  it('gives items without guid/link/date stable, distinct ids and null dates', async () => {
    const a = await parseFeedText(ok(await fetchFeed(server.urlFor('/bare-items.xml'))).text);
    const b = await parseFeedText(ok(await fetchFeed(server.urlFor('/bare-items.xml'))).text);
    expect(a.items.map((i) => i.id)).toEqual(b.items.map((i) => i.id));
    // Four items, of which the last repeats the second exactly: three distinct items remain.
    expect(a.items).toHaveLength(3);
    expect(new Set(a.items.map((i) => i.id)).size).toBe(3);
    for (const item of a.items) {
      expect(item.id).toMatch(/^sha256:[0-9a-f]{32}$/);
      expect(item.published).toBeNull();
      expect(item.link).toBeNull();
    }
  });
});

describe('HTTP status codes', () => {
  it('maps 404 to not-found', async () => {
    const err = await fetchError(server.urlFor('/status/404'));
    expect(err.code).toBe('not-found');
    expect(err.status).toBe(404);
  });

  it('maps 410 to gone', async () => {
    const err = await fetchError(server.urlFor('/status/410'));
    expect(err.code).toBe('gone');
  });

  it('maps 429 to rate-limited with Retry-After in seconds', async () => {
    const err = await fetchError(server.urlFor('/status/429?retry-after=120'));
    expect(err.code).toBe('rate-limited');
    expect(err.retryAfterSeconds).toBe(120);
    expect(err.message).toBe('HTTP 429 Too Many Requests (retry after 120 s)');
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const when = new Date(Date.now() + 90_000).toUTCString();
    const err = await fetchError(server.urlFor(`/status/503?retry-after=${encodeURIComponent(when)}`));
    expect(err.code).toBe('http-status');
    expect(err.status).toBe(503);
    expect(err.retryAfterSeconds).toBeGreaterThan(80);
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(90);
  });

  it('maps other statuses to http-status', async () => {
    const err = await fetchError(server.urlFor('/status/500'));
    expect(err.code).toBe('http-status');
    expect(err.message).toBe('HTTP 500 Internal Server Error');
  });
});

describe('network errors', () => {
  it('reports a name that does not resolve as dns', async () => {
    const err = await fetchError(server.urlFor('/feeds/basic-rss.xml', 'nowhere.test'), {
      lookup: fakeDns({}),
    });
    expect(err.code).toBe('dns');
    expect(err.message).toBe('could not resolve host nowhere.test');
  });

  it('reports a closed port as refused', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await fetchError(`http://127.0.0.1:${port}/feed.xml`);
    expect(err.code).toBe('refused');
  });

  it('reports an untrusted certificate as tls', async () => {
    const tls = await startSelfSignedTlsServer();
    try {
      const err = await fetchError(`${tls.url}/feed.xml`);
      expect(err.code).toBe('tls');
      expect(err.message).toMatch(/^TLS error with 127\.0\.0\.1:\d+: /);
    } finally {
      await tls.close();
    }
  });

  it('rejects bad URLs before any request', async () => {
    for (const url of [
      'ftp://example.com/feed',
      'not a url',
      'http://user:secret@example.com/feed',
      'javascript:alert(1)',
    ]) {
      const err = await fetchError(url);
      expect(err.code).toBe('bad-url');
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('address guard (allowPrivate: false)', () => {
  it('allows 127.0.0.1 by default', async () => {
    ok(await fetchFeed(server.urlFor('/feeds/basic-rss.xml')));
  });

  it('refuses an IP literal on loopback without connecting', async () => {
    const err = await fetchError(server.urlFor('/feeds/basic-rss.xml'), { allowPrivate: false });
    expect(err.code).toBe('blocked-address');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a host name that resolves to 127.0.0.1', async () => {
    const err = await fetchError(server.urlFor('/feeds/basic-rss.xml', 'feeds.example.com'), {
      allowPrivate: false,
      lookup: fakeDns({ 'feeds.example.com': '127.0.0.1' }),
    });
    expect(err.code).toBe('blocked-address');
    expect(err.message).toContain('feeds.example.com resolves to 127.0.0.1');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a name resolving to an IPv4-mapped IPv6 loopback address', async () => {
    const err = await fetchError(server.urlFor('/feeds/basic-rss.xml', 'mapped.example.com'), {
      allowPrivate: false,
      lookup: fakeDns({ 'mapped.example.com': '::ffff:127.0.0.1' }),
    });
    expect(err.code).toBe('blocked-address');
  });

  it('sanity check of the test policy: the stand-in public host is reachable', async () => {
    const res = ok(
      await fetchFeed(server.urlFor('/feeds/basic-rss.xml', 'news.example.com'), {
        allowPrivate: false,
        isBlockedAddress: loopbackOneIsPublic,
        lookup: fakeDns({ 'news.example.com': '127.0.0.1' }),
      }),
    );
    expect(server.requests[0]?.host).toBe(`news.example.com:${server.port}`);
    expect(res.finalUrl).toBe(server.urlFor('/feeds/basic-rss.xml', 'news.example.com'));
  });

  it('refuses a redirect from an allowed host into a private one', async () => {
    const target = server.urlFor('/feeds/basic-rss.xml', 'intranet.example.com');
    const err = await fetchError(
      server.urlFor(`/redirect/to?url=${encodeURIComponent(target)}`, 'news.example.com'),
      {
        allowPrivate: false,
        isBlockedAddress: loopbackOneIsPublic,
        lookup: fakeDns({ 'news.example.com': '127.0.0.1', 'intranet.example.com': '127.0.0.2' }),
      },
    );
    expect(err.code).toBe('blocked-address');
    expect(err.message).toContain('intranet.example.com resolves to 127.0.0.2');
    expect(server.requests.map((r) => r.path)).toEqual([expect.stringMatching(/^\/redirect\/to\?/)]);
  });

  it('refuses a redirect to the cloud metadata address', async () => {
    const err = await fetchError(
      server.urlFor(
        `/redirect/to?url=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`,
        'news.example.com',
      ),
      {
        allowPrivate: false,
        isBlockedAddress: loopbackOneIsPublic,
        lookup: fakeDns({ 'news.example.com': '127.0.0.1' }),
      },
    );
    expect(err.code).toBe('blocked-address');
  });

  it('checks every connection, so a name that rebinds to a private address between hops is caught', async () => {
    // Same host name on both hops; the resolver answers "public" first and "private" the second time.
    let calls = 0;
    const rebinding = fakeDns({ 'rebind.example.com': () => (calls++ === 0 ? '127.0.0.1' : '127.0.0.2') });
    const err = await fetchError(
      server.urlFor('/redirect/to?url=%2Ffeeds%2Fbasic-rss.xml', 'rebind.example.com'),
      { allowPrivate: false, isBlockedAddress: loopbackOneIsPublic, lookup: rebinding },
    );
    expect(err.code).toBe('blocked-address');
    expect(calls).toBe(2);
    expect(server.requests).toHaveLength(1);
  });
});
