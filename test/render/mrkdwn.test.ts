import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_BLOCKS_PER_HOME,
  MAX_BLOCKS_PER_MESSAGE,
  MAX_BUTTON_TEXT,
  MAX_HEADER_TEXT,
  MAX_SECTION_FIELD_TEXT,
  MAX_SECTION_FIELDS,
  MAX_SECTION_TEXT,
} from '../../src/render/limits.js';
import {
  escapeMrkdwn,
  mrkdwnText,
  mrkdwnUrl,
  plainText,
  safeLink,
  truncate,
} from '../../src/render/mrkdwn.js';

/** Any Slack mention or link syntax that would survive into a message: `<!…>`, `<@…>`, `<#…>`, `<http…>`. */
const LIVE_SYNTAX = /<[!@#]|<https?:|<mailto:/;

describe('escaping untrusted feed text', () => {
  it('a feed title "<!channel> breaking" pings nobody', () => {
    const out = escapeMrkdwn('<!channel> breaking');
    expect(out).toBe('&lt;!channel&gt; breaking');
    expect(out).not.toMatch(LIVE_SYNTAX);
  });

  it.each([
    ['<!here> read this', '&lt;!here&gt; read this'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['<!subteam^S1|x> policy team', '&lt;!subteam^S1|x&gt; policy team'],
    ['cc <@U123>', 'cc &lt;@U123&gt;'],
    ['see <#C024BE7LR|general>', 'see &lt;#C024BE7LR|general&gt;'],
    ['<https://evil.example|click> for the report', '&lt;https://evil.example|click&gt; for the report'],
  ])('disarms %s', (input, expected) => {
    const out = escapeMrkdwn(input);
    expect(out).toBe(expected);
    expect(out).not.toMatch(LIVE_SYNTAX);
  });

  it('escapes only & < > — emphasis, quotes, plain @here and emoji are kept as written', () => {
    expect(escapeMrkdwn('*bold* _it_ ~s~ `code` "q" \'a\' @here #general :tada: Ünïcode 🦙')).toBe(
      '*bold* _it_ ~s~ `code` "q" \'a\' @here #general :tada: Ünïcode 🦙',
    );
    expect(escapeMrkdwn('AT&T <b> 1 > 0')).toBe('AT&amp;T &lt;b&gt; 1 &gt; 0');
  });

  it('escapes an already-escaped entity again, so the reader sees exactly what the feed said', () => {
    expect(escapeMrkdwn('&amp;')).toBe('&amp;amp;');
  });

  it('never leaves a raw < or > and every & starts one of our entities (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = escapeMrkdwn(s);
        expect(out).not.toMatch(/[<>]/);
        expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }),
    );
  });
});

