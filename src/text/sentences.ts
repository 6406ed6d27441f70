/**
 * Sentences in plain text (pure), shared by the matcher, the roster-change reader and the
 * summariser: a dot after an abbreviation ("No. 14409", "Sen. Smith", "U.S.") ends no sentence.
 */

/** Short words that end with a dot without ending the sentence. */
export const ABBREVIATIONS: ReadonlySet<string> = new Set([
  'no',
  'nos',
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'inc',
  'corp',
  'co',
  'ltd',
  'jr',
  'sr',
  'gov',
  'sen',
  'rep',
  'dept',
  'vs',
  'gen',
  'sec',
]);

/** Sentence ranges in plain text; dotted abbreviations ("U.S.", "Inc.") do not end a sentence. */
export function splitSentences(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const re = /[.!?]+["”’')\]]*(?=\s+["“‘'(]?[A-Z0-9])/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (text[m.index] === '.') {
      const before = /([A-Za-z]+)$/.exec(text.slice(Math.max(0, m.index - 12), m.index));
      const word = before?.[1] ?? '';
      if (word.length === 1 || ABBREVIATIONS.has(word.toLowerCase())) continue;
    }
    const end = m.index + m[0].length;
    out.push({ start, end });
    start = end;
  }
  if (start < text.length) out.push({ start, end: text.length });
  return out
    .map((s) => {
      let a = s.start;
      let b = s.end;
      while (a < b && /\s/.test(text[a] as string)) a++;
      while (b > a && /\s/.test(text[b - 1] as string)) b--;
      return { start: a, end: b };
    })
    .filter((s) => s.end > s.start);
}

/** The sentences of a text as strings, whitespace collapsed. */
export function sentences(text: string): string[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  return splitSentences(flat).map((s) => flat.slice(s.start, s.end));
}
