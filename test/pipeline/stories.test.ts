/**
 * One alert per real-world story, end to end: feeds served over HTTP, the real poll cycle, a SQLite
 * file, and the stories and deliveries a channel would get. The items are our own words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/config-file.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { loadRoster } from '../../src/roster/load.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import { ManualClock } from '../../src/util/clock.js';
import { type FeedServer, startFeedServer } from '../feed-server.js';
import { esc, rss, type TestItem } from '../helpers/rss.js';

const matcher = compileMatcher(loadRoster());
let server: FeedServer;
const tmp = mkdtempSync(path.join(tmpdir(), 'caisi-stories-'));
afterAll(async () => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Five outlets on the Meta/CAISI request, each a headline and one sentence, within eight hours. */
const FIVE: { outlet: string; item: TestItem }[] = [
  {
    outlet: 'Capital Wire',
    item: {
      title: 'US presses Meta to put its AI models through government review',
      description:
        'Commerce officials emailed Meta asking it to join the CAISI pre-release review that its rivals have signed.',
      link: 'https://capitalwire.example/meta-review',
      pubDate: '2026-06-23T13:00:00Z',
    },
  },
  {
    outlet: 'Tech Ledger',
    item: {
      title: 'Washington urges Meta to sign federal AI model review agreement',
      description:
        'Meta is the only major US lab without a CAISI agreement, and officials asked it by email to sign one.',
      link: 'https://techledger.example/meta-caisi',
      pubDate: '2026-06-23T15:30:00Z',
    },
  },
  {
    outlet: 'Policy Daily',
    item: {
      title: 'Meta asked to join CAISI pre-release testing as last holdout',
      description:
        'The Center for AI Standards and Innovation wants to test Meta’s frontier models before they ship.',
      link: 'https://policydaily.example/meta-holdout',
      pubDate: '2026-06-23T17:00:00Z',
    },
  },
  {
    outlet: 'Valley Report',
    item: {
      title: 'Government presses Meta over AI security review of its models',
      description:
        'An email from the administration asked Meta to let federal evaluators review its AI models before release.',
      link: 'https://valleyreport.example/meta-security-review',
      pubDate: '2026-06-23T19:00:00Z',
    },
  },
  {
    outlet: 'Frontier Brief',
    item: {
      title: 'Meta pressed to join CAISI review of frontier AI models',
      description:
        'Officials told Meta it should sign the voluntary CAISI agreement the other five labs already have.',
      link: 'https://frontierbrief.example/meta-pressed',
      pubDate: '2026-06-23T20:30:00Z',
    },
  },
];

/** A different Meta story the same week. */
const OTHER: { outlet: string; item: TestItem } = {
  outlet: 'Capital Wire',
  item: {
    title: 'FTC opens inquiry into Meta AI chatbot ads aimed at teenagers',
    description:
      'The Federal Trade Commission asked Meta for records on how its AI assistant shows ads to users under 18.',
    link: 'https://capitalwire.example/ftc-meta',
    pubDate: '2026-06-24T10:00:00Z',
  },
};

/**
 * A Google News search feed: headline " - Publisher", the article token as guid and link, <source>;
 * an item with `related` coverage has Google's list of it (its own headline first) as description.
 */
