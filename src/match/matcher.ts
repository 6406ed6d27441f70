/**
 * Finds the roster's labs and programs, and the government / regulatory / security topics, in a
 * news item. Pure: no I/O, no clock, no globals that change. The words it looks for are data:
 * aliases and their rules in seeds/roster.yaml, everything else in seeds/vocabulary.yaml.
 *
 * Design (why it is fast): every alias and topic phrase is compiled once into a trie keyed by
 * lower-cased word tokens. An item is tokenised once (src/text/tokenize.ts), and each token is
 * looked up in the trie's root map; only the rare tokens that start some alias walk further, one
 * map lookup per following token. The cost per item is therefore proportional to the number of
 * tokens in the item, not to the number of aliases: a roster of 1,000 labs with 5 aliases each
 * costs about the same per item as the seed roster. Per-alias rules (letter case, hyphen compounds,
 * `unless` conditions) are checked only on the few candidates the trie returns; the words that
 * tell whether an item is about AI or is the lab's own business are looked for only when a lab
 * item would otherwise alert.
 *
 * Matching rules:
 * - Whole words only: "metadata", "metaverse", "Metaculus" are single tokens and never "Meta".
 * - Spaces and single hyphens between words are equivalent ("export-control directive" ==
 *   "export control directive"); a multi-word alias never spans other punctuation.
 * - Dotted abbreviations are one token: "U.S." == "US", "E.O." == "EO", "A.I." == "AI".
 * - Possessives ("Meta's", "Meta’s") and compounds ("OpenAI-backed", "Meta-led") count. A
 *   case-sensitive alias followed by a hyphen and a lower-case word only counts when that word
 *   reads as a compound modifier (the vocabulary's `compounds`): "Meta-analysis" does not.
 * - `case: sensitive` aliases match their own capitalisation, or the all-caps form inside an
 *   all-caps run of text (a shouted headline).
 * - An alias with `unless` conditions does not count where one of them holds (the word before or
 *   after it, other words in the item, the all-caps form).
 * - An alias with `context: tech` counts only when the item is about technology: a strong alias
 *   of any lab or program, or one of the vocabulary's tech words, elsewhere in the item.
 * - A weak program alias ("export control directive") counts only next to a tracked lab.
 * - HTML entities are decoded before matching (src/text/entities.ts); evidence offsets always
 *   point into the text as it was given, so `item.title.slice(e.start, e.end) === e.text`.
 */
import type { AliasInput, Condition, Roster } from '../roster/schema.js';
import { loadVocabulary, type Term, type Vocabulary } from '../roster/vocabulary.js';
import { type DecodedText, decodeEntities, originalOffset } from '../text/entities.js';
import { type TokenizedText, tokenize } from '../text/tokenize.js';
import { compileDecision, type DecisionRules, decide, type ItemFacts } from './decide.js';
import type { Evidence, MatchResult } from './types.js';

export interface MatchInput {
  title: string;
  summary?: string | null;
}

export interface Matcher {
  match(item: MatchInput): MatchResult;
  /** Number of compiled phrases (aliases, topic terms and stop phrases). */
  readonly size: number;
  /** The roster it was compiled from. */
  readonly roster: Roster;
}

// ---------------------------------------------------------------------------------------------
// Compiled phrases and rules

/** Entries found by the main scan; `signal` entries (AI, not-AI, business words) by a second one. */
type EntryKind = 'lab' | 'program' | 'topic' | 'stop';
type SignalKind = 'ai' | 'not-ai' | 'business';

/** Words, word prefixes ("explainab*") and phrases, in lower case. */
interface WordList {
  words: Set<string>;
  prefixes: string[];
  phrases: string[][];
}

interface Rule {
  prev: Set<string> | undefined;
  next: Set<string> | undefined;
  mentions: WordList | undefined;
  without: WordList | undefined;
  caps: boolean;
}

interface Entry<K extends string = EntryKind> {
  kind: K;
  /** Lab id, program id or topic group id ('' for stop phrases and signals). */
  id: string;
  raw: string[];
  upper: string[];
  caseSensitive: boolean;
  weak: boolean;
  /** Counts only in an item about technology (`context: tech`). */
  needsTech: boolean;
  /** The alias names the lab's AI (or the lab is an AI lab). */
  ai: boolean;
  unless: Rule[] | undefined;
  /** Counts only right after one of these words (lower case), when given. */
  after: ReadonlySet<string> | undefined;
}

