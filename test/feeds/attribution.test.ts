/**
 * Publisher attribution, on feed text in the real formats of the default feeds (test/fixtures/feeds/real)
 * and of Bing News, and on the pure rules themselves.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  aggregatorLead,
  outletName,
  publisherUrlFromLink,
  sameOutlet,
  stripOutletSuffix,
  stripWordPressFooter,
} from '../../src/feeds/attribution.js';
import { displayTitle } from '../../src/feeds/display.js';
import { parseFeedText } from '../../src/feeds/parse.js';
import { FIXTURE_DIR } from '../feed-server.js';

const text = (name: string) => readFileSync(path.join(FIXTURE_DIR, name), 'utf8');
const parse = (name: string) => parseFeedText(text(name), { baseUrl: 'https://feeds.example/feed.xml' });

/** A one-item RSS 2.0 feed (namespaces declared) around the given item XML. */
const oneItem = (item: string) =>
  `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Wire</title><link>https://wire.example/</link><item>${item}</item></channel></rss>`;

describe('Google News search RSS', () => {
  it('names the publisher from <source>, drops " - Publisher" from the headline, keeps the aggregator link and guid', async () => {
    const { items } = await parse('real/google-news-meta.xml');
    const times = items.find((i) => i.outlet === 'The New York Times');
    expect(times).toMatchObject({
      title: 'US presses Meta to agree to AI reviews',
      aggregator: 'news.google.com',
      published: '2026-06-23T14:00:00.000Z',
    });
    expect(times?.link).toMatch(/^https:\/\/news\.google\.com\/rss\/articles\/CBMi\w+\?oc=5$/);
    // The guid (Google's article token) stays the id: the same article has it in every search feed.
    expect(times?.link).toContain(times?.id);
    expect(items.map((i) => i.outlet)).toEqual([
      'Pondero Newsdesk',
      'Tech Briefing Daily',
      'The New York Times',
      'Capitol Ledger',
      'Euro Tech Wire',
    ]);
    for (const item of items) expect(item.title).not.toMatch(/ - (Pondero|Tech|The New|Capitol|Euro)/);
  });

  it('the description gives no publisher names and no related headlines: headline-only items have no summary', async () => {
    const { items } = await parse('real/google-news-meta.xml');
    // One item's description is an <ol> of related coverage from three outlets.
    const withList = items.find((i) => i.outlet === 'Tech Briefing Daily');
    expect(text('real/google-news-meta.xml')).toContain('&lt;ol&gt;');
    expect(withList?.summary).toBe('');
    for (const item of items) expect(item.summary).toBe('');
  });

  it('Google’s list of related coverage is kept, without the item’s own headline, for story clustering', async () => {
    const { items } = await parse('real/google-news-meta.xml');
    const withList = items.find((i) => i.outlet === 'Tech Briefing Daily');
    expect(withList?.related).toEqual([
      'US presses Meta to agree to AI reviews',
      'Commerce asks Meta to open its AI models to CAISI testing',
    ]);
    // Items without a list, and a publisher's own feed, have none.
    for (const item of items) if (item !== withList) expect(item.related).toEqual([]);
  });

  it('the same article through two search feeds has the same id and aggregator', async () => {
    const meta = await parse('real/google-news-meta.xml');
    const caisi = await parse('real/google-news-caisi.xml');
    const a = meta.items.find((i) => i.outlet === 'Capitol Ledger');
    const b = caisi.items.find((i) => i.title === a?.title);
    expect(b).toBeDefined();
    expect([b?.id, b?.aggregator]).toEqual([a?.id, a?.aggregator]);
  });

  it('only the trailing publisher is removed from a headline with dashes of its own', async () => {
    const { items } = await parse('real/google-news-caisi.xml');
    expect(items.map((i) => i.title)).toContain('CAISI - the office behind the model reviews - explained');
  });

  it('an aggregator description with real lead text keeps it, without the trailing publisher name', async () => {
    const { items } = await parseFeedText(
      oneItem(
        `<title>Senators question CAISI's review timeline - Capitol Ledger</title><link>https://news.google.com/rss/articles/CBMiXyZ?oc=5</link><guid isPermaLink="false">CBMiXyZ</guid><description>&lt;p&gt;Two senators asked how the office will meet the 30-day window.&lt;/p&gt;&amp;nbsp;&amp;nbsp;&lt;font color="#6f6f6f"&gt;Capitol Ledger&lt;/font&gt;</description><source url="https://capitolledger.example">Capitol Ledger</source>`,
      ),
    );
    expect(items[0]).toMatchObject({
      title: "Senators question CAISI's review timeline",
      summary: 'Two senators asked how the office will meet the 30-day window.',
      outlet: 'Capitol Ledger',
    });
  });
});

