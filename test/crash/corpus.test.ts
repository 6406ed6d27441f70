/**
 * The crash test's news, checked in-process first: every item alerts, and whatever order the items
 * are published in (one or two per poll), each story's items cluster into one story and distinct
 * stories stay apart. If this fails, the crash test's findings would be about the corpus, not crashes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, configSchema } from '../../src/config/config-file.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { loadRoster } from '../../src/roster/load.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { CORPUS, OUTLETS, STORIES } from './corpus.js';
import { expectedStories, Publisher, seededRandom } from './support.js';

const matcher = compileMatcher(loadRoster());
let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());

describe('crash-test corpus', () => {
  it('has 4–6 stories of 2–4 outlets each, about different labs', async () => {
    expect(STORIES.length).toBeGreaterThanOrEqual(4);
    expect(STORIES.length).toBeLessThanOrEqual(6);
    for (const s of expectedStories().values()) {
      expect(s.outlets.length).toBeGreaterThanOrEqual(2);
      expect(s.outlets.length).toBeLessThanOrEqual(4);
      expect(new Set(s.outlets).size).toBe(s.outlets.length);
    }
    for (const c of CORPUS) {
      const m = matcher.match({ title: c.item.title, summary: c.item.description });
      expect(m.alert, c.item.title).toBe(true);
    }
  });

  // 14409: the crash test's own order.
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 14409]) {
    it(`clusters into one story per story, whatever the order (seed ${seed})`, async () => {
      const rnd = seededRandom(seed);
      const base = Date.now();
      const clock = new ManualClock(base);
      const pub = new Publisher(base, rnd.shuffle(CORPUS));
      pub.install(server);
      const config: Config = {
        ...configSchema.parse({
          feeds: OUTLETS.map((o) => ({ url: server.urlFor(o.path) })),
        }),
        pollSeconds: 1, // as CAISI_POLL_SECONDS=1 in the crash test
        file: null,
      };
      const store = SqliteStore.open(':memory:');
      await store.syncConfigFeeds(
        config.feeds.map((f) => f.url),
        new Date(base).toISOString(),
      );
      while (!pub.done) {
        pub.reveal(rnd.int(1, 2));
        await pollOnce({ store, matcher, config, clock, alertChannel: 'C1' });
        clock.advance(1000);
      }
      const stories = await store.latestStories(50);
      const expected = expectedStories();
      expect(stories).toHaveLength(expected.size);
      for (const [name, e] of expected) {
        const found = stories.filter((s) => s.sources.some((x) => e.links.includes(x.link ?? '')));
        expect(found, name).toHaveLength(1);
        expect(found[0]?.sources.map((x) => x.outlet).sort(), name).toEqual([...e.outlets].sort());
        const alerts = (await store.deliveriesForStory(found[0]?.id ?? 0)).filter((d) => d.kind === 'alert');
        expect(alerts).toHaveLength(1);
      }
      await store.close();
    });
  }
});