function googleNews(
  query: string,
  items: { outlet: string; item: TestItem; token: string; related?: { title: string; outlet: string }[] }[],
): string {
  const body = items
    .map(({ outlet, item, token, related }) => {
      const link = `https://news.google.com/rss/articles/${token}?oc=5`;
      const entry = (title: string, by: string, href: string) =>
        `<a href="${href}" target="_blank">${esc(title)}</a>&nbsp;&nbsp;<font color="#6f6f6f">${esc(by)}</font>`;
      const description = related
        ? `<ol>${[{ title: item.title as string, outlet }, ...related]
            .map(
              (r, k) =>
                `<li>${entry(r.title, r.outlet, `https://news.google.com/rss/articles/${token}r${k}?oc=5`)}</li>`,
            )
            .join('')}</ol>`
        : entry(item.title as string, outlet, link);
      return `<item><title>${esc(`${item.title} - ${outlet}`)}</title><link>${link}</link><guid isPermaLink="false">${token}</guid><pubDate>${new Date(item.pubDate as string).toUTCString()}</pubDate><description>${esc(description)}</description><source url="https://${outlet.toLowerCase().replace(/\W+/g, '')}.example">${esc(outlet)}</source></item>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>"${esc(query)}" - Google News</title><link>https://news.google.com/search?q=${encodeURIComponent(query)}</link>${body}</channel></rss>`;
}

const RSS = { 'content-type': 'application/rss+xml' };

beforeAll(async () => {
  server = await startFeedServer();
  FIVE.forEach(({ outlet, item }, i) => {
    server.route(`/outlet/${i}`, { headers: RSS, body: rss(outlet, [item]) });
  });
  server.route('/outlet/other', { headers: RSS, body: rss(OTHER.outlet, [OTHER.item]) });
  const token = (i: number) => `CBMiTOKEN${i}meta0gEA`;
  const all = FIVE.map((f, i) => ({ ...f, token: token(i) }));
  // Two searches: the first finds three of the articles, the second four, two of them in both.
  server.route('/gnews/meta', { headers: RSS, body: googleNews('Meta AI review', all.slice(0, 3)) });
  server.route('/gnews/caisi', { headers: RSS, body: googleNews('CAISI', all.slice(1)) });
  server.route('/gnews/other', {
    headers: RSS,
    body: googleNews('Meta FTC', [{ ...OTHER, token: 'CBMiOTHERftc0gEA' }]),
  });
  // Reworded coverage of one event that shares no telling word: Google lists the second article
  // as related coverage of the first.
  const commerceAsks = {
    outlet: 'Capitol Ledger',
    item: {
      title: 'Commerce asks Meta to open its Llama successor to CAISI testing',
      description: '',
      link: 'https://capitolledger.example/x',
      pubDate: '2026-06-23T15:00:00Z',
    },
    token: 'CBMiASKSmeta0gEA',
  };
  const holdout = {
    outlet: 'Harbor Post',
    item: {
      title: 'Zuckerberg’s AI lab is Washington’s last holdout on model reviews',
      description: '',
      link: 'https://harborpost.example/x',
      // The day before: its own words would not carry it so far (hours apart, they would).
      pubDate: '2026-06-22T09:00:00Z',
    },
    token: 'CBMiHOLDOUTmeta0gEA',
  };
  const related = [
    { title: commerceAsks.item.title, outlet: commerceAsks.outlet },
    { title: 'Meta weighs federal request on frontier model reviews', outlet: 'Valley Report' },
  ];
  server.route('/gnews/zuckerberg', {
    headers: RSS,
    body: googleNews('Zuckerberg Washington', [{ ...holdout, related }]),
  });
  server.route('/gnews/llama', { headers: RSS, body: googleNews('Llama CAISI', [commerceAsks]) });
  server.route('/gnews/llama-alone', { headers: RSS, body: googleNews('Zuckerberg Washington', [holdout]) });
  server.route('/whitehouse', {
    headers: RSS,
    body: rss('The White House', [
      {
        title:
          'Designating the Center for AI Standards and Innovation to Lead Federal Evaluation of Frontier AI Models',
        description:
          'By the authority vested in me as President, it is hereby ordered that the Center lead the evaluations.',
        link: 'https://www.whitehouse.example/presidential-actions/2026/07/designating-caisi/',
        guid: 'https://www.whitehouse.example/?p=9101',
        pubDate: '2026-07-02T20:00:00Z',
      },
    ]),
  });
  server.route('/federal-register', {
    headers: RSS,
    body: rss('Federal Register Documents matching executive orders', [
      {
        title:
          'Executive Order 14413 of July 2, 2026: Designating the Center for AI Standards and Innovation To Lead Federal Evaluation of Frontier Artificial Intelligence Models',
        description: '',
        link: 'https://www.federalregister.example/documents/2026/07/08/2026-14413/designating-caisi',
        guid: 'https://www.federalregister.example/documents/2026/07/08/2026-14413/designating-caisi',
        pubDate: '2026-07-08T04:00:00Z',
      },
    ]),
  });
});

/** Google's model cleared (Capital Wire), then a reworded report two hours later, from two outlets. */
const CLEARED: TestItem = {
  title: 'Commerce clears Google Gemini 4 after pre-release testing',
  description: '',
  link: 'https://capitalwire.example/gemini-cleared',
  pubDate: '2026-08-11T10:00:00Z',
};
const FINISHED = (site: string): TestItem => ({
  title: 'US testers finish pre-release review of Google model',
  description: '',
  link: `https://${site}.example/gemini-review`,
  pubDate: '2026-08-11T12:00:00Z',
});

/** Commerce announces Meta's agreement (no lab is its subject, so it proposes no roster change)… */
const AGENCY_SIGNING: TestItem = {
  title: 'Secretary Lutnick Announces Agreement with Meta on Pre-Release Testing of Frontier AI Models',
  description:
    'Under the agreement, the Center for AI Standards and Innovation will evaluate Meta’s frontier models before they are released.',
  link: 'https://commerce.example/news/meta-agreement',
  pubDate: '2026-06-30T15:00:00Z',
};
/** …and, twenty minutes later, a wire's "Meta signs…", which reads as the roster change. */
const WIRE_SIGNING: TestItem = {
  title: 'Meta signs deal letting US government test its AI models before release',
  description:
    'Meta agreed to let the Commerce Department’s CAISI review its models before public release, ending months as the last holdout.',
  link: 'https://capitalwire.example/meta-signs',
  pubDate: '2026-06-30T15:20:00Z',
};

async function setup(paths: string[], at: string) {
  const store = SqliteStore.open(path.join(tmp, `${paths.join('+').replace(/\W+/g, '_')}-${at}.db`));
  const config = {
    ...configSchema.parse({ feeds: paths.map((p) => ({ url: `${server.url}${p}` })), backfillHours: null }),
    file: null,
  };
  await store.syncConfigFeeds(
    config.feeds.map((f) => f.url),
    '2026-06-01T00:00:00Z',
  );
  const clock = new ManualClock(Date.parse(at));
  return {
    store,
    config,
    clock,
    poll: () => pollOnce({ store, matcher, config, clock, alertChannel: 'C1' }),
  };
}

/** Every feed is due again, so the next poll fetches what each lists by then. */
async function makeFeedsDue(store: Store, at: string): Promise<void> {
  for (const f of await store.listFeeds())
    await store.recordFetchSuccess(f.id, { now: f.lastFetchAt ?? at, nextFetchAt: null });
}

const alertsOf = async (store: Store, storyId: number) =>
  (await store.deliveriesForStory(storyId)).filter((d) => d.kind === 'alert');

describe('one alert per real-world story', () => {
  it('five outlets’ own feeds: one alert naming the five publishers; a different Meta story stays apart', async () => {
    const { store, poll } = await setup(
      [...FIVE.map((_, i) => `/outlet/${i}`), '/outlet/other'],
      '2026-06-24T12:00:00Z',
    );
    await poll();
    const stories = await store.latestStories(10);
    expect(stories).toHaveLength(2);
    const meta = stories.find((s) => s.programs.includes('caisi'));
    expect(meta?.sources.map((s) => s.outlet).sort()).toEqual(FIVE.map((f) => f.outlet).sort());
    expect(await alertsOf(store, meta?.id ?? 0)).toHaveLength(1);
    const other = stories.find((s) => s !== meta);
    expect(other?.title).toBe(OTHER.item.title);
    await store.close();
  });

  it('the same story polled as it breaks, hour by hour: still one alert, later outlets as updates', async () => {
    const { store, clock, poll } = await setup(
      FIVE.map((_, i) => `/outlet/${i}`),
      '2026-06-23T13:30:00Z',
    );
    for (const hour of [
      '2026-06-23T13:30:00Z',
      '2026-06-23T16:00:00Z',
      '2026-06-23T17:30:00Z',
      '2026-06-23T21:00:00Z',
    ]) {
      clock.set(hour);
      // Every feed is due again: each poll sees what was published by then.
      await makeFeedsDue(store, hour);
      await poll();
    }
    const stories = await store.latestStories(10);
    expect(stories).toHaveLength(1);
    expect(stories[0]?.sources).toHaveLength(5);
    expect(await alertsOf(store, stories[0]?.id ?? 0)).toHaveLength(1);
    await store.close();
  });

  it('an outlet’s next piece, a poll later, needs more to join its story than another outlet’s', async () => {
    for (const [next, joins] of [
      ['Tech Ledger', true],
      ['Capital Wire', false],
    ] as const) {
      const key = next.replace(/\W+/g, '-').toLowerCase();
      const first = `/gemini/${key}/capital-wire`;
      const second = `/gemini/${key}/next`;
      server.route(first, { headers: RSS, body: rss('Capital Wire', [CLEARED]) });
      server.route(second, { headers: RSS, body: rss(next, []) });
      const { store, clock, poll } = await setup([first, second], '2026-08-11T10:30:00Z');
      await poll();
      expect(await store.latestStories(10)).toHaveLength(1);
      // Two hours on, the reworded report: from another outlet, or Capital Wire's own next piece.
      server.route(next === 'Capital Wire' ? first : second, {
        headers: RSS,
        body: rss(next, [FINISHED(key), ...(next === 'Capital Wire' ? [CLEARED] : [])]),
      });
      clock.set('2026-08-11T12:30:00Z');
      await makeFeedsDue(store, '2026-08-11T10:30:00Z');
      await poll();
      expect((await store.latestStories(10)).map((s) => s.sources.length).sort()).toEqual(
        joins ? [2] : [1, 1],
      );
      await store.close();
    }
  });

  it('two Google News searches: one alert naming the five publishers, an article in both searches listed once, no edit for it', async () => {
    const { store, poll } = await setup(
      ['/gnews/meta', '/gnews/caisi', '/gnews/other'],
      '2026-06-24T12:00:00Z',
    );
    const report = await poll();
    const stories = await store.latestStories(10);
    expect(stories).toHaveLength(2);
    const meta = stories.find((s) => s.labs.includes('meta') && s.title !== OTHER.item.title);
    const outlets = meta?.sources.map((s) => s.outlet) ?? [];
    expect([...outlets].sort()).toEqual(FIVE.map((f) => f.outlet).sort());
    // Publisher names, clean headlines: no feed name, no " - Publisher" suffix.
    expect(outlets.some((o) => /google|search/i.test(o))).toBe(false);
    expect(meta?.sources.every((s) => !/ - /.test(s.title))).toBe(true);
    expect(await alertsOf(store, meta?.id ?? 0)).toHaveLength(1);
    // The two articles both searches returned are one source each, and trigger no update.
    expect(report.events.filter((e) => e.story.id === meta?.id)).toHaveLength(5);
    await store.close();
  });

  it('Google News’s related coverage joins reworded headlines that share no telling word', async () => {
    const grouped = await setup(['/gnews/zuckerberg', '/gnews/llama'], '2026-06-24T12:00:00Z');
    await grouped.poll();
    const stories = await grouped.store.latestStories(10);
    expect(stories).toHaveLength(1);
    expect(stories[0]?.sources.map((s) => s.outlet).sort()).toEqual(['Capitol Ledger', 'Harbor Post']);
    expect(await alertsOf(grouped.store, stories[0]?.id ?? 0)).toHaveLength(1);
    await grouped.store.close();
    // The same two headlines without Google's list: two stories (the words alone do not join them
    // thirty hours apart).
    const apart = await setup(['/gnews/llama-alone', '/gnews/llama'], '2026-06-24T12:00:00Z');
    await apart.poll();
    expect(await apart.store.latestStories(10)).toHaveLength(2);
    await apart.store.close();
  });

  it('an article seen again through a second search in a later poll is not a new source and sends no edit', async () => {
    const { store, clock, poll } = await setup(['/gnews/meta'], '2026-06-24T12:00:00Z');
    await poll();
    const before = await store.latestStories(10);
    // The alert has gone out.
    for (const a of await alertsOf(store, before[0]?.id ?? 0))
      await store.markSent(a.id, '1719000000.000100', '2026-06-24T12:01:00Z');
    // The second search is added later and lists two articles the first already had.
    await store.syncConfigFeeds(
      [`${server.url}/gnews/meta`, `${server.url}/gnews/caisi`],
      '2026-06-24T12:30:00Z',
    );
    clock.set('2026-06-24T13:00:00Z');
    await makeFeedsDue(store, '2026-06-24T13:00:00Z');
    await poll();
    const after = await store.latestStories(10);
    expect(after).toHaveLength(before.length);
    const story = after[0];
    expect(story?.sources.map((s) => s.outlet).sort()).toEqual(FIVE.map((f) => f.outlet).sort());
    const updates = (await store.deliveriesForStory(story?.id ?? 0)).filter((d) => d.kind === 'update');
    // Only the two articles the first search did not have are updates.
    expect(updates).toHaveLength(2);
    await store.close();
  });

  it('a signing the agency announces first, then a wire’s “Meta signs…”: one alert with the proposal; the request before it stays apart', async () => {
    server.route('/signing/commerce', {
      headers: RSS,
      body: rss('U.S. Department of Commerce', [AGENCY_SIGNING]),
    });
    server.route('/signing/wire', { headers: RSS, body: rss('Capital Wire', [FIVE[2]?.item as TestItem]) });
    const { store, clock, poll } = await setup(
      ['/signing/commerce', '/signing/wire'],
      '2026-06-30T15:30:00Z',
    );
    await poll();
    // The agency's release has gone out as an alert when the wire's piece comes in.
    server.route('/signing/wire', {
      headers: RSS,
      body: rss('Capital Wire', [FIVE[2]?.item as TestItem, WIRE_SIGNING]),
    });
    clock.set('2026-06-30T16:30:00Z');
    await makeFeedsDue(store, '2026-06-30T15:30:00Z');
    await poll();
    const stories = await store.latestStories(10);
    expect(stories).toHaveLength(2);
    const signing = stories.find((s) => s.sources.some((x) => x.title === AGENCY_SIGNING.title));
    expect(signing?.sources.map((x) => x.title).sort()).toEqual(
      [AGENCY_SIGNING.title, WIRE_SIGNING.title].sort(),
    );
    expect(await alertsOf(store, signing?.id ?? 0)).toHaveLength(1);
    const proposals = await store.proposalsForStory(signing?.id ?? 0);
    expect(proposals.map((p) => [p.lab, p.program, p.status])).toEqual([['meta', 'caisi', 'signed']]);
    await store.close();
  });

  it('an executive order from the White House and, days later, the Federal Register: one story with both sources', async () => {
    const { store, clock, poll } = await setup(['/whitehouse'], '2026-07-03T00:00:00Z');
    await poll();
    await store.syncConfigFeeds(
      [`${server.url}/whitehouse`, `${server.url}/federal-register`],
      '2026-07-08T05:00:00Z',
    );
    clock.set('2026-07-08T06:00:00Z');
    await poll();
    const stories = await store.latestStories(10);
    expect(stories).toHaveLength(1);
    expect(stories[0]?.sources).toHaveLength(2);
    expect(await alertsOf(store, stories[0]?.id ?? 0)).toHaveLength(1);
    await store.close();
  });
});
