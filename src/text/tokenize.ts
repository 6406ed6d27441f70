/**
 * Cuts text into word tokens for matching (one pass over the characters). Pure.
 * - Whole words: letters, digits and marks of any script; everything else separates.
 * - Dotted abbreviations are one token: "U.S." == "US", "E.O." == "EO", "A.I." == "AI".
 * - A possessive "'s" / "’s" belongs to the gap after a word, not to the next token.
 * - Each gap is classified: soft (spaces, one hyphen, a possessive, an abbreviation's or an
 *   initial's dot) joins two tokens into one phrase; anything else (other punctuation, a blank
 *   line) separates phrases.
 * - A standalone "&" is read as the word "and".
 */
import { ABBREVIATIONS } from './sentences.js';

const NON_ASCII_WORD = /[\p{L}\p{N}\p{M}]/u;
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_WORD[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0;
}

const isWordCode = (s: string, i: number): boolean => {
  if (i >= s.length) return false;
  const c = s.charCodeAt(i);
  if (c < 128) return ASCII_WORD[c] === 1;
  return NON_ASCII_WORD.test(s[i] as string);
};
const isAsciiLetterAt = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
};
const isSpaceCode = (c: number): boolean =>
  c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0x2009 || c === 0x202f;

/** One field (title or summary) cut into word tokens. */
export interface TokenizedText {
  /** The decoded text the token offsets refer to. */
  text: string;
  start: number[];
  end: number[];
  raw: string[];
  lower: string[];
  /** The gap before token k joins it to token k-1 (spaces, one hyphen, a possessive). */
  soft: boolean[];
  /** The gap before token k is exactly one hyphen ("OpenAI-backed"). */
  hyphen: boolean[];
}

const HYPHENS = new Set(['-', '\u2010', '\u2011']);

function classifyGap(s: string, from: number, to: number, prevLower: string | undefined): 0 | 1 | 2 {
  // 0 = hard, 1 = soft, 2 = soft hyphen
  const len = to - from;
  if (len === 1) {
    const ch = s[from] as string;
    if (ch === ' ') return 1;
    if (HYPHENS.has(ch)) return 2;
    return isSpaceCode(ch.charCodeAt(0)) ? 1 : 0;
  }
  let k = from;
  const c0 = s.charCodeAt(k);
  if ((c0 === 39 || c0 === 0x2019) && (s[k + 1] === 's' || s[k + 1] === 'S')) k += 2;
  // An abbreviation's dot, or an initial's ("S. Korea", "J. Doe"), as sentences.ts reads them.
  else if (
    c0 === 46 /* . */ &&
    prevLower !== undefined &&
    (prevLower.length === 1 || ABBREVIATIONS.has(prevLower))
  )
    k += 1;
  let newlines = 0;
  for (; k < to; k++) {
    const c = s.charCodeAt(k);
    if (!isSpaceCode(c)) return 0;
    if (c === 10) newlines++;
  }
  return newlines > 1 ? 0 : 1;
}

/** Cut text into word tokens, merging dotted abbreviations and reading a standalone "&" as "and". */
export function tokenize(text: string): TokenizedText {
  const t: TokenizedText = { text, start: [], end: [], raw: [], lower: [], soft: [], hyphen: [] };
  const n = text.length;
  let prevEnd = -1;
  const push = (start: number, end: number, raw: string, lower: string) => {
    const k = t.raw.length;
    const gap = k === 0 ? 0 : classifyGap(text, prevEnd, start, t.lower[k - 1]);
    t.start.push(start);
    t.end.push(end);
    t.raw.push(raw);
    t.lower.push(lower);
    t.soft.push(gap !== 0);
    t.hyphen.push(gap === 2);
    prevEnd = end;
  };
  let i = 0;
  while (i < n) {
    if (isWordCode(text, i)) {
      const start = i;
      // U.S. / E.O. / A.I.: single letters joined by dots become one token.
      if (
        isAsciiLetterAt(text, i) &&
        text.charCodeAt(i + 1) === 46 &&
        isAsciiLetterAt(text, i + 2) &&
        !isWordCode(text, i + 3) &&
        (i === 0 || !isWordCode(text, i - 1))
      ) {
        let letters = text[i] as string;
        let p = i + 1;
        while (text.charCodeAt(p) === 46 && isAsciiLetterAt(text, p + 1) && !isWordCode(text, p + 2)) {
          letters += text[p + 1];
          p += 2;
        }
        if (text.charCodeAt(p) === 46) p++;
        push(start, p, letters, letters.toLowerCase());
        i = p;
        continue;
      }
      i++;
      while (i < n && isWordCode(text, i)) i++;
      const raw = text.slice(start, i);
      push(start, i, raw, raw.toLowerCase());
      // A possessive "'s" / "’s" belongs to the gap, not to the next token.
      const q = text.charCodeAt(i);
      if (
        (q === 39 || q === 0x2019) &&
        (text[i + 1] === 's' || text[i + 1] === 'S') &&
        !isWordCode(text, i + 2)
      ) {
        i += 2;
      }
      continue;
    }
    if (
      text.charCodeAt(i) === 38 &&
      isSpaceCode(text.charCodeAt(i - 1)) &&
      isSpaceCode(text.charCodeAt(i + 1))
    ) {
      push(i, i + 1, '&', 'and');
    }
    i++;
  }
  return t;
}
