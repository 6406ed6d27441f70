/**
 * Replays a labelled story corpus through the real poll cycle (feeds on disk → parse → match →
 * cluster → SQLite store) and reads back which story each item landed in. Used by the evaluation
 * script (test/eval-stories.ts) and by the regression floor in the suite, so both measure what a
 * channel would see, not a model of it.
 *
 * Two modes:
 * - `busy`: every item's date is squeezed into one 72-hour window (order kept) and the whole corpus
 *   arrives in one poll, so only content can tell stories apart.
 * - `realistic`: the corpus's own dates; the bot polls once an hour, each outlet's feed listing what
 *   it published in the last three days.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClusterAssignment } from '../../src/cluster/evaluate.js';
import { configSchema } from '../../src/config/config-file.js';
import type { Matcher } from '../../src/match/matcher.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { esc } from './rss.js';

export interface StoryItem {
  id: string;
  story: string;
  outlet: string;
  title: string;
  summary: string;
  published: string;
  tags: string[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * JSON lines → items. Lenient about field names so that a corpus labelled elsewhere can be scored
 * as it is: story|cluster|event, summary|description, published|date|pubDate, outlet|source|publisher.
 */
export function parseStoryItems(jsonl: string, file = 'corpus'): StoryItem[] {
  const out: StoryItem[] = [];
  jsonl.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${i + 1}: not JSON`);
    }
    const story =
      text(o.story) ?? text(o.cluster) ?? text(o.event) ?? (o.story != null ? String(o.story) : undefined);
    const title = text(o.title);
    const published = text(o.published) ?? text(o.date) ?? text(o.pubDate);
    if (!story || !title || !published || !Number.isFinite(Date.parse(published)))
      throw new Error(`${file}:${i + 1}: needs story, title and a published date`);
    out.push({
      id: text(o.id) ?? `${file}-${i + 1}`,
      story,
      outlet: text(o.outlet) ?? text(o.source) ?? text(o.publisher) ?? 'Unknown outlet',
      title,
      summary: text(o.summary) ?? text(o.description) ?? '',
      published: new Date(Date.parse(published)).toISOString(),
      tags: Array.isArray(o.tags) ? o.tags.filter((t): t is string => typeof t === 'string') : [],
    });
  });
  return out;
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'outlet';

function feedXml(outlet: string, items: StoryItem[]): string {
  const body = items
    .map((i) => {
      // A headline that ends with " - Outlet" came through an aggregator: say so the way they do.
      const viaAggregator = /\s[-|–—]\s[^-|–—]+$/.test(i.title) && i.title.endsWith(outlet);
      return `<item><title>${esc(i.title)}</title><link>https://news.example/${slug(outlet)}/${encodeURIComponent(i.id)}</link><guid isPermaLink="false">${esc(i.id)}</guid><pubDate>${new Date(i.published).toUTCString()}</pubDate><description>${esc(i.summary)}</description>${viaAggregator ? `<source url="https://${slug(outlet)}.example">${esc(outlet)}</source>` : ''}</item>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>${esc(outlet)}</title><link>https://${slug(outlet)}.example/</link>\n${body}\n</channel></rss>\n`;
}

export interface ReplayResult {
  assignments: ClusterAssignment[];
  /** Items that did not alert (so were never clustered), by id. */
  notAlerting: string[];
}

const HOUR = 3_600_000;

export async function replayStories(
  corpus: readonly StoryItem[],
  opts: { mode: 'busy' | 'realistic'; matcher: Matcher; pollHours?: number },
): Promise<ReplayResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'caisi-replay-'));
  try {
    const times = corpus.map((i) => Date.parse(i.published));
    const min = Math.min(...times);
    const max = Math.max(...times);
    const items =
      opts.mode === 'busy'
        ? corpus.map((i, k) => ({
            ...i,
            published: new Date(
              min + ((times[k] as number) - min) * (max > min ? (71 * HOUR) / (max - min) : 0),
            ).toISOString(),
          }))
        : [...corpus];
    const outlets = [...new Set(items.map((i) => i.outlet))].sort();
    mkdirSync(path.join(dir, 'feeds'));
    const fileOf = new Map(outlets.map((o, k) => [o, path.join(dir, 'feeds', `${k}-${slug(o)}.xml`)]));
    const urlOf = new Map(outlets.map((o) => [o, pathToFileURL(fileOf.get(o) as string).href]));
    const config = {
      ...configSchema.parse({
        feeds: outlets.map((o) => ({ url: urlOf.get(o), name: o })),
        backfillHours: null,
      }),
      file: null,
    };
    const store = SqliteStore.open(path.join(dir, 'replay.db'));
    const at = (ms: number) => new Date(ms).toISOString();
    const lastMs = Math.max(...items.map((i) => Date.parse(i.published)));
    const clock = new ManualClock(lastMs);
    await store.syncConfigFeeds(
      outlets.map((o) => urlOf.get(o) as string),
      at(Math.min(...items.map((i) => Date.parse(i.published))) - HOUR),
    );
    const writeFeeds = (nowMs: number) => {
      for (const o of outlets) {
        const listed = items.filter(
          (i) =>
            i.outlet === o && Date.parse(i.published) <= nowMs && Date.parse(i.published) > nowMs - 72 * HOUR,
        );
        writeFileSync(fileOf.get(o) as string, feedXml(o, listed));
      }
    };
    if (opts.mode === 'busy') {
      writeFeeds(lastMs);
      await pollOnce({ store, matcher: opts.matcher, config, clock });
    } else {
      const step = (opts.pollHours ?? 1) * HOUR;
      const cycles = [...new Set(items.map((i) => Math.ceil(Date.parse(i.published) / step) * step))].sort(
        (a, b) => a - b,
      );
      for (const t of cycles) {
        clock.set(t);
        writeFeeds(t);
        await pollOnce({ store, matcher: opts.matcher, config, clock });
      }
    }
    const feedOf = new Map((await store.listFeeds()).map((f) => [f.url, f.id]));
    const storyOf = new Map<string, number>();
    for (const s of await store.storiesSince('0000'))
      for (const src of s.sources) storyOf.set(`${src.feedId}\u0000${src.itemId}`, s.id);
    await store.close();
    const assignments: ClusterAssignment[] = [];
    const notAlerting: string[] = [];
    for (const i of items) {
      const story = storyOf.get(`${feedOf.get(urlOf.get(i.outlet) as string)}\u0000${i.id}`);
      if (story === undefined) notAlerting.push(i.id);
      else assignments.push({ id: i.id, gold: i.story, predicted: String(story) });
    }
    return { assignments, notAlerting };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
