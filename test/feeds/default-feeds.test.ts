/**
 * The default feeds (seeds/config.real.yaml), each served from a fixture in its real format
 * (test/fixtures/feeds/real/), polled with the real pipeline into a SQLite file, and read back as
 * the alerts a channel would get: who published each source, its headline, the summary, the link.
 * These assert attribution only; how items group into stories is the clustering tests' business.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, realConfigPath } from '../../src/config/config-file.js';
import { compileMatcher } from '../../src/match/matcher.js';
import { pollOnce } from '../../src/pipeline/poll.js';
import { renderAlertText } from '../../src/render/alert.js';
import { loadRoster } from '../../src/roster/load.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';
import type { StoryRow } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { type FeedServer, fixture, startFeedServer } from '../feed-server.js';

/** Each default feed's fixture, by the feed's name in seeds/config.real.yaml. */
const FIXTURES: Record<string, string> = {
  'NIST News': 'nist-news.xml',
  'Federal Register': 'federal-register-ai.xml',
  'Federal Register (executive orders)': 'federal-register-eo.xml',
  'Bureau of Industry and Security': 'federal-register-bis.xml',
  'The White House': 'whitehouse-presidential-actions.xml',
  'News search (CAISI)': 'google-news-caisi.xml',
  'News search (EO 14409)': 'google-news-eo-14409.xml',
  'News search (Meta)': 'google-news-meta.xml',
  'News search (OpenAI)': 'google-news-openai.xml',
  'News search (Anthropic)': 'google-news-anthropic.xml',
  'News search (Google DeepMind)': 'google-news-google-deepmind.xml',
  'News search (Microsoft)': 'google-news-microsoft.xml',
  'News search (xAI)': 'google-news-xai.xml',
};

/** The publishers named in the Google News fixtures' <source> elements. */
const PUBLISHERS = [
  'The New York Times',
  'Pondero Newsdesk',
  'Capitol Ledger',
  'Frontier Policy Review',
  'Tech Briefing Daily',
  'Redmond Report',
  'Euro Tech Wire',
];

const realConfig = loadConfig(realConfigPath());
const roster = loadRoster();
let server: FeedServer;
let dir: string;
let store: Store;
let stories: StoryRow[];
let alerts: string;
let failed: number;

beforeAll(async () => {
  server = await startFeedServer();
  const feeds = realConfig.feeds.map((f) => {
    const file = FIXTURES[f.name ?? ''];
    if (!file) throw new Error(`no fixture for default feed "${f.name}" (${f.url})`);
    const route = `/real/${file}`;
    server.route(route, {
      body: fixture(`real/${file}`),
      headers: { 'content-type': 'application/rss+xml; charset=UTF-8' },
    });
    return { ...f, url: server.urlFor(route) };
  });
  dir = mkdtempSync(path.join(tmpdir(), 'caisi-default-feeds-'));
  store = SqliteStore.open(path.join(dir, 'caisi.db'));
  const now = Date.parse('2026-06-24T18:00:00Z');
  const config = { ...realConfig, feeds, backfillHours: null };
  await store.syncConfigFeeds(
    feeds.map((f) => f.url),
    new Date(now).toISOString(),
  );
  const report = await pollOnce({
    store,
    matcher: compileMatcher(roster),
    config,
    clock: new ManualClock(now),
    alertChannel: 'C0ALERTS',
  });
  failed = report.failed;
  stories = await store.latestStories(500);
  alerts = stories.map((s) => renderAlertText(roster, s)).join('\n\n');
});
afterAll(async () => {
  store?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sources = () => stories.flatMap((s) => s.sources);

describe('the default feeds', () => {
  it('every feed in seeds/config.real.yaml has a fixture in its real format, and every fixture a feed', async () => {
    expect(realConfig.feeds.map((f) => f.name).sort()).toEqual(Object.keys(FIXTURES).sort());
    expect(realConfig.feeds.every((f) => /^https:\/\//.test(f.url))).toBe(true);
    expect(realConfig.feeds.some((f) => f.url.includes('commerce.gov'))).toBe(false);
    expect(realConfig.feeds.some((f) => f.url.includes('bis.gov/'))).toBe(false);
  });

  it('all poll without failing and produce alerts', async () => {
    expect(failed).toBe(0);
    expect(stories.length).toBeGreaterThan(5);
  });

  it('Google News sources are credited to their publishers, never to the search', async () => {
    expect(alerts).not.toContain('News search');
    const outlets = new Set(sources().map((s) => s.outlet));
    for (const p of ['The New York Times', 'Pondero Newsdesk', 'Capitol Ledger', 'Frontier Policy Review'])
      expect(outlets).toContain(p);
    const times = sources().find((s) => s.outlet === 'The New York Times');
    expect(times?.title).toBe('US presses Meta to agree to AI reviews');
    // Google gives no publisher URL: the link is Google's article link.
    expect(times?.link).toMatch(/^https:\/\/news\.google\.com\/rss\/articles\/CBMi\w+\?oc=5$/);
  });

  it('headlines carry no " - Publisher" suffix', async () => {
    for (const s of sources()) {
      expect(s.title.endsWith(` - ${s.outlet}`)).toBe(false);
      for (const p of PUBLISHERS) expect(s.title).not.toContain(p);
    }
    // A headline's own dashes stay.
    expect(sources().map((s) => s.title)).toContain(
      'CAISI - the office behind the model reviews - explained',
    );
    for (const s of stories) for (const p of PUBLISHERS) expect(s.title).not.toContain(p);
  });

  it('summaries hold no publisher names, related headlines, HTML or WordPress footers', async () => {
    for (const s of stories) {
      for (const p of PUBLISHERS) expect(s.summary).not.toContain(p);
      expect(s.summary).not.toMatch(/<|&nbsp;|&lt;|appeared first on|\[…\]/);
    }
    expect(alerts).not.toMatch(/appeared first on|font color|&nbsp;/);
    // One Google item's description lists related coverage (other outlets' headlines): a story's
    // summary never holds a headline that is not one of its own sources'.
    const headlines = new Set(sources().map((x) => x.title));
    for (const s of stories) {
      const own = new Set(s.sources.map((x) => x.title));
      for (const h of headlines) if (!own.has(h)) expect(s.summary).not.toContain(h);
    }
  });

  it('official feeds are credited to the feed, with links to the document', async () => {
    const byOutlet = (name: string) => sources().filter((s) => s.outlet === name);
    const whiteHouse = byOutlet('The White House');
    expect(whiteHouse.length).toBeGreaterThan(0);
    for (const s of whiteHouse)
      expect(s.link).toMatch(/^https:\/\/www\.whitehouse\.gov\/presidential-actions\//);
    const register = [
      ...byOutlet('Federal Register'),
      ...byOutlet('Federal Register (executive orders)'),
      ...byOutlet('Bureau of Industry and Security'),
    ];
    expect(register.length).toBeGreaterThan(0);
    for (const s of register) expect(s.link).toMatch(/^https:\/\/www\.federalregister\.gov\/documents\//);
    const nist = byOutlet('NIST News');
    expect(nist.length).toBeGreaterThan(0);
    for (const s of nist) expect(s.link).toMatch(/^https:\/\/www\.nist\.gov\/news-events\/news\//);
    const order = stories.find((s) =>
      s.sources.some((x) => x.outlet === 'The White House' && x.title.startsWith('Promoting Advanced')),
    );
    expect(order?.summary).toMatch(/covered frontier models/);
  });
});