interface TrieNode<K extends string> {
  next: Map<string, TrieNode<K>> | undefined;
  entries: Entry<K>[] | undefined;
}

const KIND_ORDER: Record<EntryKind, number> = { program: 0, lab: 1, stop: 2, topic: 3 };

interface Spec {
  text: string;
  caseSensitive: boolean;
  weak: boolean;
  needsTech: boolean;
  ai: boolean;
  unless: readonly Condition[];
  after?: readonly string[];
}

const specOf = (a: AliasInput | Term, defaults: { ai: boolean }): Spec =>
  typeof a === 'string'
    ? { text: a, caseSensitive: false, weak: false, needsTech: false, ai: defaults.ai, unless: [] }
    : {
        text: a.text,
        caseSensitive: a.case === 'sensitive',
        weak: 'weak' in a ? a.weak : false,
        needsTech: 'context' in a ? a.context === 'tech' : false,
        ai: defaults.ai || ('ai' in a ? a.ai : false),
        unless: a.unless,
      };

function wordList(entries: readonly string[]): WordList {
  const list: WordList = { words: new Set(), prefixes: [], phrases: [] };
  for (const e of entries) {
    const text = e.trim();
    if (text.endsWith('*')) {
      list.prefixes.push(text.slice(0, -1).toLowerCase());
      continue;
    }
    const lower = tokenize(decodeEntities(text).text).lower;
    if (lower.length === 1) list.words.add(lower[0] as string);
    else if (lower.length > 1) list.phrases.push(lower);
  }
  return list;
}

const lowerSet = (words: readonly string[] | undefined): Set<string> | undefined =>
  words ? new Set(words.map((w) => w.toLowerCase())) : undefined;

const compileRules = (conditions: readonly Condition[]): Rule[] | undefined =>
  conditions.length === 0
    ? undefined
    : conditions.map((c) => ({
        prev: lowerSet(c.prev),
        next: lowerSet(c.next),
        mentions: c.mentions ? wordList(c.mentions) : undefined,
        without: c.without ? wordList(c.without) : undefined,
        caps: c.form === 'caps',
      }));

class Trie<K extends string> {
  readonly root = new Map<string, TrieNode<K>>();
  size = 0;

  add(kind: K, id: string, spec: Spec): void {
    const tokens = tokenize(decodeEntities(spec.text).text);
    if (tokens.raw.length === 0) return;
    let map = this.root;
    let node: TrieNode<K> | undefined;
    for (const word of tokens.lower) {
      node = map.get(word);
      if (!node) {
        node = { next: undefined, entries: undefined };
        map.set(word, node);
      }
      node.next ??= new Map();
      map = node.next;
    }
    const target = node as TrieNode<K>;
    target.entries ??= [];
    const dup = target.entries.some(
      (e) =>
        e.kind === kind &&
        e.id === id &&
        e.caseSensitive === spec.caseSensitive &&
        e.weak === spec.weak &&
        e.raw.join(' ') === tokens.raw.join(' '),
    );
    if (dup) return;
    target.entries.push({
      kind,
      id,
      raw: tokens.raw,
      upper: tokens.raw.map((r) => r.toUpperCase()),
      caseSensitive: spec.caseSensitive,
      weak: spec.weak,
      needsTech: spec.needsTech,
      ai: spec.ai,
      unless: compileRules(spec.unless),
      // Written as headlines write them ("U.S."), compared as the tokenizer reads them ("us").
      after: spec.after
        ? new Set(spec.after.map((w) => tokenize(decodeEntities(w).text).lower.join('')))
        : undefined,
    });
    this.size++;
  }

  sort(order: (e: Entry<K>) => number): void {
    const sortNode = (node: TrieNode<K>) => {
      node.entries?.sort((a, b) => order(a) - order(b));
      node.next?.forEach(sortNode);
    };
    this.root.forEach(sortNode);
  }
}

// ---------------------------------------------------------------------------------------------
// Matching one item

interface Hit {
  entry: Entry;
  field: 'title' | 'summary';
  first: number;
  last: number;
}

interface FieldState {
  name: 'title' | 'summary';
  original: string;
  decoded: DecodedText;
  tokens: TokenizedText;
  /** Lazily computed: 1 = all-caps word of 2+ letters, 0 = has lower case, 2 = neutral (digits, one letter). */
  caps: Uint8Array | undefined;
  allCaps: boolean | undefined;
}

