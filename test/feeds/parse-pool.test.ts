/**
 * Feeds parsed in worker threads (the compiled parse-worker.js, built by `npm test`'s pretest) come
 * out exactly as parsed on the main thread, errors included; a parse that overruns its limit is
 * stopped, and the pool goes on.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/config-file.js';
import { NotAFeedError, parseFeedText } from '../../src/feeds/parse.js';
import { defaultParseThreads, WorkerParsePool } from '../../src/feeds/parse-pool.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { loadRoster } from '../../src/roster/load.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { routeSeedFeeds, rss, SEED_ITEMS } from '../helpers/rss.js';

const WORKER = fileURLToPath(new URL('../../dist/src/feeds/parse-worker.js', import.meta.url));
const FEEDS = fileURLToPath(new URL('../fixtures/feeds/', import.meta.url));
const fixtures = [
  ...readdirSync(FEEDS).filter((f) => f.endsWith('.xml')),
  ...readdirSync(path.join(FEEDS, 'real')).map((f) => `real/${f}`),
];
const text = (f: string) => readFileSync(path.join(FEEDS, f), 'utf8');

let pool: WorkerParsePool;
beforeAll(() => {
  if (!existsSync(WORKER)) throw new Error(`${WORKER} is missing: run npm run build (npm test does)`);
  pool = new WorkerParsePool(2, WORKER);
});
afterAll(() => pool.close());

/** The outcome of a parse, as a test compares it: the feed, or the error's kind and message. */
async function outcome(parse: Promise<unknown>) {
  try {
    return { feed: await parse };
  } catch (err) {
    return {
      error: err instanceof NotAFeedError ? 'NotAFeedError' : 'Error',
      message: (err as Error).message,
    };
  }
}

describe('feeds parsed in worker threads', () => {
  it.each(fixtures)('%s: the same items as on the main thread', async (f) => {
    const opts = { baseUrl: 'https://feeds.example/news.xml' };
    const [inThread, inline] = await Promise.all([
      outcome(pool.parse(text(f), opts)),
      outcome(parseFeedText(text(f), opts)),
    ]);
    expect(inThread).toEqual(inline);
  });

  it('a page that is not a feed is a NotAFeedError with the same one-line reason', async () => {
    for (const body of [
      text('html-error.html'),
      text('not-feed.json'),
      '<rss><channel><item><title>cut off',
    ]) {
      const err = await pool.parse(body).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotAFeedError);
      expect((err as NotAFeedError).code).toBe('not-a-feed');
      expect((err as Error).message).toBe(
        await parseFeedText(body).catch((e: unknown) => (e as Error).message),
      );
    }
  });

  it('more feeds than threads: all of them are parsed, each to its own result', async () => {
    const feeds = Array.from({ length: 40 }, (_, i) =>
      rss(`Feed ${i}`, [
        { title: `Headline number ${i}`, description: `Lead ${i}.`, link: `https://x.example/${i}` },
      ]),
    );
    const parsed = await Promise.all(feeds.map((f) => pool.parse(f)));
    expect(parsed.map((p) => p.items[0]?.title)).toEqual(feeds.map((_, i) => `Headline number ${i}`));
  });

  it('a parse that overruns its limit is stopped with a clear reason, and the next feed still parses', async () => {
    const huge = rss(
      'Huge',
      Array.from({ length: 20_000 }, (_, i) => ({
        title: `Item ${i} about the news of the day`,
        description: `<p>Paragraph ${i} with <b>markup</b> and a <a href="https://x.example/${i}">link</a>.</p>`,
        link: `https://x.example/${i}`,
      })),
    );
    await expect(pool.parse(huge, { timeoutMs: 20 })).rejects.toThrow(
      'not a feed: the XML parser did not finish',
    );
    const after = await pool.parse(text('basic-rss.xml'));
    expect(after).toEqual(await parseFeedText(text('basic-rss.xml')));
  });

  it('a closed pool refuses work with a clear error', async () => {
    const other = new WorkerParsePool(1, WORKER);
    expect((await other.parse(text('atom.xml'))).items.length).toBeGreaterThan(0);
    await other.close();
    await expect(other.parse(text('atom.xml'))).rejects.toThrow('the feed parser pool is closed');
  });

  it('one core is left to the main thread, and there is always at least one thread', () => {
    expect([1, 2, 4, 16].map((cores) => defaultParseThreads(cores))).toEqual([1, 1, 3, 4]);
    expect(() => new WorkerParsePool(0, WORKER)).toThrow(RangeError);
  });
});

describe('a poll that parses in worker threads', () => {
  let server: FeedServer;
  beforeAll(async () => {
    server = await startFeedServer();
    routeSeedFeeds(server);
  });
  afterAll(() => server.close());

  it('the five seed articles from five feeds are one story naming five outlets', async () => {
    const store = SqliteStore.open(':memory:');
    const config = {
      ...configSchema.parse({
        feeds: SEED_ITEMS.map(({ outlet }, i) => ({ url: `${server.url}/seed/${i}`, name: outlet })),
        backfillHours: null,
      }),
      file: null,
    };
    const clock = new ManualClock(Date.parse('2026-06-25T12:00:00Z'));
    await store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      '2026-06-25T12:00:00Z',
    );
    const matcher = compileMatcher(loadRoster());
    const report = await pollOnce({ store, matcher, config, clock, parser: pool });
    expect(report).toMatchObject({ fetched: 5, failed: 0, newItems: 5, alerts: 1, updates: 4 });
    const [story] = await store.latestStories(5);
    expect(story?.sources.map((s) => s.outlet).sort()).toEqual(SEED_ITEMS.map((s) => s.outlet).sort());
    await store.close();
  });
});
