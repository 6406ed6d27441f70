/**
 * Words for comparing stories (pure): lower-cased, accents folded, split on anything that is not a
 * letter or digit, and reduced by a light stemmer so that "presses", "pressed" and "pressing", or
 * "hearings" and "hearing", meet.
 */

/** Lower-case, fold accents, and split into letter/digit runs (kept in order). */
export function rawTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[’']s\b/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

const DOUBLED = /(bb|dd|gg|mm|nn|pp|rr|tt)$/;

/**
 * A light suffix stripper: plural and -ing/-ed endings, a doubled final consonant ("banned" → "ban"),
 * a final silent e ("rule", "ruled", "ruling" → "rul"). Not a linguist's stemmer: it only has to map
 * the forms one story's coverage uses onto one word, and rarely map two words onto one.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length < 4 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(sh|ch|x|ss|zz)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length >= 6) w = w.slice(0, -3);
  else if (w.endsWith('ied') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ed') && w.length >= 5) w = w.slice(0, -2);
  else if (w.endsWith('er') && w.length >= 6) w = w.slice(0, -2);
  if (DOUBLED.test(w) && w.length >= 4) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length >= 4) w = w.slice(0, -1);
  return w;
}