/** One item being matched: its fields and, computed on first use, the set of its words. */
class ItemState {
  private words: Set<string> | undefined;
  constructor(readonly fields: readonly FieldState[]) {}

  itemWords(): Set<string> {
    if (!this.words) {
      this.words = new Set();
      for (const f of this.fields) for (const w of f.tokens.lower) this.words.add(w);
    }
    return this.words;
  }

  /** Does the item mention any word, prefix or phrase of the list? */
  mentions(list: WordList): boolean {
    const words = this.itemWords();
    for (const w of list.words) if (words.has(w)) return true;
    for (const p of list.prefixes) for (const w of words) if (w.startsWith(p)) return true;
    for (const phrase of list.phrases) {
      if (!words.has(phrase[0] as string)) continue;
      for (const f of this.fields) if (hasPhrase(f.tokens.lower, phrase)) return true;
    }
    return false;
  }
}

function hasPhrase(lower: readonly string[], phrase: readonly string[]): boolean {
  outer: for (let i = 0; i + phrase.length <= lower.length; i++) {
    for (let k = 0; k < phrase.length; k++) if (lower[i + k] !== phrase[k]) continue outer;
    return true;
  }
  return false;
}

function capsOf(f: FieldState): Uint8Array {
  if (f.caps) return f.caps;
  const { raw, lower } = f.tokens;
  const caps = new Uint8Array(raw.length);
  let words = 0;
  let shouted = 0;
  for (let k = 0; k < raw.length; k++) {
    const r = raw[k] as string;
    const l = lower[k] as string;
    const upper = r.toUpperCase();
    if (r === l) caps[k] = r === upper ? 2 : 0;
    else caps[k] = r === upper && r.length >= 2 ? 1 : r.length < 2 ? 2 : 0;
    if (caps[k] !== 2) {
      words++;
      if (caps[k] === 1) shouted++;
    }
  }
  f.caps = caps;
  f.allCaps = words >= 2 && shouted / words >= 0.75;
  return caps;
}

/** Tokens first..last sit in an all-caps stretch of text: the whole field, or 3+ shouted words in a row. */
function inCapsRun(f: FieldState, first: number, last: number): boolean {
  const caps = capsOf(f);
  if (f.allCaps) return true;
  let count = 0;
  for (let k = first; k <= last; k++) {
    if (caps[k] === 0) return false;
    if (caps[k] === 1) count++;
  }
  for (let k = first - 1; k >= 0 && caps[k] !== 0; k--) if (caps[k] === 1) count++;
  for (let k = last + 1; k < caps.length && caps[k] !== 0; k++) if (caps[k] === 1) count++;
  return count >= 3;
}

export interface MatcherOptions {
  /** The vocabulary to use; by default seeds/vocabulary.yaml, loaded once. */
  vocabulary?: Vocabulary;
}

class TrieMatcher implements Matcher {
  private readonly trie = new Trie<EntryKind>();
  private readonly signals = new Trie<SignalKind>();
  private readonly techWords: Set<string>;
  private readonly compoundWords: Set<string>;
  private readonly compoundSuffixes: string[];
  private readonly rules: DecisionRules;
  private readonly reviewProgram: string | undefined;

  get size(): number {
    return this.trie.size;
  }

  constructor(
    readonly roster: Roster,
    vocabulary: Vocabulary,
  ) {
    const none = { ai: false };
    for (const program of roster.programs) {
      for (const a of program.aliases) this.trie.add('program', program.id, specOf(a, none));
      // The program's own name is always an alias.
      this.trie.add('program', program.id, specOf(program.name, none));
    }
    for (const lab of roster.labs) {
      const defaults = { ai: lab.scope === 'ai' };
      for (const a of lab.aliases) this.trie.add('lab', lab.id, specOf(a, defaults));
      // The lab's own name is always an alias (after the aliases, so that an alias with rules wins).
      this.trie.add(
        'lab',
        lab.id,
        specOf({ text: lab.name, case: 'sensitive', weak: false, ai: false, unless: [] }, defaults),
      );
    }
    for (const term of vocabulary.stopPhrases) this.trie.add('stop', '', specOf(term, none));
    for (const group of vocabulary.topics)
      for (const term of group.terms)
        this.trie.add('topic', group.id, {
          ...specOf(term, none),
          after: (typeof term === 'object' ? term.after : undefined) ?? group.after,
        });
    // Within one trie node, programs win over labs, labs over stop phrases, stop phrases over topics.
    this.trie.sort((e) => KIND_ORDER[e.kind]);

    for (const term of vocabulary.aiWords) this.signals.add('ai', '', specOf(term, none));
    for (const term of vocabulary.notAiSubjects) this.signals.add('not-ai', '', specOf(term, none));
    for (const term of vocabulary.businessWords) this.signals.add('business', '', specOf(term, none));

    this.techWords = new Set(vocabulary.techWords.map((w) => w.toLowerCase()));
    this.compoundWords = new Set(vocabulary.compounds.words.map((w) => w.toLowerCase()));
    this.compoundSuffixes = vocabulary.compounds.suffixes.map((w) => w.toLowerCase());
    this.rules = compileDecision(vocabulary);
    this.reviewProgram = roster.programs.find((p) => p.kind === 'voluntary-review')?.id;
  }

