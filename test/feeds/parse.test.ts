import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotAFeedError, parseFeedText, sniffText } from '../../src/feeds/parse.js';
import { fixture } from '../feed-server.js';

const text = (name: string): string => fixture(name).toString('utf8');

async function notAFeed(input: string): Promise<NotAFeedError> {
  try {
    await parseFeedText(input);
  } catch (err) {
    expect(err).toBeInstanceOf(NotAFeedError);
    const e = err as NotAFeedError;
    expect(e.code).toBe('not-a-feed');
    expect(e.message).toMatch(/^not a feed: /);
    expect(e.message).not.toMatch(/\n/);
    return e;
  }
  throw new Error('expected NotAFeedError');
}

describe('parseFeedText: RSS 2.0', () => {
  it('reads feed metadata, ttl and items', async () => {
    const parsed = await parseFeedText(text('basic-rss.xml'));
    expect(parsed.feed).toEqual({
      title: 'Policy Desk & Wire',
      link: 'https://policydesk.example/',
      ttlMinutes: 30,
    });
    expect(parsed.items).toHaveLength(3);
    const [letter, order, labs] = parsed.items;
    expect(letter).toEqual({
      id: 'policydesk-2026-0623-meta',
      title: 'Commerce staff write to Meta about pre-release testing',
      link: 'https://policydesk.example/2026/06/meta-letter?id=42',
      published: '2026-06-23T14:05:00.000Z',
      summary:
        'Officials asked the company, in an email sent on Tuesday, when it expects to join the voluntary review programme. Company spokespeople said talks “continue”.',
      outlet: null,
      aggregator: null,
      related: [],
    });
    expect(order?.id).toBe('https://policydesk.example/2026/06/eo-window');
    expect(order?.link).toBe('https://policydesk.example/2026/06/eo-window?page=2');
    expect(order?.title).toBe('Executive order sets a 30\u2011day review window');
    // "&amp;mdash;" in the XML is the text "&mdash;", which is HTML: decoded once, to a dash.
    expect(order?.summary).toBe(
      'The order shortens the window from the 90 days floated in an earlier draft — labs welcomed the change.',
    );
    expect(order?.published).toBe('2026-06-02T09:00:00.000Z');
    expect(labs?.published).toBe('2026-05-14T08:30:00.000Z');
  });

  it('parses the same text to the same result twice', async () => {
    expect(await parseFeedText(text('basic-rss.xml'))).toEqual(await parseFeedText(text('basic-rss.xml')));
  });

  it('tolerates bare ampersands', async () => {
    const parsed = await parseFeedText(text('bare-ampersand.xml'));
    expect(parsed.feed.title).toBe('Q&A Weekly');
    expect(parsed.items[0]?.title).toBe('Q&A: what the review covers');
    expect(parsed.items[0]?.link).toBe('https://qa.example/qa?x=1&y=2');
  });

  it('accepts <rss> without a version and an empty channel', async () => {
    const parsed = await parseFeedText('<rss><channel><title>Empty</title></channel></rss>');
    expect(parsed).toEqual({ feed: { title: 'Empty', link: null, ttlMinutes: null }, items: [] });
  });

  it('ignores a nonsense ttl', async () => {
    const parsed = await parseFeedText(
      '<rss version="2.0"><channel><title>T</title><ttl>soon</ttl></channel></rss>',
    );
    expect(parsed.feed.ttlMinutes).toBeNull();
  });
});

