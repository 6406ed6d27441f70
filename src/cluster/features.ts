/**
 * What clustering knows of one item (pure): its words, the documents it names, the kind of event it
 * reports, the labs and programs it is about, and when it happened. Computed once per item and kept
 * with the story's source, so later items are compared with each member as it was written.
 */
import type { MatchResult } from '../match/types.js';
import { splitSentences } from '../text/sentences.js';
import { normaliseTitle } from '../text/title.js';
import type { StoryWords } from './story-words.js';
import { rawTokens, stem } from './words.js';

export interface StoryFeatures {
  /** Term → weight in the item: 1 for a headline word, 0.5 for a lead word, 1.5 for both. */
  terms: Record<string, number>;
  /** The headline's terms alone. */
  title: string[];
  /** Documents named, as `kind:value` ("bill:sb512", "order:14409"). */
  ids: string[];
  /** Kinds of event the headline reports (or its first sentence, when the headline says none). */
  kinds: string[];
  labs: string[];
  programs: string[];
  /**
   * Who acts in the event the headline reports (an agency, a court, a chamber, a state), from
   * seeds/stories.yaml `actors`; absent in features stored before actors were kept.
   */
  actors?: string[];
  /** When the news happened, ISO. */
  at: string;
  /** The headline, normalised (src/text/title.ts): how an aggregator's list of related coverage names it. */
  headline?: string;
  /**
   * Headlines (normalised) that an aggregator lists as other coverage of the item's story (Google
   * News's related coverage); absent when it lists none.
   */
  related?: string[];
  /** The outlet that published it, lowercased; absent in features stored before outlets were kept. */
  outlet?: string;
}

const YEAR = /^(19[89]\d|20[0-3]\d)$/;
const LEAD_WEIGHT = 0.5;

/**
 * The comparable words of a text, in order: stop words, one- and two-letter words, lone years and
 * one- or two-digit numbers dropped; a word followed by a small number also gives the pair as one
 * term ("GPT-5" → gpt5, "June 12" → june12), so model versions and dates tell stories apart.
 */
export function termsOf(text: string, words: StoryWords): string[] {
  const tokens = rawTokens(text).map((t) => words.abbreviations.get(t) ?? t);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    const next = tokens[i + 1];
    const numeric = /^\d+$/.test(t);
    // …unless the number counts something: "the order's 30-day clock" names no version.
    const unit = tokens[i + 2];
    if (!numeric && next && /^\d{1,2}$/.test(next) && t.length >= 2 && !(unit && words.units.has(unit)))
      out.push(`${t}${next}`);
    if (numeric) {
      if (t.length >= 3 && !YEAR.test(t)) out.push(t);
      continue;
    }
    if (t.length < 3 || words.stop.has(t)) continue;
    const s = stem(t);
    if (words.stop.has(s)) continue;
    out.push(s);
    // The kind of event as a term of its own: "sues", "lawsuit" and "complaint" meet there.
    const kind = words.kinds.get(s);
    if (kind) out.push(`~${kind}`);
    for (const c of words.concepts.get(s) ?? []) out.push(`=${c}`);
  }
  return out;
}

/** Documents named in a text: an identifier prefix ("SB", "Executive Order") followed by a number. */
export function identifiersOf(text: string, words: StoryWords): string[] {
  const tokens = rawTokens(text);
  const found = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    for (const { kind, prefix, minDigits } of words.identifiers) {
      const end = i + prefix.length;
      if (end >= tokens.length) continue;
      let same = true;
      for (let k = 0; k < prefix.length && same; k++) same = tokens[i + k] === prefix[k];
      const num = tokens[end] as string;
      if (!same || !/^\d{1,6}$/.test(num) || num.length < minDigits) continue;
      // A bill's chamber letters are part of its name (SB 12 is not AB 12); an order is its number.
      found.add(kind === 'bill' ? `${kind}:${prefix.join('')}${num}` : `${kind}:${num}`);
      break;
    }
  }
  return [...found].sort();
}

/** Wordings that name no one in particular (seeds/stories.yaml `actors.any`). */
const ANY_ACTOR = 'any';

/** The kind of event (seeds/stories.yaml `kinds`) of a bill's progress. */
const LEGISLATION = 'legislation';

/** The prefix of a member of Congress named by surname, as an actor ("member:markey"). */
export const MEMBER = 'member:';

