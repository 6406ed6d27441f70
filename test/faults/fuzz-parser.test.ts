/**
 * Property-based fuzzing of the parser path (parseFeedText → normalise): arbitrary strings, XML token
 * soup, and valid feeds with random damage. Whatever the input: it either parses into well-formed
 * items or fails with NotAFeedError (one line, "not a feed: …"); it never hangs; it leaves no
 * unhandled promise rejection behind.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SUMMARY_CHARS, normaliseItems } from '../../src/feeds/normalise.js';
import { NotAFeedError, parseFeedText } from '../../src/feeds/parse.js';
import type { ParsedFeed } from '../../src/feeds/types.js';
import { fixture } from '../feed-server.js';

const FIXTURES = [
  'basic-rss.xml',
  'atom.xml',
  'rdf.xml',
  'rss091.xml',
  'bare-items.xml',
  'bare-ampersand.xml',
  'relative-links.xml',
  'duplicate-guids.xml',
  'truncated.xml',
].map((name) => fixture(name).toString('utf8'));

/** Per input: generous for a loaded 2-core machine, far below "hung". */
const BOUND_MS = 3000;

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
});

function expectWellFormed(parsed: ParsedFeed): void {
  expect(typeof parsed.feed.title).toBe('string');
  expect(parsed.feed.link === null || /^https?:\/\//.test(parsed.feed.link)).toBe(true);
  expect(parsed.feed.ttlMinutes === null || parsed.feed.ttlMinutes > 0).toBe(true);
  const ids = new Set<string>();
  for (const item of parsed.items) {
    expect(typeof item.id).toBe('string');
    expect(item.id.length).toBeGreaterThan(0);
    expect(ids.has(item.id)).toBe(false);
    ids.add(item.id);
    // A missing title is null, never an empty string or a placeholder.
    if (item.title !== null) {
      expect(item.title.length).toBeGreaterThan(0);
      expect(item.title).not.toMatch(/[\r\n\u0000]/);
    }
    if (item.outlet !== null) expect(item.outlet).not.toMatch(/^\s|\s$|[\r\n\u0000]/);
    expect(item.summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    if (item.link !== null) expect(new URL(item.link).protocol).toMatch(/^https?:$/);
    if (item.published !== null) expect(new Date(item.published).toISOString()).toBe(item.published);
  }
}

/** Parse and check: well-formed items, or NotAFeedError with one line; within the bound. */
async function parsesOrRefuses(text: string): Promise<void> {
  const started = performance.now();
  let parsed: ParsedFeed | undefined;
  try {
    parsed = await parseFeedText(text, { baseUrl: 'https://feeds.example/news.xml', timeoutMs: BOUND_MS });
  } catch (err) {
    expect(err).toBeInstanceOf(NotAFeedError);
    expect((err as Error).message).toMatch(/^not a feed: \S/);
    expect((err as Error).message).not.toMatch(/\n/);
  }
  if (parsed) expectWellFormed(parsed);
  expect(performance.now() - started).toBeLessThan(BOUND_MS);
}

const XML_TOKENS = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="ISO-8859-1"?>',
  '<rss version="2.0">',
  '</rss>',
  '<channel>',
  '</channel>',
  '<item>',
  '</item>',
  '<title>',
  '</title>',
  '<link>',
  '</link>',
  '<guid>',
  '</guid>',
  '<pubDate>',
  '</pubDate>',
  '<description>',
  '</description>',
  '<feed xmlns="http://www.w3.org/2005/Atom">',
  '</feed>',
  '<entry>',
  '</entry>',
  '<link href="https://a.example/x"/>',
  '<link href="javascript:alert(1)"/>',
  '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
  '<![CDATA[',
  ']]>',
  '<!-- c -->',
  '<!DOCTYPE rss>',
  '<!DOCTYPE rss [<!ENTITY e "x">]>',
  '&amp;',
  '&lt;',
  '&#0;',
  '&#x110000;',
  '&e;',
  '&',
  '<',
  '>',
  '"',
  "'",
  ' ',
  '\n',
  '\u0000',
  '\ufeff',
  'Meta',
  'CAISI',
  '2026-06-24T10:00:00Z',
  'Tue, 23 Jun 2026 15:00:00 GMT',
  'Sat, 13 Sep 275760 00:00:00 GMT',
  'https://example.org/a?utm_source=x',
  '<@U123>',
  '<!channel>',
  '<ttl>',
  '</ttl>',
  '99999999999',
];

const xmlSoup = fc
  .array(fc.oneof(fc.constantFrom(...XML_TOKENS), fc.string({ maxLength: 8 })), {
    maxLength: 120,
  })
  .map((parts) => parts.join(''));

/** A valid feed with a few random edits: cut, insert, duplicate, delete, truncate. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fc.oneof(fc.constantFrom(...XML_TOKENS), fc.string({ unit: 'binary', maxLength: 12 })),
  }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.nat(200),
  }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    length: fc.nat(400),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    char: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function applyEdits(text: string, edits: Edit[]): string {
  let t = text;
  for (const e of edits) {
    const at = Math.floor(e.at * t.length);
    if (e.kind === 'insert') t = t.slice(0, at) + e.text + t.slice(at);
    else if (e.kind === 'delete') t = t.slice(0, at) + t.slice(at + e.length);
    else if (e.kind === 'duplicate')
      t = t.slice(0, at + e.length) + t.slice(at, at + e.length) + t.slice(at + e.length);
    else if (e.kind === 'truncate') t = t.slice(0, at);
    else t = t.slice(0, at) + e.char + t.slice(at + 1);
  }
  return t;
}

const mutatedFeed = fc
  .tuple(fc.constantFrom(...FIXTURES), fc.array(edit, { minLength: 1, maxLength: 6 }))
  .map(([text, edits]) => applyEdits(text, edits));

describe('parser fuzzing: parses or refuses with NotAFeedError, bounded, no unhandled rejection', () => {
  it('arbitrary strings (any code point)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 500 }),
          fc.string({ unit: 'binary-ascii', maxLength: 500 }),
        ),
        parsesOrRefuses,
      ),
      { numRuns: 300 },
    );
  });

  it('XML token soup', async () => {
    await fc.assert(fc.asyncProperty(xmlSoup, parsesOrRefuses), { numRuns: 400 });
  });

  it('valid feeds with random damage', async () => {
    await fc.assert(fc.asyncProperty(mutatedFeed, parsesOrRefuses), { numRuns: 400 });
  });

  it('pathological documents: entity expansion, deep nesting, huge fields, many attributes', async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">${Array.from(
      { length: 9 },
      (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`,
    ).join(
      '',
    )}]><rss version="2.0"><channel><title>&j;</title><item><title>&j;</title></item></channel></rss>`;
    const cases = [
      laughs,
      `<rss version="2.0"><channel>${'<x>'.repeat(20_000)}${'</x>'.repeat(20_000)}</channel></rss>`,
      `<rss version="2.0"><channel>${'<x>'.repeat(50_000)}`,
      `<rss version="2.0"><channel><item><title>${'Meta '.repeat(400_000)}</title></item></channel></rss>`,
      `<rss version="2.0"><channel><item><title a="1"${Array.from({ length: 5000 }, (_, i) => ` a${i}="${i}"`).join('')}>t</title></item></channel></rss>`,
      `<rss version="2.0"><channel>${'<item><guid>same</guid></item>'.repeat(5000)}</channel></rss>`,
      `<rss version="2.0"><channel><item><description>${'&lt;b&gt;'.repeat(100_000)}</description></item></channel></rss>`,
      `<feed xmlns="http://www.w3.org/2005/Atom"><entry><published>${'9'.repeat(10_000)}</published><title>x</title></entry></feed>`,
    ];
    for (const text of cases) await parsesOrRefuses(text);
  });

  it('normalise on arbitrary raw items never throws and keeps ids unique', () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 50 }),
      fc.constant(undefined),
      fc.constant(null),
      fc.integer(),
      fc.record({ _: fc.string(), $: fc.object() }),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.webUrl(),
      fc.constantFrom(
        'javascript:alert(1)',
        '//evil.example/x',
        'https://a.example/?utm_source=x#f',
        '2026-06-24',
      ),
    );
    const raw = fc.record(
      {
        title: value,
        link: value,
        guid: value,
        id: value,
        pubDate: value,
        summary: value,
        content: value,
        description: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.array(fc.oneof(raw, fc.anything()), { maxLength: 30 }),
        fc.option(fc.webUrl()),
        (raws, base) => {
          const items = normaliseItems(raws, { baseUrl: base });
          expectWellFormed({ feed: { title: '', link: null, ttlMinutes: null }, items });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('left no unhandled promise rejection behind', async () => {
    // Give any stray rejection from the runs above a turn of the event loop to surface.
    await new Promise((resolve) => setImmediate(resolve));
    expect(rejections).toEqual([]);
  });
});
