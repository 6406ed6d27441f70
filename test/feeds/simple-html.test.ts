import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { htmlToPlainText, htmlToPlainTextByParser } from '../../src/feeds/normalise.js';
import { simpleHtmlText } from '../../src/feeds/simple-html.js';

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
const feedsDir = path.join(import.meta.dirname, '..', 'fixtures', 'feeds');

/**
 * Every description and content the feed fixtures carry, as rss-parser hands them over (HTML, not
 * yet text). Fixtures that are not well-formed feeds are skipped: they hold no descriptions.
 */
async function fixtureDescriptions(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of [feedsDir, path.join(feedsDir, 'real')])
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.xml'))) {
      const feed = await new Parser().parseString(readFileSync(path.join(dir, f), 'utf8')).catch(() => null);
      for (const item of feed?.items ?? []) {
        const raw = item as Record<string, unknown>;
        for (const v of [raw.content, raw['content:encoded'], raw.summary])
          if (typeof v === 'string' && v !== '') out.push(v);
      }
    }
  return out;
}

describe('the fast path for simple HTML', () => {
  it('gives what html-to-text gives, for every description in the feed fixtures it takes', async () => {
    const all = await fixtureDescriptions();
    expect(all.length).toBeGreaterThan(40);
    let taken = 0;
    for (const html of all) {
      const fast = simpleHtmlText(html);
      if (fast === null) continue;
      taken++;
      expect(oneLine(fast), html).toBe(htmlToPlainTextByParser(html));
      expect(htmlToPlainText(html), html).toBe(htmlToPlainTextByParser(html));
    }
    // Most real descriptions are simple: the fast path is the common one, not a rarity.
    expect(taken / all.length).toBeGreaterThan(0.5);
  });

  it('gives what html-to-text gives on generated paragraphs, links, emphasis and entities', () => {
    const word = fc.constantFrom(
      'Meta',
      'CAISI',
      'review',
      'AT&amp;T',
      '&lt;b&gt;',
      '&quot;x&quot;',
      'caf&eacute;',
      '&#8220;',
      '&#x2014;',
      '&nbsp;',
      'a > b',
      '&amp',
      '  ',
      '\n',
      'x&y',
    );
    const inline = fc.constantFrom(
      'a href="https://x.test/?a=1&amp;b=2"',
      'b',
      'strong',
      'em',
      'i',
      'span class="k"',
      'small',
      "a title='q > r'",
    );
    const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.array(word, { maxLength: 4 }).map((w) => w.join(' ')),
        fc
          .tuple(inline, fc.array(tie('node'), { maxLength: 3 }))
          .map(([t, kids]) => `<${t}>${kids.join('')}</${t.split(' ')[0]}>`),
        fc
          .tuple(fc.constantFrom('p', 'div', 'h2', 'P'), fc.array(tie('node'), { maxLength: 3 }))
          .map(([t, kids]) => `<${t}>${kids.join('')}</${t}>`),
        fc.constantFrom('<br>', '<br/>', '<BR />', '<img src="i.jpg" alt="a picture">', '<img src=x.png>'),
      ),
    })).node;
    let runs = 0;
    let taken = 0;
    fc.assert(
      fc.property(fc.array(node, { maxLength: 6 }), (parts) => {
        const html = parts.join('');
        runs++;
        if (simpleHtmlText(html) === null) return;
        taken++;
        expect(htmlToPlainText(html)).toBe(htmlToPlainTextByParser(html));
      }),
      { numRuns: 2000, seed: 8 },
    );
    expect(taken / runs).toBeGreaterThan(0.5);
  });

  it('takes a typical description and leaves anything else to html-to-text', () => {
    const typical =
      '<p><img src="https://cdn.test/1.jpg" alt="" /> Commerce asked Meta &amp; others to wait.</p><p>More <a href="https://x.test">here</a>.</p>';
    expect(simpleHtmlText(typical)).not.toBeNull();
    expect(htmlToPlainText(typical)).toBe('Commerce asked Meta & others to wait. More here.');
    for (const other of [
      '<ul><li>one</li><li>two</li></ul>',
      '<blockquote>quoted</blockquote>',
      '<p>a</p><!-- note --><p>b</p>',
      '<script>alert(1)</script>text',
      '<table><tr><td>x</td></tr></table>',
      'profits < forecasts',
      '<hr>',
      'zero&#8203;width',
    ])
      expect(simpleHtmlText(other), other).toBeNull();
    // …and those still convert as before.
    expect(htmlToPlainText('<ul><li>one</li><li>two</li></ul>')).toBe('• one • two');
    expect(htmlToPlainText('profits < forecasts')).toBe('profits < forecasts');
  });
});
