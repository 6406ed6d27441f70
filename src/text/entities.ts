/**
 * HTML character references in feed text (`&amp;`, `&#8217;`, `&rsquo;`, even double-encoded
 * `&amp;#8217;`), decoded with a map back to the original offsets, so that a span found in the
 * decoded text can be cut out of the text as it was given. Pure.
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ensp: ' ',
  emsp: ' ',
  thinsp: ' ',
  rsquo: '\u2019',
  lsquo: '\u2018',
  rdquo: '\u201d',
  ldquo: '\u201c',
  sbquo: '\u201a',
  bdquo: '\u201e',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  middot: '\u00b7',
  bull: '\u2022',
  laquo: '\u00ab',
  raquo: '\u00bb',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  eacute: '\u00e9',
  egrave: '\u00e8',
  aacute: '\u00e1',
  agrave: '\u00e0',
  iacute: '\u00ed',
  oacute: '\u00f3',
  uacute: '\u00fa',
  ntilde: '\u00f1',
  ccedil: '\u00e7',
  auml: '\u00e4',
  ouml: '\u00f6',
  uuml: '\u00fc',
  szlig: '\u00df',
  euro: '\u20ac',
  pound: '\u00a3',
};

const ENTITY_RE = /&(?:amp;)?(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});/y;

function decodeOne(body: string): string | null {
  if (body.charCodeAt(0) === 35 /* # */) {
    const hex = body[1] === 'x' || body[1] === 'X';
    const cp = Number.parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
    if (!Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    return String.fromCodePoint(cp);
  }
  return NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()] ?? null;
}

export interface DecodedText {
  text: string;
  /** map[i] = offset in the original text of decoded character i; map[text.length] = original length. Null when nothing was decoded. */
  map: Int32Array | null;
}

/** Decode HTML character references, keeping a map back to the original offsets. */
export function decodeEntities(s: string): DecodedText {
  if (!s.includes('&')) return { text: s, map: null };
  let out = '';
  const map: number[] = [];
  let i = 0;
  let changed = false;
  while (i < s.length) {
    if (s.charCodeAt(i) === 38) {
      ENTITY_RE.lastIndex = i;
      const m = ENTITY_RE.exec(s);
      if (m) {
        const decoded = decodeOne(m[1] as string);
        if (decoded !== null) {
          out += decoded;
          for (let k = 0; k < decoded.length; k++) map.push(i);
          i += m[0].length;
          changed = true;
          continue;
        }
        if (m[0].startsWith('&amp;')) {
          out += '&';
          map.push(i);
          i += 5;
          changed = true;
          continue;
        }
      }
    }
    out += s[i];
    map.push(i);
    i++;
  }
  if (!changed) return { text: s, map: null };
  map.push(s.length);
  return { text: out, map: Int32Array.from(map) };
}

/** Offset in the original text of a decoded offset. */
export const originalOffset = (d: DecodedText, decodedOffset: number): number =>
  d.map ? (d.map[decodedOffset] as number) : decodedOffset;

/** Decoded offset of an original offset (the first decoded character at or after it). */
export function decodedOffset(d: DecodedText, original: number): number {
  const map = d.map;
  if (!map) return original;
  let lo = 0;
  let hi = map.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((map[mid] as number) < original) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
