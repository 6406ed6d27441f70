/**
 * A fast, dedicated feed server for the benchmarks: 500 feeds × 50 items (corpus.ts), bodies
 * rendered once and served from memory, gzip when asked for, ETag / Last-Modified with 304.
 *
 * It runs as a child process (`node dist/test/bench/feed-farm.js`, which prints `{"port":…}` on
 * its first stdout line) so that the CPU it spends serving is not counted as the poller's.
 *
 *   GET  /feed/<n>.xml                          the feed (304 when If-None-Match matches)
 *   POST /_control/add?feeds=1,2&seq=7&at=<ms>   one fresh item at the top of each listed feed
 *   GET  /_control/stats                         {"200":…,"304":…} since the last call, then reset
 *
 * Listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BenchItem, FEED_COUNT, feedItem, freshItem, ITEMS_PER_FEED, renderRss } from './corpus.js';

interface FeedState {
  items: BenchItem[];
  version: number;
  etag: string;
  lastModified: string;
  body: Buffer;
  gzip: Buffer;
}

export interface FeedFarm {
  server: Server;
  port: number;
  close(): Promise<void>;
}

function render(feed: number, s: Omit<FeedState, 'etag' | 'body' | 'gzip' | 'lastModified'>): FeedState {
  const body = Buffer.from(renderRss(feed, s.items), 'utf8');
  const newest = s.items.reduce((m, i) => Math.max(m, i.published), 0);
  return {
    ...s,
    etag: `"f${feed}-v${s.version}"`,
    lastModified: new Date(newest).toUTCString(),
    body,
    gzip: gzipSync(body, { level: 6 }),
  };
}

export async function startFeedFarm(feeds = FEED_COUNT): Promise<FeedFarm> {
  const state: FeedState[] = [];
  for (let f = 0; f < feeds; f++) {
    const items = Array.from({ length: ITEMS_PER_FEED }, (_, n) => feedItem(f, n));
    state.push(render(f, { items, version: 1 }));
  }
  const counts: Record<string, number> = {};
  const count = (status: number) => {
    counts[status] = (counts[status] ?? 0) + 1;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const m = /^\/feed\/(\d+)\.xml$/.exec(url);
    if (m && req.method === 'GET') {
      const s = state[Number(m[1])];
      if (!s) {
        count(404);
        res.writeHead(404).end();
        return;
      }
      if (req.headers['if-none-match'] === s.etag) {
        count(304);
        res.writeHead(304, { etag: s.etag, 'last-modified': s.lastModified }).end();
        return;
      }
      count(200);
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = gzip ? s.gzip : s.body;
      res.writeHead(200, {
        'content-type': 'application/rss+xml; charset=utf-8',
        'content-length': body.length,
        etag: s.etag,
        'last-modified': s.lastModified,
        ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : {}),
      });
      res.end(body);
      return;
    }
    const u = new URL(url, 'http://farm');
    if (u.pathname === '/_control/add' && req.method === 'POST') {
      const list = (u.searchParams.get('feeds') ?? '').split(',').filter(Boolean).map(Number);
      const seq = Number(u.searchParams.get('seq') ?? '0');
      const at = Number(u.searchParams.get('at') ?? String(Date.now()));
      for (const f of list) {
        const s = state[f];
        if (!s) continue;
        const items = [...s.items.slice(1), freshItem(f, seq, at)];
        state[f] = render(f, { items, version: s.version + 1 });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ added: list.length }));
      return;
    }
    if (u.pathname === '/_control/stats') {
      const body = JSON.stringify(counts);
      for (const k of Object.keys(counts)) delete counts[k];
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      return;
    }
    res.writeHead(404).end();
  };

  const server = createServer(handle);
  server.keepAliveTimeout = 5000;
  // A cycle opens hundreds of connections in a burst.
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 2048 }, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Child-process entry: start, print the port, stop when the parent goes away.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const farm = await startFeedFarm(Number(process.env.FEED_COUNT ?? FEED_COUNT));
  process.stdout.write(`${JSON.stringify({ port: farm.port })}\n`);
  const stop = () => {
    void farm.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}