  match(item: MatchInput): MatchResult {
    const state = new ItemState([
      this.field('title', item.title ?? ''),
      this.field('summary', item.summary ?? ''),
    ]);
    const hits: Hit[] = [];
    for (const f of state.fields) this.scan(f, hits, state);

    // Resolve the context-dependent aliases now that the whole item has been seen.
    const strongLabs = new Set<string>();
    const strongPrograms = new Set<string>();
    for (const h of hits) {
      if (h.entry.kind === 'lab' && !h.entry.weak) strongLabs.add(h.entry.id);
      if (h.entry.kind === 'program' && !h.entry.weak) strongPrograms.add(h.entry.id);
    }
    let techContext: boolean | undefined;
    const isAboutTech = (): boolean => {
      if (techContext === undefined) {
        techContext = strongLabs.size > 0 || strongPrograms.size > 0;
        if (!techContext) for (const w of state.itemWords()) if (this.techWords.has(w)) techContext = true;
      }
      return techContext;
    };
    const kept = hits.filter(
      (h) => h.entry.kind !== 'stop' && (!h.entry.needsTech || strongLabs.has(h.entry.id) || isAboutTech()),
    );
    const hasLab = kept.some((h) => h.entry.kind === 'lab');
    const final = kept.filter((h) => !(h.entry.kind === 'program' && h.entry.weak && !hasLab));

    const labs: string[] = [];
    const programs: string[] = [];
    const topics: string[] = [];
    const evidence: Evidence[] = [];
    let aiLab = false;
    for (const h of final) {
      const e = h.entry;
      const bucket = e.kind === 'lab' ? labs : e.kind === 'program' ? programs : topics;
      if (!bucket.includes(e.id)) bucket.push(e.id);
      if (e.kind === 'lab' && e.ai) aiLab = true;
      const f = h.field === 'title' ? (state.fields[0] as FieldState) : (state.fields[1] as FieldState);
      const start = originalOffset(f.decoded, f.tokens.start[h.first] as number);
      const end = originalOffset(f.decoded, f.tokens.end[h.last] as number);
      evidence.push({
        entity: e.id,
        kind: e.kind as Evidence['kind'],
        field: h.field,
        start,
        end,
        text: f.original.slice(start, end),
      });
    }
    const facts = (): ItemFacts => this.facts(state, aiLab);
    const decision = decide({ labs, programs, topics, facts }, this.rules);
    return {
      labs,
      programs,
      topics,
      alert: decision.alert,
      reason: decision.reason,
      evidence,
      reviewProgram: this.reviewProgram,
    };
  }

  /**
   * What the decision needs beyond the topics: is the item about AI, is it the lab's own business?
   * The title is scanned for these words; the summary only when the lab and the title leave it open.
   */
  private facts(state: ItemState, aiLab: boolean): ItemFacts {
    const title = new Set<SignalKind>();
    this.scanSignals(state.fields[0] as FieldState, title, state);
    let aiInSummary = false;
    let notAi = title.has('not-ai');
    if (!aiLab && !title.has('ai')) {
      const summary = new Set<SignalKind>();
      this.scanSignals(state.fields[1] as FieldState, summary, state);
      aiInSummary = summary.has('ai');
      notAi ||= summary.has('not-ai');
    }
    return {
      aiLab,
      aiInTitle: title.has('ai'),
      aiInSummary,
      notAi,
      // Business words count in the title only: a summary's background ("the company, which
      // launched its model in April, ...") does not make the news the lab's own business.
      business: title.has('business'),
    };
  }

