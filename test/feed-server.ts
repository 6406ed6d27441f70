/**
 * A local HTTP server that serves fixture feeds, well-behaved and not: conditional GET, redirect
 * chains and loops, bodies that never finish, oversize bodies, gzip (and a gzip bomb), odd charsets,
 * HTML error pages, truncated XML. Used by the feed tests, and meant for benchmarks and the fault
 * suite too. Listens on 127.0.0.1 with an ephemeral port; never touches the network beyond that.
 *
 *   const server = await startFeedServer();
 *   await fetchFeed(server.urlFor('/conditional.xml'));
 *   server.route('/mine.xml', { body: '<rss>…</rss>', headers: { 'content-type': 'application/rss+xml' } });
 *   server.requestsFor('/conditional.xml')[0]?.headers['if-none-match'];
 *   await server.close();
 */
import { existsSync, readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import iconv from 'iconv-lite';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** test/fixtures/feeds, found both from the TypeScript source and from the compiled dist/test/. */
export const FIXTURE_DIR =
  [path.resolve(HERE, 'fixtures', 'feeds'), path.resolve(HERE, '..', '..', 'test', 'fixtures', 'feeds')].find(
    (dir) => existsSync(dir),
  ) ?? path.resolve(HERE, 'fixtures', 'feeds');

/** Read a fixture feed file (from test/fixtures/feeds) as bytes. */
export function fixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURE_DIR, name));
}

/** A canned response. Everything is optional; the default is an empty 200. */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Compress the body and set Content-Encoding accordingly. `gzip: true` is short for encoding 'gzip'. */
  encoding?: 'gzip' | 'deflate' | 'br';
  gzip?: boolean;
  /** Wait this long before sending anything (tests should prefer small timeouts over large delays). */
  delayMs?: number;
  /** Send the headers and the body, but never end the response. */
  neverEnd?: boolean;
  /** Send no Content-Length (chunked). Default: Content-Length is sent. */
  chunked?: boolean;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface LoggedRequest {
  method: string;
  /** Path and query as requested. */
  path: string;
  /** Host header as sent (e.g. "news.test:43567" when a test maps a fake name to 127.0.0.1). */
  host: string;
  headers: IncomingHttpHeaders;
}

export interface FeedServer {
  /** Base URL, e.g. http://127.0.0.1:43567 (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Absolute URL for a path; `host` replaces 127.0.0.1 (for tests with an injected DNS lookup). */
  urlFor(pathAndQuery: string, host?: string): string;
  /** Add or replace a route (exact path match, query ignored). Takes precedence over built-ins. */
  route(pathname: string, response: ScriptedResponse | RouteHandler): void;
  /** Every request received, in order. */
  readonly requests: LoggedRequest[];
  requestsFor(pathname: string): LoggedRequest[];
  clearLog(): void;
  close(): Promise<void>;
}

/** Validators of the built-in conditional feed. */
export const CONDITIONAL_ETAG = '"policy-desk-v1"';
export const CONDITIONAL_LAST_MODIFIED = 'Tue, 23 Jun 2026 15:00:00 GMT';

/** Size of the built-in oversize body (/huge, /huge-declared). */
export const HUGE_BYTES = 6 * 1024 * 1024;
/** Decompressed size of the built-in gzip bomb (/gzip-bomb). */
export const BOMB_BYTES = 100 * 1024 * 1024;

/** The built-in routes, for reference (patterned ones take a number or query). */
export const BUILTIN_ROUTES = [
  '/feeds/<fixture file>', // any file in test/fixtures/feeds, content type from its extension
  '/conditional.xml', // ETag + Last-Modified; 304 when the validators match
  '/redirect/chain', // 301 → 308 → 301 → /feeds/basic-rss.xml (3 permanent hops)
  '/redirect/mixed-chain', // 301 → 302 → /feeds/basic-rss.xml (not all permanent)
  '/redirect/hops/<n>', // n × 302, then /feeds/basic-rss.xml
  '/redirect/loop-a', // 302 ↔ /redirect/loop-b
  '/redirect/to?url=<absolute or relative URL>&status=<3xx>', // one redirect to anywhere
  '/slow/never-ends', // headers and part of a feed, then nothing
  '/slow/no-headers', // accepts the request and never answers
  '/huge', // 6 MB streamed, chunked, no Content-Length
  '/huge-declared', // 6 MB with Content-Length
  '/gzip.xml', // basic feed, gzip; also /deflate.xml and /br.xml
  '/gzip-bomb', // ~100 KB of gzip that inflates to 100 MB
  '/charset/windows-1252.xml', // charset in the header; 0x93/0x94 curly quotes, 0xE9 é
  '/charset/windows-1252-prolog.xml', // charset only in the XML declaration
  '/charset/iso-8859-1.xml', // header and prolog say ISO-8859-1
  '/charset/utf-16.xml', // UTF-16LE with BOM, no charset in the header
  '/charset/utf-16be-nobom.xml', // UTF-16BE without BOM, no charset in the header
  '/html-error', // 200 text/html maintenance page
  '/bare-items.xml', // items without guid/link/date
  '/truncated.xml', // XML cut off mid-item
  '/status/<code>?retry-after=<value>', // an empty response with that status
] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.xml': 'application/rss+xml',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
};

