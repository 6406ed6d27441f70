/**
 * Shared pieces of the crash test: a seeded random source, and a publisher that serves the corpus
 * (corpus.ts) from the feed server one item at a time, with a way to hold a feed's answer so a
 * kill lands in the middle of a poll.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FeedServer } from '../feed-server.js';
import { rss, type TestItem } from '../helpers/rss.js';
import { CORPUS, type CorpusItem, OUTLETS } from './corpus.js';

/** mulberry32: small, fast, seeded; the same seed gives the same run. */
export function seededRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    shuffle<T>(list: T[]): T[] {
      const out = [...list];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    },
  };
}

export interface SlowAnswer {
  /** Resolves when the feed request has arrived (its answer is then held back). */
  arrived: Promise<void>;
}

/**
 * Serves every outlet's feed from the feed server with the items revealed so far (dated relative to
 * `baseMs`). `hold(path, ms)` delays that feed's next answer so a poll can be caught mid-fetch.
 */
export class Publisher {
  private readonly revealed = new Set<CorpusItem>();
  private readonly slow = new Map<string, { ms: number; arrived: () => void }>();

  constructor(
    private readonly baseMs: number,
    readonly order: CorpusItem[] = CORPUS,
  ) {}

  /** Items published so far, in the order they were published. */
  get published(): CorpusItem[] {
    return this.order.filter((c) => this.revealed.has(c));
  }

  get done(): boolean {
    return this.revealed.size === this.order.length;
  }

  /** The next item to be published. */
  get upcoming(): CorpusItem | undefined {
    return this.order.find((c) => !this.revealed.has(c));
  }

  /** Publish the next `n` items of the order. */
  reveal(n = 1): CorpusItem[] {
    const next = this.order.filter((c) => !this.revealed.has(c)).slice(0, n);
    for (const c of next) this.revealed.add(c);
    return next;
  }

  revealAll(): void {
    for (const c of this.order) this.revealed.add(c);
  }

  itemOf(c: CorpusItem): TestItem {
    return { ...c.item, pubDate: new Date(this.baseMs - c.hoursAgo * 3_600_000).toISOString() };
  }

  body(outlet: string): string {
    const items = this.published
      .filter((c) => c.outlet === outlet)
      .sort((a, b) => a.hoursAgo - b.hoursAgo) // newest first, as feeds list them
      .map((c) => this.itemOf(c));
    return rss(outlet, items);
  }

  /** The next request for `path` is answered only after `ms` (or never, if the client goes first). */
  hold(path: string, ms: number): SlowAnswer {
    let arrived!: () => void;
    const p = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    this.slow.set(path, { ms, arrived });
    return { arrived: p };
  }

  /** Forget a hold whose request never came. */
  unhold(path: string): void {
    this.slow.delete(path);
  }

  install(server: FeedServer): void {
    for (const o of OUTLETS)
      server.route(o.path, async (_req: IncomingMessage, res: ServerResponse) => {
        const slow = this.slow.get(o.path);
        if (slow) {
          this.slow.delete(o.path);
          slow.arrived();
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, slow.ms);
            res.on('close', () => {
              clearTimeout(timer);
              resolve();
            });
          });
          if (res.destroyed) return;
        }
        // The content as it is when the answer goes out.
        const body = Buffer.from(this.body(o.name), 'utf8');
        res.writeHead(200, {
          'content-type': 'application/rss+xml; charset=utf-8',
          'content-length': String(body.length),
        });
        res.end(body);
      });
  }
}

/** Each story's expected outlets and links. */
export function expectedStories(items: CorpusItem[] = CORPUS) {
  const out = new Map<string, { outlets: string[]; links: string[]; titles: string[] }>();
  for (const c of items) {
    const s = out.get(c.story) ?? { outlets: [], links: [], titles: [] };
    s.outlets.push(c.outlet);
    s.links.push(c.item.link ?? '');
    s.titles.push(c.item.title);
    out.set(c.story, s);
  }
  return out;
}