  private field(name: 'title' | 'summary', original: string): FieldState {
    const text = typeof original === 'string' ? original : String(original);
    const decoded = decodeEntities(text);
    return {
      name,
      original: text,
      decoded,
      tokens: tokenize(decoded.text),
      caps: undefined,
      allCaps: undefined,
    };
  }

  /** Leftmost-longest scan of one field against the trie. */
  private scan(f: FieldState, hits: Hit[], state: ItemState): void {
    const { lower, soft } = f.tokens;
    const n = lower.length;
    for (let i = 0; i < n; i++) {
      let node = this.trie.root.get(lower[i] as string);
      if (!node) continue;
      let best: Entry | undefined;
      let bestLast = i;
      let j = i;
      for (;;) {
        if (node.entries) {
          for (const e of node.entries) {
            if (this.accept(e, f, i, j, state)) {
              best = e;
              bestLast = j;
              break;
            }
          }
        }
        if (!node.next || j + 1 >= n || !soft[j + 1]) break;
        const next: TrieNode<EntryKind> | undefined = node.next.get(lower[j + 1] as string);
        if (!next) break;
        node = next;
        j++;
      }
      if (best) {
        hits.push({ entry: best, field: f.name, first: i, last: bestLast });
        i = bestLast;
      }
    }
  }

  /** Every signal phrase in one field (they overlap freely: nothing is consumed). */
  private scanSignals(f: FieldState, found: Set<SignalKind>, state: ItemState): void {
    const { lower, soft } = f.tokens;
    const n = lower.length;
    for (let i = 0; i < n; i++) {
      let node = this.signals.root.get(lower[i] as string);
      let j = i;
      while (node) {
        for (const e of node.entries ?? []) if (this.accept(e, f, i, j, state)) found.add(e.kind);
        if (!node.next || j + 1 >= n || !soft[j + 1]) break;
        node = node.next.get(lower[j + 1] as string);
        j++;
      }
    }
  }

  private compoundOk(word: string): boolean {
    return this.compoundWords.has(word) || this.compoundSuffixes.some((s) => word.endsWith(s));
  }

  private accept(e: Entry<string>, f: FieldState, first: number, last: number, state: ItemState): boolean {
    const { raw, lower, soft, hyphen } = f.tokens;
    let capsForm = false;
    if (e.caseSensitive) {
      let exact = true;
      for (let k = 0; k <= last - first; k++) {
        if (raw[first + k] !== e.raw[k]) {
          exact = false;
          break;
        }
      }
      if (!exact) {
        for (let k = 0; k <= last - first; k++) if (raw[first + k] !== e.upper[k]) return false;
        if (!inCapsRun(f, first, last)) return false;
        capsForm = true;
      }
      // "Meta-analysis", "Meta-data": a compound that makes the name an ordinary word.
      const after = raw[last + 1];
      if (after !== undefined && hyphen[last + 1]) {
        const c = after.charCodeAt(0);
        if (c >= 97 && c <= 122 && !this.compoundOk(lower[last + 1] as string)) return false;
      }
      // "Jean-Claude", "E-Commerce": the second half of someone else's compound.
      if (first > 0 && hyphen[first] && first === last && (e.weak || e.kind === 'topic')) return false;
    }
    if (e.after) {
      const prev = first > 0 && soft[first] ? lower[first - 1] : undefined;
      if (prev === undefined || !e.after.has(prev)) return false;
    }
    if (e.unless) {
      const prev = first > 0 && soft[first] ? lower[first - 1] : undefined;
      const next = last + 1 < lower.length && soft[last + 1] ? lower[last + 1] : undefined;
      for (const r of e.unless) {
        if (r.caps && !capsForm) continue;
        if (r.prev && (prev === undefined || !r.prev.has(prev))) continue;
        if (r.next && (next === undefined || !r.next.has(next))) continue;
        if (r.mentions && !state.mentions(r.mentions)) continue;
        if (r.without && state.mentions(r.without)) continue;
        return false;
      }
    }
    return true;
  }
}

/** Compile the roster's aliases and the vocabulary (seeds/vocabulary.yaml by default) into one matcher. */
export function compileMatcher(roster: Roster, options: MatcherOptions = {}): Matcher {
  return new TrieMatcher(roster, options.vocabulary ?? loadVocabulary());
}