function charsetFeed(encoding: string): Buffer {
  const template = fixture('charset-template.xml').toString('utf8').replace('{{ENCODING}}', encoding);
  return iconv.encode(template, encoding);
}

function compress(body: Buffer, encoding: 'gzip' | 'deflate' | 'br'): Buffer {
  if (encoding === 'gzip') return zlib.gzipSync(body);
  if (encoding === 'deflate') return zlib.deflateSync(body);
  return zlib.brotliCompressSync(body);
}

let bombPromise: Promise<Buffer> | null = null;

/** ~100 MB of spaces inside an RSS start tag, gzip-compressed. Built once, on first use. */
function gzipBomb(): Promise<Buffer> {
  bombPromise ??= new Promise<Buffer>((resolve, reject) => {
    const gzip = zlib.createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gzip.on('data', (c: Buffer) => parts.push(c));
    gzip.on('end', () => resolve(Buffer.concat(parts)));
    gzip.on('error', reject);
    const head = Buffer.from('<?xml version="1.0"?><rss version="2.0"><channel><title>');
    const block = Buffer.alloc(1024 * 1024, 0x20);
    gzip.write(head);
    let written = head.length;
    const pump = (): void => {
      while (written < BOMB_BYTES) {
        const size = Math.min(block.length, BOMB_BYTES - written);
        written += size;
        if (!gzip.write(block.subarray(0, size))) {
          gzip.once('drain', pump);
          return;
        }
      }
      gzip.end();
    };
    pump();
  });
  return bombPromise;
}

/** Send a scripted response. */
async function send(res: ServerResponse, spec: ScriptedResponse): Promise<void> {
  if (spec.delayMs) await new Promise((r) => setTimeout(r, spec.delayMs));
  if (res.destroyed) return;
  let body = typeof spec.body === 'string' ? Buffer.from(spec.body, 'utf8') : (spec.body ?? Buffer.alloc(0));
  const headers: Record<string, string | string[]> = { ...(spec.headers ?? {}) };
  const encoding = spec.encoding ?? (spec.gzip ? 'gzip' : undefined);
  if (encoding) {
    body = compress(body, encoding);
    headers['content-encoding'] = encoding;
  }
  if (!spec.chunked && !spec.neverEnd) headers['content-length'] = String(body.length);
  res.writeHead(spec.status ?? 200, headers);
  if (spec.neverEnd) {
    res.write(body);
    return; // the socket is closed by server.close()
  }
  res.end(body);
}

/** Stream `total` bytes of an RSS-looking body, honouring back-pressure, stopping if the client goes. */
function streamHuge(res: ServerResponse, total: number, declareLength: boolean): void {
  const headers: Record<string, string> = { 'content-type': 'application/rss+xml' };
  if (declareLength) headers['content-length'] = String(total);
  res.writeHead(200, headers);
  const head = Buffer.from(
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title><description>',
  );
  const block = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const chunk = sent === 0 ? head : block.subarray(0, Math.min(block.length, total - sent));
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('no such route\n');
}