describe('safeLink', () => {
  it('links a headline to its article', () => {
    expect(safeLink('https://news.example/ai/meta-caisi?id=7', 'Meta pressed on review')).toBe(
      '<https://news.example/ai/meta-caisi?id=7|Meta pressed on review>',
    );
  });

  it('escapes the label, so a hostile title cannot close the link or mention anyone', () => {
    const out = safeLink('https://news.example/a', '<!channel> x> <@U1>');
    expect(out).toBe('<https://news.example/a|&lt;!channel&gt; x&gt; &lt;@U1&gt;>');
    // exactly one live link, and it is ours
    expect(out.match(/<(?!https:\/\/news\.example\/a\|)/g)).toBeNull();
  });

  it('percent-encodes | < > and spaces in the URL and escapes & as &amp;', () => {
    const out = safeLink('https://news.example/a|b?q=x y&z=<1>', 'T');
    expect(out).toBe('<https://news.example/a%7Cb?q=x%20y&amp;z=%3C1%3E|T>');
    const url = out.slice(1, out.indexOf('|'));
    expect(url).not.toMatch(/[|<> ]/);
  });

  it.each([
    ['javascript:alert(1)'],
    ['data:text/html,<b>x</b>'],
    ['ftp://files.example/x'],
    ['not a url'],
    ['//news.example/relative'],
    ['https://good.example@evil.example/'],
    [''],
  ])('falls back to the escaped label for %j', (url) => {
    expect(safeLink(url, 'Title <b>')).toBe('Title &lt;b&gt;');
  });

  it('handles a missing link and an empty label', () => {
    expect(safeLink(undefined, 'No link')).toBe('No link');
    expect(safeLink(null, 'No link')).toBe('No link');
    expect(safeLink('https://news.example/x', '')).toBe('<https://news.example/x>');
  });

  it('flattens line breaks in the label', () => {
    expect(safeLink('https://news.example/x', 'two\nlines')).toBe('<https://news.example/x|two lines>');
  });

  it('refuses absurdly long URLs', () => {
    expect(mrkdwnUrl(`https://news.example/${'a'.repeat(4000)}`)).toBeUndefined();
    expect(mrkdwnUrl('HTTPS://News.Example/Path')).toBe('https://news.example/Path');
  });
});

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('Meta', 10)).toBe('Meta');
    expect(truncate('', 10)).toBe('');
  });

  it('cuts on a word boundary with an ellipsis', () => {
    const out = truncate('Washington presses Meta over the pre-release review', 30);
    expect(out).toBe('Washington presses Meta over…');
    expect(out.length).toBeLessThanOrEqual(30);
  });

  it('hard-cuts a single long word', () => {
    const out = truncate('x'.repeat(50), 10);
    expect(out).toBe(`${'x'.repeat(9)}…`);
  });

  it('never leaves half an escape sequence', () => {
    const escaped = escapeMrkdwn('Research & Development & Policy');
    for (let max = 2; max < escaped.length; max++) {
      const out = truncate(escaped, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    }
    expect(truncate('aaaa&amp;bbbb', 8)).toBe('aaaa…');
  });

  it('never splits a surrogate pair', () => {
    const text = '🦙🦙🦙🦙🦙🦙';
    for (let max = 1; max < text.length; max++) {
      const out = truncate(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    }
  });

  it('does not leave an unclosed link it built', () => {
    const text = `Read ${safeLink('https://news.example/story', 'the full story here')} now`;
    const out = truncate(text, 30);
    expect(out).toBe('Read…');
  });

  it('respects max, keeps entities whole and surrogates paired (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.integer({ min: 1, max: 120 }),
        (s, max) => {
          const escaped = escapeMrkdwn(s);
          const out = truncate(escaped, max);
          expect(out.length).toBeLessThanOrEqual(max);
          if (escaped.length <= max) expect(out).toBe(escaped);
          else expect(out.endsWith('…')).toBe(true);
          expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
          expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
        },
      ),
    );
  });

  it('returns nothing for a non-positive max', () => {
    expect(truncate('abc', 0)).toBe('');
    expect(truncate('abc', -3)).toBe('');
  });
});

describe('text objects', () => {
  it('mrkdwnText turns automatic parsing off, so a plain @here in a feed stays inert', () => {
    const t = mrkdwnText(escapeMrkdwn('@here <!channel> new EO'));
    expect(t).toEqual({ type: 'mrkdwn', text: '@here &lt;!channel&gt; new EO', verbatim: true });
  });

  it('plainText truncates to the header limit and keeps the text literal', () => {
    const title = `<!channel> ${'Frontier AI review '.repeat(20)}`;
    const t = plainText(title, MAX_HEADER_TEXT);
    expect(t.type).toBe('plain_text');
    expect(t.emoji).toBe(false);
    expect(t.text.length).toBeLessThanOrEqual(MAX_HEADER_TEXT);
    expect(t.text.startsWith('<!channel> Frontier')).toBe(true); // plain_text is never parsed
    expect(t.text.endsWith('…')).toBe(true);
  });

  it('a button label fits the button limit', () => {
    expect(
      plainText('Confirm roster change for Google DeepMind in the CAISI review program', MAX_BUTTON_TEXT).text
        .length,
    ).toBeLessThanOrEqual(MAX_BUTTON_TEXT);
  });
});

describe('limits', () => {
  it('match the documented Block Kit limits', () => {
    expect(MAX_BLOCKS_PER_MESSAGE).toBe(50);
    expect(MAX_BLOCKS_PER_HOME).toBe(100);
    expect(MAX_SECTION_TEXT).toBe(3000);
    expect(MAX_SECTION_FIELDS).toBe(10);
    expect(MAX_SECTION_FIELD_TEXT).toBe(2000);
    expect(MAX_HEADER_TEXT).toBe(150);
    expect(MAX_BUTTON_TEXT).toBe(75);
  });
});