describe('parseFeedText: Atom, RDF, RSS 0.91', () => {
  it('reads Atom, resolving relative links against the feed link and surviving a garbage date', async () => {
    const parsed = await parseFeedText(text('atom.xml'), {
      baseUrl: 'https://oversight.example/news/atom.xml',
    });
    expect(parsed.feed.title).toBe('Frontier Oversight Weekly');
    expect(parsed.feed.link).toBe('https://oversight.example/news/');
    const [directive, checklist] = parsed.items;
    expect(directive).toEqual({
      id: 'urn:uuid:entry-export-directive',
      title: 'Export directive names a second lab',
      link: 'https://oversight.example/news/2026/06/export-directive',
      published: '2026-06-12T16:00:00.000Z',
      summary: 'A directive issued on 12 June adds new conditions for model weights shipped abroad.',
      outlet: null,
      aggregator: null,
      related: [],
    });
    expect(checklist?.link).toBe('https://oversight.example/news/2026/06/checklist');
    expect(checklist?.published).toBeNull();
    expect(checklist?.summary).toBe('• Cyber misuse • Biological uplift');
  });

  it('reads RDF (RSS 1.0) with dc:date', async () => {
    const parsed = await parseFeedText(text('rdf.xml'));
    expect(parsed.feed.title).toBe('Capitol Brief');
    expect(parsed.items).toEqual([
      {
        id: 'https://capitolbrief.example/a/ai-hearing',
        title: 'Senators schedule a hearing on model evaluations',
        link: 'https://capitolbrief.example/a/ai-hearing',
        published: '2026-06-20T16:00:00.000Z',
        summary: 'Witnesses from two labs and the review office are expected.',
        outlet: null,
        aggregator: null,
        related: [],
      },
    ]);
  });

  it('reads RSS 0.91 without guids or dates', async () => {
    const parsed = await parseFeedText(text('rss091.xml'));
    expect(parsed.items).toHaveLength(1);
    expect(parsed.items[0]?.id).toBe('http://bulletin.example/renamed.html');
    expect(parsed.items[0]?.published).toBeNull();
  });
});

