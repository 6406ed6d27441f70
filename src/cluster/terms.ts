/** Content words of a headline or summary, for telling stories apart (pure). */
const STOP = new Set(
  `a an the and or but of to in on for with by from at as is are was were be been being has have had it its this that these those
  than then there their they them he she his her we our you your not no yes will would could should may might can said says say
  about after before over under into out up down new more most other others also just only very so such who whom which what when
  where why how all any each every both few many much some own same too us u s mr ms amid while during per via vs week weeks day
  days year years month months report reports reported according people familiar told tuesday monday wednesday thursday friday
  saturday sunday june july may april march ai model models company companies major latest`
    .split(/\s+/)
    .filter(Boolean),
);

/** A light stemmer: enough to meet "presses"/"pressed"/"pressing" and "reviews"/"review". */
export function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ied')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('es') && /(ss|sh|ch|x)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  return w;
}

export function contentTerms(text: string): string[] {
  const words = text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[’']s\b/g, '')
    .split(/[^a-z0-9]+/);
  const out = new Set<string>();
  for (const w of words) {
    if (w.length < 3 || STOP.has(w) || /^\d+$/.test(w)) continue;
    out.add(stem(w));
  }
  return [...out];
}