/** The chambers of Congress, as actors. */
const CHAMBERS: ReadonlySet<string> = new Set(['senate', 'house']);

/**
 * The actors a text names (seeds/stories.yaml `actors`), longest wording first. Who acts is the
 * headline's subject, so:
 * - names after a context word, once an actor has been named or when `labLeads` (the headline is
 *   led by a tracked lab or program), are context ("Senators press Musk on Grok as FTC steps in"
 *   is the senators' event, "Meta joins federal testing after months of White House pressure"
 *   Meta's);
 * - a chamber named in the first three words leads the headline, and what follows is whom it acts
 *   on ("Senate Commerce advances…", "House panel grills Pentagon…").
 */
export function actorsOf(text: string, words: StoryWords, labLeads = false): string[] {
  const tokens = rawTokens(text);
  const found: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if ((found.length || labLeads) && words.actorContext.has(token)) break;
    for (const { actor, words: w } of words.actors.get(token) ?? []) {
      if (i + w.length > tokens.length) continue;
      let k = 0;
      while (k < w.length && tokens[i + k] === w[k]) k++;
      if (k < w.length) continue;
      if (actor !== ANY_ACTOR) {
        if (found.length === 0 && i <= 2 && CHAMBERS.has(actor)) return [actor];
        if (!found.includes(actor)) found.push(actor);
      }
      i += w.length - 1;
      break;
    }
  }
  return found.sort();
}

/**
 * The chamber (or both, when the headline does not say) of members of Congress who lead a headline
 * by name: "Warren, Banks Demand Answers from OpenAI", "Sen. Markey presses Altman…", "Klobuchar,
 * Colleagues Press xAI…", "Moolenaar Demands Briefing…". Null when the headline is not so led: the
 * names must be capitalised words that are neither acronyms (GAO, FTC) nor actors' wordings
 * (Trump, Lutnick) nor common words (Regulators), followed by one of seeds/stories.yaml
 * `lawmakers.verbs`; a title alone will do ("Senators press…", "Lawmakers want…"). `named(end)`
 * says whether a tracked lab or program is named before `end` (then the subject is a company:
 * "Meta, Google Urge…").
 */
export function lawmakerSubject(
  title: string,
  words: StoryWords,
  named: (end: number) => boolean = () => false,
): string[] | null {
  return leadingLawmakers(title, words, named)?.chambers ?? null;
}

/** Who a headline's leading members of Congress are: their chamber(s) and the surnames it gives. */
export function leadingLawmakers(
  title: string,
  words: StoryWords,
  named: (end: number) => boolean = () => false,
): { chambers: string[]; names: string[] } | null {
  const { titles, verbs } = words.lawmakers;
  if (verbs.size === 0) return null;
  const parts = [...title.matchAll(/[^\s,;:]+/gu)].map((m) => ({ text: m[0], at: m.index ?? 0 }));
  const lower = parts.map((p) => rawTokens(p.text).join(' '));
  let k = 0;
  let chamber: string | null = null;
  for (const t of titles) {
    if (t.words.every((w, j) => lower[j] === w)) {
      chamber = t.chamber ?? null;
      k = t.words.length;
      break;
    }
  }
  // A capitalised common word ("Regulators want to know…") is not a name; only a word that is its
  // stem or its stem's plural is looked up ("Warner" is not "warn").
  const common = (w: string): boolean => {
    if (words.stop.has(w)) return true;
    const st = stem(w);
    if (w !== st && w !== `${st}s`) return false;
    return words.stop.has(st) || words.kinds.has(st) || words.concepts.has(st) || words.background.has(st);
  };
  const titled = k > 0;
  let names = 0;
  const surnames: string[] = [];
  for (; k < parts.length && names <= 6; k++) {
    const word = parts[k]?.text as string;
    const low = lower[k] as string;
    if ((names > 0 || titled) && verbs.has(low)) {
      if (named((parts[k] as { at: number }).at)) return null;
      return { chambers: chamber ? [chamber] : ['house', 'senate'], names: [...new Set(surnames)].sort() };
    }
    if (low === 'and' || word === '&') continue;
    if (low === 'colleagues' && names > 0) {
      names++;
      continue;
    }
    const acronym = word.length > 1 && word === word.toUpperCase();
    if (!/^\p{Lu}/u.test(word) || acronym || words.actors.has(low) || low.split(' ').some(common))
      return null;
    names++;
    // "Cantwell-Young": each surname of a hyphenated pair.
    surnames.push(...low.split(' '));
  }
  return null;
}

