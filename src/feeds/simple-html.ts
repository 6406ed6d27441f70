/**
 * A fast path for the HTML most feed descriptions carry (pure): paragraphs, line breaks, links,
 * emphasis and images, nothing else. For such HTML, text with tags removed and entities decoded,
 * once whitespace is collapsed, is exactly what html-to-text gives with the options of
 * normalise.ts, at a small fraction of the cost (a first poll converts tens of thousands of
 * descriptions). Anything else (lists, quotes, tables, comments, a stray "<") returns null and
 * goes to html-to-text; test/feeds/simple-html.test.ts compares the two.
 */
import { decodeHTML } from 'entities';

/** Elements that only break a line or a paragraph: a space once whitespace is collapsed. */
const BLOCK = new Set(['p', 'br', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Elements whose text is kept as it is, and images, which are skipped. */
const INLINE = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  'span',
  'small',
  'u',
  'sup',
  'sub',
  'img',
  'font',
  'abbr',
]);

/** An opening or closing tag, attributes quoted or not. */
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)(?:\s(?:[^>"']|"[^"]*"|'[^']*')*)?\/?>/g;

/**
 * The text of simple HTML, whitespace not yet collapsed; null when the HTML holds anything but the
 * simple elements, or text that html-to-text treats differently (a zero-width space is a space
 * there; here it would vanish).
 */
export function simpleHtmlText(html: string): string | null {
  let out = '';
  let at = 0;
  // Each run of text is decoded on its own, as the parser does: an entity never spans a tag.
  const text = (to: number): boolean => {
    const run = html.slice(at, to);
    if (run.includes('<')) return false;
    out += run.includes('&') ? decodeHTML(run) : run;
    return true;
  };
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m; m = TAG.exec(html)) {
    const name = (m[2] as string).toLowerCase();
    const block = BLOCK.has(name);
    if ((!block && !INLINE.has(name)) || !text(m.index)) return null;
    if (block) out += ' ';
    at = m.index + m[0].length;
  }
  if (!text(html.length)) return null;
  return out.includes('\u200b') ? null : out;
}
