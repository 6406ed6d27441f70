import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalLink,
  htmlToPlainText,
  MAX_SUMMARY_CHARS,
  normaliseItem,
  normaliseItems,
  normaliseTitle,
  parseFeedDate,
} from '../../src/feeds/normalise.js';

describe('canonicalLink', () => {
  it('strips tracking parameters and the fragment, lower-cases the host, keeps other parameters in order', () => {
    expect(
      canonicalLink(
        'https://News.Example.COM/a/b?utm_source=x&id=7&UTM_Campaign=y&fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref=5&cmpid=6&q=a+b#section',
      ),
    ).toBe('https://news.example.com/a/b?id=7&q=a+b');
  });

  it('removes the query mark when nothing is left', () => {
    expect(canonicalLink('http://example.com/x?utm_medium=rss#top')).toBe('http://example.com/x');
  });

  it('keeps parameters that merely contain a tracking name', () => {
    expect(canonicalLink('https://example.com/?referrer=a&preference=b&utm=c')).toBe(
      'https://example.com/?referrer=a&preference=b&utm=c',
    );
  });

  it('resolves relative links against a base', () => {
    expect(canonicalLink('../b?ref=rss', 'https://example.com/x/y/feed.xml')).toBe('https://example.com/x/b');
    expect(canonicalLink('//cdn.example.com/p', 'https://example.com/')).toBe('https://cdn.example.com/p');
  });

  it('returns null for non-http(s) links, relative links without a base and junk', () => {
    for (const bad of [
      'javascript:alert(1)',
      'mailto:a@b.c',
      'ftp://x/y',
      'data:text/html,hi',
      '/relative',
      '',
      '   ',
      'http://',
    ]) {
      expect(canonicalLink(bad)).toBeNull();
    }
    expect(canonicalLink('javascript:alert(1)', 'https://example.com/')).toBeNull();
  });

  it('drops credentials and the default port', () => {
    expect(canonicalLink('https://user:pw@example.com:443/a')).toBe('https://example.com/a');
  });
});

describe('normaliseTitle', () => {
  it('lower-cases, strips punctuation and collapses whitespace', () => {
    expect(normaliseTitle('  Meta’s  “Muse Spark” — NOT   signed!  ')).toBe('metas muse spark not signed');
    expect(normaliseTitle('Meta\'s "Muse Spark" - not signed')).toBe('metas muse spark not signed');
  });
});

describe('htmlToPlainText', () => {
  it('strips tags and decodes named and numeric entities', () => {
    expect(
      htmlToPlainText('<p>A &amp; B &#8220;quoted&#8221; &#x2014; caf&eacute;</p><p>Next<br>line</p>'),
    ).toBe('A & B “quoted” — café Next line');
  });

  it('drops scripts, styles and images, and keeps link text without URLs', () => {
    expect(
      htmlToPlainText(
        '<script>alert(1)</script><style>p{}</style><img src="x.png" alt="pic"><a href="https://x">read more</a>',
      ),
    ).toBe('read more');
  });

  it('leaves plain text alone apart from whitespace', () => {
    expect(htmlToPlainText('  plain\n\ttext   here ')).toBe('plain text here');
    expect(htmlToPlainText('profits < forecasts')).toBe('profits < forecasts');
  });
});

describe('parseFeedDate', () => {
  it('reads RFC 822, ISO 8601 and common time zone names', () => {
    expect(parseFeedDate('Tue, 23 Jun 2026 14:05:00 GMT')).toBe('2026-06-23T14:05:00.000Z');
    expect(parseFeedDate('Tue, 23 Jun 2026 10:05:00 EDT')).toBe('2026-06-23T14:05:00.000Z');
    expect(parseFeedDate('Tue, 23 Jun 2026 16:05:00 CEST')).toBe('2026-06-23T14:05:00.000Z');
    expect(parseFeedDate('2026-06-23T14:05:00+00:00')).toBe('2026-06-23T14:05:00.000Z');
    expect(parseFeedDate('2026-06-23')).toBe('2026-06-23T00:00:00.000Z');
    expect(parseFeedDate('Tue, 23 Jun 26 14:05:00 GMT')).toBe('2026-06-23T14:05:00.000Z');
  });

  it('returns null for missing or garbage dates, never throwing', () => {
    for (const bad of [
      undefined,
      null,
      42,
      {},
      '',
      'yesterday',
      '2',
      '12',
      'not a date',
      '32/13/2026 25:61',
      '9999-01-01',
    ]) {
      expect(parseFeedDate(bad)).toBeNull();
    }
  });
});