describe('Bing News search RSS', () => {
  it('the link is the publisher URL carried in the apiclick url parameter; <News:Source> names the outlet', async () => {
    const { items } = await parse('bing-news.xml');
    expect(items.map((i) => [i.outlet, i.link, i.aggregator])).toEqual([
      [
        'Capitol Ledger',
        'https://capitolledger.example/2026/06/24/commerce-meta-caisi-testing',
        'www.bing.com',
      ],
      ['Frontier Policy Review', 'https://frontierpolicy.example/analysis/meta-last-lab', 'www.bing.com'],
    ]);
    // " | Publisher" goes too; Bing's own lead text stays.
    expect(items[1]?.title).toBe('Meta is the last big US AI lab outside federal pre-release testing');
    expect(items[0]?.summary).toMatch(/^Officials at the Commerce Department have written to Meta/);
  });
});

describe("publishers' and agencies' own feeds", () => {
  it('WordPress (whitehouse.gov): no "appeared first on" footer; the ?p= guid is the id; no outlet of its own', async () => {
    const { items } = await parse('real/whitehouse-presidential-actions.xml');
    expect(text('real/whitehouse-presidential-actions.xml')).toContain('appeared first on');
    expect(items).toHaveLength(3);
    for (const item of items) {
      expect(item.summary).not.toMatch(/appeared first on|The post /);
      expect(item.summary).not.toContain('[…]');
      expect(item.outlet).toBeNull(); // dc:creator is an author, not an outlet: the poll uses the feed's name
      expect(item.aggregator).toBeNull();
    }
    expect(items[0]?.id).toBe('https://www.whitehouse.gov/?p=41872');
    expect(items[0]?.summary).toMatch(/^By the authority vested in me as President .* to evaluate a model…$/);
  });

  it('Federal Register: the abstract is the summary, an empty description stays empty, no outlet or aggregator', async () => {
    const { items } = await parse('real/federal-register-ai.xml');
    const order = items.find(
      (i) => i.title === 'Promoting Advanced Artificial Intelligence Innovation and Security',
    );
    expect(order).toMatchObject({ summary: '', outlet: null, aggregator: null });
    expect(order?.id).toBe(order?.link);
    const rfi = items.find((i) => i.title?.startsWith('Request for Information'));
    expect(rfi?.summary).toMatch(/^The Center for AI Standards and Innovation \(CAISI\)/);
  });

  it('Drupal (nist.gov): the "<nid> at <base>" guid is the id and the link is the article', async () => {
    const { items } = await parse('real/nist-news.xml');
    expect(items[0]).toMatchObject({
      id: '98214 at https://www.nist.gov',
      link: 'https://www.nist.gov/news-events/news/2026/05/caisi-signs-agreements-google-deepmind-microsoft-and-xai-pre-deployment-testing',
      outlet: null,
      aggregator: null,
    });
  });

  it('a " | Site" suffix naming the feed itself is removed', async () => {
    const { items } = await parseFeedText(
      oneItem('<title>Statement on frontier model testing | Wire</title><link>https://wire.example/a</link>'),
    );
    expect(items[0]?.title).toBe('Statement on frontier model testing');
  });
});

