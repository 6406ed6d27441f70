import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, configSchema } from '../../src/config/config-file.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { loadRoster } from '../../src/roster/load.js';
import { ManualClock } from '../../src/util/clock.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { BACKENDS } from '../helpers/backends.js';
import { OTHER_META_STORY, routeSeedFeeds, rss, SEED_ITEMS } from '../helpers/rss.js';

const roster = loadRoster();
const matcher = compileMatcher(roster);
let server: FeedServer;

const configFor = (urls: { url: string; name?: string }[], extra: Partial<Config> = {}): Config => ({
  ...configSchema.parse({ feeds: urls, backfillHours: null }),
  file: null,
  ...extra,
});

beforeAll(async () => {
  server = await startFeedServer();
  routeSeedFeeds(server);
  server.route('/wire', {
    headers: { 'content-type': 'application/rss+xml' },
    body: rss('Wire', [OTHER_META_STORY]),
  });
});
afterAll(() => server.close());

const seedFeeds = () => [
  ...SEED_ITEMS.map(({ outlet }, i) => ({ url: `${server.url}/seed/${i}`, name: outlet })),
  { url: `${server.url}/wire`, name: 'Wire' },
];

describe.each(BACKENDS)('poll cycle ($name): clustering and dedupe', (backend) => {
  it('the five seed articles in five feeds become one story naming five outlets; another Meta story that week stays separate', async () => {
    const store = await backend.open();
    const clock = new ManualClock(Date.parse('2026-06-25T12:00:00Z'));
    const config = configFor(seedFeeds());
    await store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      '2026-06-25T12:00:00Z',
    );
    const report = await pollOnce({ store, matcher, config, clock, alertChannel: 'C1' });
    expect(report.failed).toBe(0);
    const stories = await store.latestStories(10);
    expect(stories).toHaveLength(2);
    const caisi = stories.find((s) => s.programs.includes('caisi'));
    expect(caisi?.labs).toContain('meta');
    expect(caisi?.sources.map((s) => s.outlet).sort()).toEqual(SEED_ITEMS.map((s) => s.outlet).sort());
    const other = stories.find((s) => s !== caisi);
    expect(other?.title).toBe(OTHER_META_STORY.title);
    expect(other?.sources).toHaveLength(1);
    // One alert per story for the alert channel, not one per outlet.
    const alerts = [
      ...(await store.deliveriesForStory(caisi?.id ?? 0)),
      ...(await store.deliveriesForStory(other?.id ?? 0)),
    ].filter((d) => d.kind === 'alert');
    expect(alerts).toHaveLength(2);
    await store.close();
  });

  it('restarting on the same store never alerts an item twice', async () => {
    const reopen = await backend.place();
    const clock = new ManualClock(Date.parse('2026-06-25T12:00:00Z'));
    const config = configFor(seedFeeds());
    let store = await reopen();
    await store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      '2026-06-25T12:00:00Z',
    );
    const first = await pollOnce({ store, matcher, config, clock, alertChannel: 'C1' });
    expect(first.alerts).toBe(2);
    await store.close();
    store = await reopen();
    clock.advance(3600_000);
    const second = await pollOnce({ store, matcher, config, clock, alertChannel: 'C1' });
    expect(second.newItems).toBe(0);
    expect(second.events).toHaveLength(0);
    expect(await store.dueDeliveries('9999')).toHaveLength(2);
    await store.close();
  });

  it('a new feed alerts only items from the backfill window on its first poll; the rest are recorded as seen', async () => {
    const store = await backend.open();
    const clock = new ManualClock(Date.parse('2026-06-24T18:00:00Z'));
    const config = configFor(seedFeeds(), { backfillHours: 24 });
    await store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      '2026-06-24T18:00:00Z',
    );
    const report = await pollOnce({ store, matcher, config, clock });
    // The Times item (2026-06-23 14:00) is older than 24 h; the wire item is dated in the future.
    const titles = (await store.latestStories(10)).flatMap((s) => s.sources.map((x) => x.title));
    expect(titles).not.toContain(SEED_ITEMS[0]?.item.title);
    expect(titles).toContain(SEED_ITEMS[4]?.item.title);
    expect(report.newItems).toBe(6);
    await store.close();
  });

  it('sends the stored validators and does not parse a 304; one bad feed does not stop the others', async () => {
    let hits = 0;
    server.route('/conditional', (req: IncomingMessage, res: ServerResponse) => {
      hits++;
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' });
      res.end(rss('Conditional', [SEED_ITEMS[0]?.item ?? { title: '', description: '' }]));
    });
    server.route('/broken', {
      headers: { 'content-type': 'text/html' },
      body: '<html><body>Error 500</body></html>',
    });
    const store = await backend.open();
    const clock = new ManualClock(Date.parse('2026-06-25T12:00:00Z'));
    const config = configFor([{ url: `${server.url}/conditional` }, { url: `${server.url}/broken` }]);
    await store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      '2026-06-25T12:00:00Z',
    );
    const first = await pollOnce({ store, matcher, config, clock });
    expect(first).toMatchObject({ fetched: 1, failed: 1, alerts: 1 });
    const broken = (await store.listFeeds()).find((f) => f.url.endsWith('/broken'));
    expect(broken?.lastErrorCode).toMatch(/not a feed/);
    expect(broken?.consecutiveErrors).toBe(1);
    clock.advance(config.pollSeconds * 1000 * 10);
    const second = await pollOnce({ store, matcher, config, clock });
    expect(second.notModified).toBe(1);
    expect(hits).toBe(2);
    expect(server.requestsFor('/conditional')[1]?.headers['if-none-match']).toBe('"v1"');
    await store.close();
  });

  it('a feed is not fetched again before its TTL allows', async () => {
    server.route('/ttl', {
      headers: { 'content-type': 'application/rss+xml' },
      body: rss('TTL', [], '<ttl>60</ttl>'),
    });
    const store = await backend.open();
    const clock = new ManualClock(Date.parse('2026-06-25T12:00:00Z'));
    const config = configFor([{ url: `${server.url}/ttl` }]);
    await store.syncConfigFeeds([`${server.url}/ttl`], '2026-06-25T12:00:00Z');
    await pollOnce({ store, matcher, config, clock });
    clock.advance(30 * 60_000);
    expect((await pollOnce({ store, matcher, config, clock })).feeds).toBe(0);
    clock.advance(31 * 60_000);
    expect((await pollOnce({ store, matcher, config, clock })).feeds).toBe(1);
    await store.close();
  });

  it('a story is tagged with what its headline and lead are about, not with background in later sentences', async () => {
    server.route('/background', {
      headers: { 'content-type': 'application/rss+xml' },
      body: rss('Background', [
        {
          title: 'U.S. presses Meta to join the voluntary AI review',
          description:
            'Officials asked Meta to let the Center for AI Standards and Innovation test its models. Meta says it hopes to sign soon. ' +
            'The request follows the June 12 directive that made Anthropic switch off Fable 5.',
          guid: 'bg-1',
          pubDate: '2026-06-24T10:00:00Z',
        },
      ]),
    });
    const store = await backend.open();
    const clock = new ManualClock(Date.parse('2026-06-25T12:00:00Z'));
    const config = configFor([{ url: `${server.url}/background` }]);
    await store.syncConfigFeeds([`${server.url}/background`], '2026-06-25T12:00:00Z');
    await pollOnce({ store, matcher, config, clock });
    const [story] = await store.latestStories(5);
    expect(story?.labs).toEqual(['meta']);
    expect(story?.programs).toEqual(['caisi']);
    await store.close();
  });
});
