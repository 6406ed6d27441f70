/**
 * Story members as the store keeps them (pure): features read back from JSON, features for a source
 * stored before features were kept (from its headline alone), and the tracked labs' own names.
 */
import type { Roster } from '../roster/schema.js';
import { normaliseTitle } from '../text/title.js';
import { identifiersOf, kindsOf, type StoryFeatures, termsOf, whoActs } from './features.js';
import type { StoryWords } from './story-words.js';

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Features as stored with a source; null when missing or not of the expected shape. */
export function readFeatures(v: unknown): StoryFeatures | null {
  if (!v || typeof v !== 'object') return null;
  const f = v as Record<string, unknown>;
  const terms = f.terms;
  if (!terms || typeof terms !== 'object' || Object.values(terms).some((w) => typeof w !== 'number'))
    return null;
  if (![f.title, f.ids, f.kinds, f.labs, f.programs].every(isStrings) || typeof f.at !== 'string')
    return null;
  // Features stored before actors were kept have none; anything else there is not ours.
  if (f.actors !== undefined && !isStrings(f.actors)) return null;
  if (f.headline !== undefined && typeof f.headline !== 'string') return null;
  if (f.related !== undefined && !isStrings(f.related)) return null;
  if (f.outlet !== undefined && typeof f.outlet !== 'string') return null;
  return f as unknown as StoryFeatures;
}

/** Features from a headline alone, for a source stored without them. */
export function titleFeatures(
  title: string,
  at: string,
  labs: string[],
  programs: string[],
  words: StoryWords,
): StoryFeatures {
  const terms = termsOf(title, words);
  const kinds = kindsOf(terms);
  return {
    terms: Object.fromEntries(terms.map((t) => [t, 1])),
    title: [...new Set(terms)],
    ids: identifiersOf(title, words),
    kinds,
    labs,
    programs,
    actors: whoActs(title, '', kinds, words),
    at,
    headline: normaliseTitle(title),
  };
}

/**
 * The words of the tracked labs' and programs' names and main aliases (not the labs' products or
 * people). A lab's name says which lab, which the entities already tell, not which of the lab's
 * stories: it is ignored. A program's name is a frequent word (its title may be all an official
 * document's headline has).
 */
export function rosterNameTerms(roster: Roster, words: StoryWords): { ignore: string[]; frequent: string[] } {
  const strong = (aliases: Roster['labs'][number]['aliases']) =>
    aliases.flatMap((a) => (typeof a === 'string' ? [a] : a.weak ? [] : [a.text]));
  const termsOfAll = (list: { name: string; aliases: Roster['labs'][number]['aliases'] }[]) => [
    ...new Set(list.flatMap((x) => [x.name, ...strong(x.aliases)].flatMap((n) => termsOf(n, words)))),
  ];
  return { ignore: termsOfAll(roster.labs), frequent: termsOfAll(roster.programs) };
}