describe('dc:source and dc:publisher', () => {
  it('name the outlet when they name one', async () => {
    const { items } = await parseFeedText(
      oneItem(
        '<title>Review office hires evaluators - Capitol Ledger</title><link>https://wire.example/b</link><dc:publisher>Capitol Ledger</dc:publisher><dc:creator>Ana Ruiz</dc:creator>',
      ),
    );
    expect(items[0]).toMatchObject({ outlet: 'Capitol Ledger', title: 'Review office hires evaluators' });
  });

  it('are ignored when they hold a URL or the author', async () => {
    for (const extra of [
      '<dc:source>https://capitolledger.example/feed</dc:source>',
      '<dc:source>capitolledger.example</dc:source>',
      '<dc:publisher>Ana Ruiz</dc:publisher><dc:creator>Ana Ruiz</dc:creator>',
      '<dc:publisher>editor@capitolledger.example</dc:publisher>',
    ]) {
      const { items } = await parseFeedText(
        oneItem(`<title>Review office hires evaluators</title><link>https://wire.example/b</link>${extra}`),
      );
      expect(items[0]?.outlet).toBeNull();
    }
  });
});

describe('a missing title', () => {
  it('is null in the item; displayTitle makes one from the summary, or "(untitled)"', async () => {
    const { items } = await parseFeedText(
      oneItem(
        '<link>https://wire.example/c</link><description>Evaluators finished the first review.</description>',
      ),
    );
    expect(items[0]?.title).toBeNull();
    expect(displayTitle(items[0] ?? { title: null, summary: '' })).toBe(
      'Evaluators finished the first review.',
    );
    expect(displayTitle({ title: null, summary: '' })).toBe('(untitled)');
  });
});

describe('the rules', () => {
  it('compare outlets loosely: case, punctuation, a leading "The", ".com"', () => {
    expect(sameOutlet('The New York Times', 'new york times')).toBe(true);
    expect(sameOutlet('Reuters', 'Reuters.com')).toBe(true);
    expect(sameOutlet('Capitol Ledger', 'Capitol-Ledger!')).toBe(true);
    expect(sameOutlet('Capitol Ledger', 'Capitol Times')).toBe(false);
  });

  it('remove a suffix only when it names the outlet, and never the whole title', () => {
    expect(stripOutletSuffix('Meta asked to join – The Verge', ['The Verge'])).toBe('Meta asked to join');
    expect(stripOutletSuffix('Meta asked to join — the verge', ['The Verge'])).toBe('Meta asked to join');
    expect(stripOutletSuffix('Meta asked to join - analysis', ['The Verge'])).toBe(
      'Meta asked to join - analysis',
    );
    expect(stripOutletSuffix('The Verge', ['The Verge'])).toBe('The Verge');
    expect(stripOutletSuffix('Meta - The Verge', [null])).toBe('Meta - The Verge');
  });

  it('an aggregator lead that only repeats the headline is empty', () => {
    expect(aggregatorLead('Meta asked to join  Capitol Ledger', 'Meta asked to join', 'Capitol Ledger')).toBe(
      '',
    );
    expect(aggregatorLead('Meta asked to join.', 'Meta asked to join', null)).toBe('');
    expect(aggregatorLead('Officials wrote on Tuesday.', 'Meta asked to join', 'Capitol Ledger')).toBe(
      'Officials wrote on Tuesday.',
    );
  });

  it('the WordPress footer goes only from the end', () => {
    expect(stripWordPressFooter('Text. The post Order X appeared first on The White House.')).toBe('Text.');
    expect(stripWordPressFooter('The post office will handle the forms.')).toBe(
      'The post office will handle the forms.',
    );
  });

  it('publisher URLs come only from aggregator links that carry one', () => {
    expect(
      publisherUrlFromLink(
        'http://www.bing.com/news/apiclick.aspx?ref=FexRss&url=https%3a%2f%2fa.example%2fx&c=1',
      ),
    ).toBe('https://a.example/x');
    expect(publisherUrlFromLink('https://news.google.com/rss/articles/CBMiXyZ?oc=5')).toBeNull();
    expect(publisherUrlFromLink('https://a.example/x?url=https%3a%2f%2fb.example')).toBeNull();
    expect(
      publisherUrlFromLink('http://www.bing.com/news/apiclick.aspx?url=javascript%3aalert(1)'),
    ).toBeNull();
  });

  it('outlet names are not URLs, bylines or authors', () => {
    expect(outletName('  Capitol   Ledger ')).toBe('Capitol Ledger');
    expect(outletName('By Ana Ruiz')).toBeNull();
    expect(outletName('www.capitolledger.example')).toBeNull();
    expect(outletName('Ana Ruiz', ['ana ruiz'])).toBeNull();
    expect(outletName('12345')).toBeNull();
  });
});