/**
 * Who acts in the event a headline reports, else its `opening` sentence: members of Congress who
 * lead it (their chamber, and each surname as an actor of its own, "member:warren", so that two
 * members' letters to one agency about one lab are two events), else the actors it names. Agencies
 * do not pass bills: under a headline about legislation ("Committee advances bill to authorize the
 * Center for AI Standards") they are its subject, not who acts. `named` as for lawmakerSubject.
 */
export function whoActs(
  title: string,
  opening: string,
  kinds: readonly string[],
  words: StoryWords,
  named: (end: number) => boolean = () => false,
): string[] {
  const lawmakers = leadingLawmakers(title, words, named);
  let actors = lawmakers
    ? [...lawmakers.chambers, ...lawmakers.names.map((n) => `${MEMBER}${n}`)]
    : actorsOf(title, words, namedBeforeContext(title, words, named));
  if (actors.length === 0 && opening) actors = actorsOf(opening, words);
  return kinds.includes(LEGISLATION) ? actors.filter((a) => !words.agencies.has(a)) : actors;
}

/** Is a tracked lab or program named before the headline's first context word ("after", "amid"…)? */
function namedBeforeContext(title: string, words: StoryWords, named: (end: number) => boolean): boolean {
  const context = words.actorContextPattern.exec(title);
  return context !== null && named(context.index);
}

export function kindsOf(terms: readonly string[]): string[] {
  return [...new Set(terms.filter((t) => t.startsWith('~')).map((t) => t.slice(1)))].sort();
}

/**
 * The entities an item is about: those in its headline when the headline names any, else those in
 * the first two sentences of its summary, else all it mentions. A story about Meta that lists the
 * five labs that signed, or recalls last week's directive in its third sentence, is still a story
 * about Meta and the review.
 */
export function focus(match: MatchResult, ids: readonly string[], summary: string): string[] {
  const named = (field: 'title' | 'summary', before = Number.POSITIVE_INFINITY) =>
    ids.filter((id) => match.evidence.some((e) => e.entity === id && e.field === field && e.start < before));
  const inTitle = named('title');
  if (inTitle.length) return inTitle;
  const leadEnd = splitSentences(summary).slice(0, 2).at(-1)?.end ?? summary.length;
  const inLead = named('summary', leadEnd);
  return inLead.length ? inLead : [...ids];
}

/** The first two sentences of a summary: what a lead says about the event, before background. */
export function leadOf(summary: string): string {
  const sentences = splitSentences(summary);
  const end = sentences.slice(0, 2).at(-1)?.end;
  return end === undefined ? summary : summary.slice(0, end);
}

export function itemFeatures(
  item: { title: string; summary: string; at: string; related?: readonly string[]; outlet?: string },
  match: MatchResult,
  words: StoryWords,
): StoryFeatures {
  const title = termsOf(item.title, words);
  const lead = leadOf(item.summary);
  const leadTerms = termsOf(lead, words);
  const terms: Record<string, number> = {};
  for (const t of title) terms[t] = 1;
  for (const t of leadTerms) terms[t] = (terms[t] === 1 ? 1 : 0) + LEAD_WEIGHT;
  // The kind of event and who acts come from the headline, else from the summary's first sentence.
  const first = splitSentences(item.summary)[0];
  const opening = first ? item.summary.slice(first.start, first.end) : '';
  let kinds = kindsOf(title);
  if (kinds.length === 0 && opening) kinds = kindsOf(termsOf(opening, words));
  const inTitle = (end: number) =>
    match.evidence.some(
      (e) => e.field === 'title' && e.start < end && [...match.labs, ...match.programs].includes(e.entity),
    );
  const actors = whoActs(item.title, opening, kinds, words, inTitle);
  return {
    terms,
    title: [...new Set(title)],
    ids: identifiersOf(`${item.title} . ${lead}`, words),
    kinds,
    labs: focus(match, match.labs, item.summary),
    programs: focus(match, match.programs, item.summary),
    actors,
    at: item.at,
    headline: normaliseTitle(item.title),
    ...(item.outlet ? { outlet: item.outlet.toLowerCase() } : {}),
    ...(item.related?.length
      ? { related: [...new Set(item.related.map(normaliseTitle))].filter(Boolean) }
      : {}),
  };
}