describe('parseFeedText: identity inside one feed', () => {
  it('tells a repeated guid apart by link and drops exact duplicates', async () => {
    const parsed = await parseFeedText(text('duplicate-guids.xml'));
    const ids = parsed.items.map((i) => i.id);
    expect(ids).toHaveLength(3);
    expect(ids[0]).toMatch(/^story#[0-9a-f]{16}$/);
    expect(ids[1]).toMatch(/^story#[0-9a-f]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids[2]).toBe('unique-3');
    expect(parsed.items.map((i) => i.link)).toEqual([
      'https://sloppy.example/one',
      'https://sloppy.example/two',
      'https://sloppy.example/three',
    ]);
  });

  it('gives the same ids whatever the order of the items', async () => {
    const parsed = await parseFeedText(text('duplicate-guids.xml'));
    const reversedXml = text('duplicate-guids.xml').replace(/(<item>[\s\S]*<\/item>)/, (all) =>
      all
        .split(/(?<=<\/item>)/)
        .map((s) => s.trim())
        .reverse()
        .join('\n'),
    );
    const reversed = await parseFeedText(reversedXml);
    const byLink = (items: typeof parsed.items) => Object.fromEntries(items.map((i) => [i.link, i.id]));
    expect(byLink(reversed.items)).toEqual(byLink(parsed.items));
  });

  it('resolves relative links against the resolved feed link and drops non-http links', async () => {
    const parsed = await parseFeedText(text('relative-links.xml'), {
      baseUrl: 'https://gazette.example/feed.xml',
    });
    expect(parsed.feed.link).toBe('https://gazette.example/gazette/');
    expect(parsed.items.map((i) => i.link)).toEqual([
      'https://gazette.example/gazette/2026/06/relative-item?keep=yes',
      null,
      null,
    ]);
  });

  it('drops relative links when there is nothing to resolve them against', async () => {
    const parsed = await parseFeedText(text('relative-links.xml'));
    expect(parsed.feed.link).toBeNull();
    expect(parsed.items[0]?.link).toBeNull();
    expect(parsed.items[0]?.id).toBe('rel-1');
  });

  it('handles items without guid, link or date, and garbage dates, without failing', async () => {
    const parsed = await parseFeedText(text('bare-items.xml'));
    expect(parsed.items.map((i) => i.title)).toEqual([
      'Lab says it hopes to sign soon',
      'Agency posts guidance for reviewers',
      null,
    ]);
    expect(parsed.items[2]?.summary).toBe(
      'An item with a description but no title about evaluation timelines.',
    );
    expect(parsed.items.every((i) => i.published === null && i.link === null)).toBe(true);
    expect(new Set(parsed.items.map((i) => i.id)).size).toBe(3);
  });
});

describe('parseFeedText: not a feed', () => {
  it('rejects an empty body', async () => {
    expect((await notAFeed('')).message).toBe('not a feed: empty body');
    expect((await notAFeed('  \n\t ')).message).toBe('not a feed: empty body');
    expect((await notAFeed('\ufeff')).message).toBe('not a feed: empty body');
  });

  it('rejects an HTML page', async () => {
    expect((await notAFeed(text('html-error.html'))).message).toBe('not a feed: looks like an HTML page');
    expect((await notAFeed('<html><body>hi</body></html>')).message).toBe(
      'not a feed: looks like an HTML page',
    );
    expect((await notAFeed('<!-- cms --><HTML><p>x</p></HTML>')).message).toBe(
      'not a feed: looks like an HTML page',
    );
  });

  it('rejects JSON', async () => {
    expect((await notAFeed(text('not-feed.json'))).message).toBe(
      'not a feed: looks like JSON, not RSS or Atom',
    );
  });

  it('rejects plain text', async () => {
    expect((await notAFeed('Service Unavailable')).message).toBe('not a feed: plain text, not XML');
  });

  it('rejects XML with another root element', async () => {
    expect((await notAFeed(text('other-xml.xml'))).message).toBe(
      'not a feed: root element <urlset> is not rss, feed or RDF',
    );
  });

  it('rejects truncated XML with the line number', async () => {
    const e = await notAFeed(text('truncated.xml'));
    expect(e.message).toMatch(/^not a feed: XML is truncated or malformed at line \d+ \(.+\)$/);
  });

  it('rejects malformed XML', async () => {
    const e = await notAFeed('<rss version="2.0">\n<channel>\n<title>x</titel>\n</channel></rss>');
    expect(e.message).toMatch(/^not a feed: XML is malformed at line 3 /);
  });

  it('rejects <rss> without a channel', async () => {
    expect((await notAFeed('<rss version="2.0"></rss>')).message).toBe(
      'not a feed: RSS document without a usable <channel>',
    );
  });

  it('does not expand entities declared in a DTD (no billion laughs)', async () => {
    const xml =
      '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>' +
      '<rss version="2.0"><channel><title>&b;</title></channel></rss>';
    await notAFeed(xml);
  });

  it('only ever throws NotAFeedError, whatever the input', async () => {
    const base = text('basic-rss.xml');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'grapheme' }),
          fc.nat(base.length).map((n) => base.slice(0, n)),
          fc
            .tuple(fc.nat(base.length), fc.string({ maxLength: 5 }))
            .map(([n, junk]) => base.slice(0, n) + junk + base.slice(n)),
        ),
        async (input) => {
          try {
            const parsed = await parseFeedText(input);
            expect(Array.isArray(parsed.items)).toBe(true);
          } catch (err) {
            expect(err).toBeInstanceOf(NotAFeedError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('sniffText', () => {
  it('finds the root element after prolog, comments, PIs and a doctype', () => {
    expect(sniffText('\ufeff<?xml version="1.0"?>\n<!-- c --><?xml-stylesheet href="x"?><rss/>')).toEqual({
      kind: 'xml',
      root: 'rss',
    });
    expect(sniffText('<!DOCTYPE rdf:RDF [ <!ENTITY x "y"> ]><rdf:RDF/>')).toEqual({
      kind: 'xml',
      root: 'rdf:RDF',
    });
    expect(sniffText('<!DOCTYPE html><html>')).toEqual({ kind: 'html' });
  });
});