describe('normaliseItem', () => {
  it('prefers the guid, trimmed', () => {
    expect(normaliseItem({ guid: '  abc-123 \n', link: 'https://x.example/a', title: 'T' }).id).toBe(
      'abc-123',
    );
  });

  it('falls back to the canonical link', () => {
    const item = normaliseItem({ link: 'https://X.example/a?utm_source=rss#frag', title: 'T' });
    expect(item.id).toBe('https://x.example/a');
    expect(item.link).toBe('https://x.example/a');
  });

  it('falls back to a hash of the normalised title and summary', () => {
    const a = normaliseItem({ title: 'Same  Title!', content: '<p>Same summary.</p>' });
    const b = normaliseItem({ title: 'same title', content: 'Same   summary' });
    const c = normaliseItem({ title: 'Other title', content: 'Same summary.' });
    expect(a.id).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
  });

  it('uses a permalink guid as the link when there is no <link>', () => {
    const item = normaliseItem({ guid: 'https://x.example/story?utm_medium=feed', title: 'T' });
    expect(item.id).toBe('https://x.example/story?utm_medium=feed');
    expect(item.link).toBe('https://x.example/story');
  });

  it('takes the summary from summary/content/description, as plain text', () => {
    expect(normaliseItem({ title: 'T', summary: '<b>Atom</b> summary', content: 'long body' }).summary).toBe(
      'Atom summary',
    );
    expect(normaliseItem({ title: 'T', content: '<p>RSS &lt;description&gt;</p>' }).summary).toBe(
      'RSS <description>',
    );
    expect(normaliseItem({ title: 'T', 'content:encoded': '<p>full</p>' }).summary).toBe('full');
    expect(normaliseItem({ title: 'T' }).summary).toBe('');
  });

  it('caps the summary at about 2000 characters on a word boundary', () => {
    const words = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ');
    const summary = normaliseItem({ title: 'T', content: words }).summary;
    expect(summary.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(summary.length).toBeGreaterThan(MAX_SUMMARY_CHARS - 20);
    expect(summary.endsWith('…')).toBe(true);
    const lastWord = summary.slice(0, -1).split(' ').pop() ?? '';
    expect(words.split(' ')).toContain(lastWord);
  });

  it('survives fields of the wrong type', () => {
    const item = normaliseItem({
      title: { $: { type: 'xhtml' } },
      link: ['x'],
      guid: 7,
      pubDate: {},
      content: null,
    });
    expect(item.title).toBeNull();
    expect(item.link).toBeNull();
    expect(item.published).toBeNull();
  });
});

describe('normaliseItems', () => {
  it('never throws and always returns unique ids, whatever the items', () => {
    const value = fc.oneof(fc.string(), fc.constant(undefined), fc.integer(), fc.object(), fc.webUrl());
    const raw = fc.record(
      {
        guid: value,
        link: value,
        title: value,
        content: value,
        summary: value,
        pubDate: fc.oneof(
          value,
          fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toUTCString())),
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(raw, fc.anything())), (raws) => {
        const items = normaliseItems(raws, { baseUrl: 'https://base.example/feed' });
        expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
        for (const item of items) {
          expect(typeof item.id).toBe('string');
          expect(item.id.length).toBeGreaterThan(0);
          expect(item.link === null || /^https?:\/\//.test(item.link)).toBe(true);
          expect(item.published === null || !Number.isNaN(Date.parse(item.published))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same ids for the same input', () => {
    const raws = [{ title: 'A' }, { title: 'B', content: 'x' }, { link: 'https://e.example/1' }];
    expect(normaliseItems(raws).map((i) => i.id)).toEqual(normaliseItems(raws).map((i) => i.id));
  });
});