function builtin(req: IncomingMessage, res: ServerResponse, url: URL): void | Promise<void> {
  const p = url.pathname;

  if (p.startsWith('/feeds/')) {
    const name = path.basename(p);
    let body: Buffer;
    try {
      body = fixture(name);
    } catch {
      return notFound(res);
    }
    return send(res, {
      body,
      headers: { 'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream' },
    });
  }

  if (p === '/conditional.xml') {
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    const validators = { etag: CONDITIONAL_ETAG, 'last-modified': CONDITIONAL_LAST_MODIFIED };
    const etagMatches = inm !== undefined && (inm === '*' || inm.split(/\s*,\s*/).includes(CONDITIONAL_ETAG));
    const notModifiedSince =
      inm === undefined && ims !== undefined && Date.parse(ims) >= Date.parse(CONDITIONAL_LAST_MODIFIED);
    if (etagMatches || notModifiedSince) {
      res.writeHead(304, { ...validators, 'cache-control': 'max-age=600' });
      res.end();
      return;
    }
    return send(res, {
      body: fixture('basic-rss.xml'),
      headers: {
        ...validators,
        'content-type': 'application/rss+xml; charset=utf-8',
        'cache-control': 'public, max-age=600',
        expires: 'Tue, 23 Jun 2026 16:00:00 GMT',
      },
    });
  }

  const redirect = (status: number, location: string): void => {
    res.writeHead(status, { location, 'content-type': 'text/plain' });
    res.end(`moved to ${location}\n`);
  };
  if (p === '/redirect/chain') return redirect(301, '/redirect/chain/2');
  if (p === '/redirect/chain/2') return redirect(308, '/redirect/chain/3');
  if (p === '/redirect/chain/3') return redirect(301, '/feeds/basic-rss.xml');
  if (p === '/redirect/mixed-chain') return redirect(301, '/redirect/mixed-chain/2');
  if (p === '/redirect/mixed-chain/2') return redirect(302, '/feeds/basic-rss.xml');
  if (p === '/redirect/loop-a') return redirect(302, '/redirect/loop-b');
  if (p === '/redirect/loop-b') return redirect(302, '/redirect/loop-a');
  const hops = /^\/redirect\/hops\/(\d+)$/.exec(p);
  if (hops) {
    const n = Number(hops[1]);
    return redirect(302, n <= 1 ? '/feeds/basic-rss.xml' : `/redirect/hops/${n - 1}`);
  }
  if (p === '/redirect/to') {
    const target = url.searchParams.get('url');
    if (!target) return notFound(res);
    return redirect(Number(url.searchParams.get('status') ?? 302), target);
  }

  if (p === '/slow/never-ends') {
    const head = fixture('basic-rss.xml').subarray(0, 200);
    return send(res, { body: head, neverEnd: true, headers: { 'content-type': 'application/rss+xml' } });
  }
  if (p === '/slow/no-headers') return; // leave the request hanging

  if (p === '/huge') return streamHuge(res, HUGE_BYTES, false);
  if (p === '/huge-declared') return streamHuge(res, HUGE_BYTES, true);

  const compressed = /^\/(gzip|deflate|br)\.xml$/.exec(p);
  if (compressed) {
    return send(res, {
      body: fixture('basic-rss.xml'),
      encoding: compressed[1] as 'gzip' | 'deflate' | 'br',
      headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
    });
  }
  if (p === '/gzip-bomb') {
    return gzipBomb().then((bomb) =>
      send(res, {
        body: bomb,
        headers: { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' },
      }),
    );
  }

  if (p === '/charset/windows-1252.xml') {
    return send(res, {
      body: charsetFeed('windows-1252'),
      headers: { 'content-type': 'application/rss+xml; charset=windows-1252' },
    });
  }
  if (p === '/charset/windows-1252-prolog.xml') {
    return send(res, { body: charsetFeed('windows-1252'), headers: { 'content-type': 'text/xml' } });
  }
  if (p === '/charset/iso-8859-1.xml') {
    return send(res, {
      body: iconv.encode(
        fixture('charset-template.xml')
          .toString('utf8')
          .replace('{{ENCODING}}', 'ISO-8859-1')
          // Latin-1 has no curly quotes or dashes: keep the text to what it can carry.
          .replace(/[“”]/g, '"')
          .replace('—', '-'),
        'latin1',
      ),
      headers: { 'content-type': 'application/rss+xml; charset="ISO-8859-1"' },
    });
  }
  if (p === '/charset/utf-16.xml') {
    const text = fixture('charset-template.xml').toString('utf8').replace('{{ENCODING}}', 'UTF-16');
    return send(res, {
      body: Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]),
      headers: { 'content-type': 'text/xml' },
    });
  }
  if (p === '/charset/utf-16be-nobom.xml') {
    const text = fixture('charset-template.xml').toString('utf8').replace('{{ENCODING}}', 'UTF-16');
    return send(res, {
      body: iconv.encode(text, 'utf-16be'),
      headers: { 'content-type': 'application/xml' },
    });
  }

  if (p === '/html-error') {
    return send(res, {
      body: fixture('html-error.html'),
      headers: { 'content-type': 'text/html; charset=utf-8' },
    });
  }
  if (p === '/bare-items.xml' || p === '/truncated.xml') {
    return send(res, { body: fixture(p.slice(1)), headers: { 'content-type': 'application/rss+xml' } });
  }

  const status = /^\/status\/(\d{3})$/.exec(p);
  if (status) {
    const retryAfter = url.searchParams.get('retry-after');
    return send(res, {
      status: Number(status[1]),
      body: `status ${status[1]}\n`,
      headers: { 'content-type': 'text/plain', ...(retryAfter ? { 'retry-after': retryAfter } : {}) },
    });
  }

  return notFound(res);
}

export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, ScriptedResponse | RouteHandler>();
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      host: req.headers.host ?? '',
      headers: req.headers,
    });
    const custom = routes.get(url.pathname);
    const run = async (): Promise<void> => {
      if (typeof custom === 'function') await custom(req, res, url);
      else if (custom) await send(res, custom);
      else await builtin(req, res, url);
    };
    run().catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`feed server error: ${String(err)}\n`);
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    port,
    urlFor: (pathAndQuery, host) =>
      `http://${host ?? '127.0.0.1'}:${port}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`,
    route: (pathname, response) => {
      routes.set(pathname, response);
    },
    requests,
    requestsFor: (pathname) => requests.filter((r) => r.path.split('?')[0] === pathname),
    clearLog: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * An HTTPS server on 127.0.0.1 with a self-signed certificate (a throwaway key made for these tests,
 * in test/fixtures/feeds/tls-test-only-*.pem). Clients that verify certificates must refuse it.
 */
export async function startSelfSignedTlsServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = https.createServer(
    { cert: fixture('tls-test-only-cert.pem'), key: fixture('tls-test-only-key.pem') },
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/rss+xml' });
      res.end(fixture('basic-rss.xml'));
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
