/**
 * Finds the roster's labs and programs, and the government / regulatory / security topics, in a
 * news item. Pure: no I/O, no clock, no globals that change.
 *
 * Design (why it is fast): every alias and topic phrase is compiled once into a trie keyed by
 * lower-cased word tokens. An item is tokenised once (one pass over the characters), and each
 * token is looked up in the trie's root map; only the rare tokens that start some alias walk
 * further, one map lookup per following token. The cost per item is therefore proportional to
 * the number of tokens in the item, not to the number of aliases: a roster of 1,000 labs with 5
 * aliases each costs about the same per item as the seed roster. Per-alias rules (letter case,
 * hyphen compounds, false friends) are checked only on the few candidates the trie returns.
 *
 * Matching rules:
 * - Whole words only: "metadata", "metaverse", "Metaculus" are single tokens and never "Meta".
 * - Spaces and single hyphens between words are equivalent ("export-control directive" ==
 *   "export control directive"); a multi-word alias never spans other punctuation.
 * - Dotted abbreviations are one token: "U.S." == "US", "E.O." == "EO", "A.I." == "AI".
 * - Possessives ("Meta's", "Meta’s") and compounds ("OpenAI-backed", "Meta-led") count. A
 *   case-sensitive alias followed by a hyphen and a lower-case word only counts when that word
 *   reads as a compound modifier ("-led", "-backed", "-style"): "Meta-analysis" does not.
 * - `case: sensitive` aliases match their own capitalisation, or the all-caps form inside an
 *   all-caps run of text (a shouted headline). "XAI" next to "explainable" is never xAI.
 * - Single-word, case-sensitive weak aliases (Claude, Gemini, Grok, Llama, Copilot, Mythos) are
 *   also ordinary words or names; they count for the lab only when the item is about AI (an AI
 *   word, or a strong alias of any lab or program, elsewhere in the item).
 * - A weak program alias ("export control directive") counts only next to a tracked lab.
 * - HTML entities are decoded before matching (`&amp;`, `&#8217;`, `&rsquo;`, even double-encoded
 *   `&amp;#8217;`); evidence offsets always point into the text as it was given, so
 *   `item.title.slice(e.start, e.end) === e.text`.
 */
import type { AliasInput, Roster } from '../roster/schema.js';
import { ABBREVIATIONS } from '../text/sentences.js';
import { decide } from './decide.js';
import { STOP_PHRASES, TOPIC_GROUPS, type TopicTerm } from './topics.js';
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
// HTML entities

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

// ---------------------------------------------------------------------------------------------
// Tokens

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
  else if (c0 === 46 /* . */ && prevLower !== undefined && ABBREVIATIONS.has(prevLower)) k += 1;
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

// ---------------------------------------------------------------------------------------------
// Compiled phrases

type EntryKind = 'lab' | 'program' | 'topic' | 'stop';

interface Entry {
  kind: EntryKind;
  /** Lab id, program id or topic group id ('' for stop phrases). */
  id: string;
  /** Lower-case tokens joined by spaces, the key for the false-friend table. */
  key: string;
  raw: string[];
  upper: string[];
  caseSensitive: boolean;
  weak: boolean;
  /** A one-word, case-sensitive weak lab alias: needs AI context in the item. */
  guarded: boolean;
}

interface TrieNode {
  next: Map<string, TrieNode> | undefined;
  entries: Entry[] | undefined;
}

const KIND_ORDER: Record<EntryKind, number> = { program: 0, lab: 1, stop: 2, topic: 3 };

/** Words after "Meta-" (etc.) that make a compound about the company ("Meta-led"), not a common word. */
const COMPOUND_OK = new Set([
  'style',
  'like',
  'sized',
  'size',
  'era',
  'friendly',
  'centric',
  'made',
  'built',
  'run',
  'grown',
  'first',
  'only',
  'branded',
  'specific',
  'scale',
  'wide',
  'proof',
  'ready',
  'compatible',
  'exclusive',
  'free',
  'bound',
  'native',
  'bashing',
  'owned',
  'led',
  'funded',
  'backed',
]);

const compoundOk = (word: string): boolean => word.endsWith('ed') || COMPOUND_OK.has(word);

/**
 * Words that show an item is about AI or tech, so that "Claude", "Gemini", "Grok" or "Copilot" in
 * it can be the product rather than a painter, a star sign, a verb or a pilot.
 */
const TECH_CONTEXT = new Set([
  'ai',
  'artificial',
  'chatbot',
  'chatbots',
  'bot',
  'bots',
  'llm',
  'llms',
  'model',
  'models',
  'genai',
  'generative',
  'agi',
  'superintelligence',
  'neural',
  'assistant',
  'assistants',
  'agent',
  'agents',
  'agentic',
  'weights',
  'frontier',
  'multimodal',
  'reasoning',
  'prompt',
  'prompts',
  'inference',
  'datacenter',
  'gpu',
  'gpus',
  'jailbreak',
  'jailbreaking',
  'coding',
  'deepfake',
  'deepfakes',
  'app',
  'apps',
  'software',
  'devices',
  'device',
  'tool',
  'tools',
  'users',
  'online',
  'posts',
  'content',
  'tech',
  'computer',
  'computers',
  'cloud',
  'platform',
  'x',
  'musk',
  'windows',
  'office',
  'android',
  'search',
  'developers',
  'startup',
]);

interface VetoContext {
  prev: string | undefined;
  next: string | undefined;
  next2: string | undefined;
  /** The alias was found in its all-caps form (case-sensitive aliases only). */
  capsForm: boolean;
  /** Does the item (title or summary) contain this lower-case word? */
  has(word: string): boolean;
  hasPrefix(prefix: string): boolean;
}

const anyOf =
  (words: string[]) =>
  (c: VetoContext): boolean =>
    words.some((w) => c.has(w));
const set = (...words: string[]) => new Set(words);

const NOT_ANTHROPIC_NEXT = set(
  'principle',
  'principles',
  'bias',
  'biases',
  'reasoning',
  'argument',
  'arguments',
  'selection',
  'coincidence',
  'coincidences',
  'explanation',
  'explanations',
  'universe',
  'constraint',
  'view',
);
const NOT_META_NEXT = set(
  'analysis',
  'analyses',
  'analytic',
  'analytical',
  'data',
  'description',
  'descriptions',
  'tag',
  'tags',
  'learning',
  'programming',
  'ethics',
  'cognition',
  'narrative',
  'commentary',
  'humor',
  'humour',
  'joke',
  'reference',
  'references',
  'level',
  'layer',
  'physics',
  'theory',
  'review',
  'reviews',
  'study',
  'studies',
);
const GROK_VERB_PREV = set(
  't',
  'not',
  'never',
  'cannot',
  'truly',
  'really',
  'fully',
  'finally',
  'you',
  'we',
  'they',
  'i',
  'who',
  'can',
  'could',
  'would',
  'should',
  'must',
  'might',
  'help',
  'helps',
  'us',
);
const DETERMINERS = set(
  'the',
  'a',
  'an',
  'it',
  'its',
  'their',
  'his',
  'her',
  'our',
  'what',
  'how',
  'why',
  'this',
  'that',
  'these',
  'those',
);
const NOT_OPEN_AI_NEXT = set(
  'model',
  'models',
  'system',
  'systems',
  'weights',
  'ecosystem',
  'research',
  'development',
  'movement',
  'community',
  'software',
  'tools',
  'standards',
  'approach',
  'source',
  'platforms',
  'innovation',
  'alternatives',
);
const NOT_CLAUDE_NEXT = set(
  'monet',
  'shannon',
  'debussy',
  'pepper',
  'juncker',
  'lelouch',
  'chabrol',
  'bernard',
);
const NOT_BILL_PREV = set(
  'electricity',
  'phone',
  'utility',
  'energy',
  'power',
  'medical',
  'hospital',
  'water',
  'gas',
);

/**
 * Known false friends, by lower-case alias or term: a veto returns true when the words around the
 * match show it is the ordinary word, not the lab or topic. Keys that are not in the roster are
 * simply never looked up.
 */
const FALSE_FRIENDS: ReadonlyMap<string, (c: VetoContext) => boolean> = new Map([
  ['anthropic', (c: VetoContext) => c.next !== undefined && NOT_ANTHROPIC_NEXT.has(c.next)],
  ['meta', (c: VetoContext) => c.next !== undefined && NOT_META_NEXT.has(c.next)],
  [
    'xai',
    (c: VetoContext) =>
      c.capsForm && (c.hasPrefix('explainab') || c.has('interpretable') || c.has('interpretability')),
  ],
  [
    'gemini',
    anyOf([
      'horoscope',
      'horoscopes',
      'zodiac',
      'astrology',
      'astrological',
      'astrologer',
      'taurus',
      'aries',
      'scorpio',
      'virgo',
      'libra',
      'pisces',
      'sagittarius',
      'capricorn',
      'aquarius',
      'winklevoss',
      'crypto',
      'cryptocurrency',
      'bitcoin',
      'spacecraft',
      'astronauts',
    ]),
  ],
  [
    'grok',
    (c: VetoContext) =>
      (c.prev !== undefined && GROK_VERB_PREV.has(c.prev)) ||
      (c.prev === 'to' && c.next !== undefined && DETERMINERS.has(c.next)) ||
      c.next === 'it' ||
      c.next === 'what' ||
      c.next === 'how' ||
      c.next === 'why',
  ],
  [
    'llama',
    anyOf([
      'llamas',
      'alpaca',
      'alpacas',
      'farm',
      'farmer',
      'farmers',
      'ranch',
      'wool',
      'animal',
      'animals',
      'zoo',
      'herd',
      'petting',
      'andes',
      'camelid',
      'camelids',
      'pasture',
    ]),
  ],
  [
    'copilot',
    anyOf([
      'pilot',
      'pilots',
      'cockpit',
      'airline',
      'airlines',
      'aircraft',
      'flight',
      'plane',
      'faa',
      'runway',
      'landing',
      'crash',
      'ntsb',
    ]),
  ],
  ['claude', (c: VetoContext) => c.next !== undefined && NOT_CLAUDE_NEXT.has(c.next)],
  ['mythos', (c: VetoContext) => c.next === 'of'],
  ['open ai', (c: VetoContext) => c.next !== undefined && NOT_OPEN_AI_NEXT.has(c.next)],
  ['gdm', anyOf(['diabetes', 'gestational', 'pregnancy', 'pregnant', 'glucose', 'insulin', 'mellitus'])],
  [
    'alphabet',
    (c: VetoContext) =>
      c.next === 'soup' ||
      (c.prev !== undefined &&
        ['greek', 'latin', 'cyrillic', 'phonetic', 'roman', 'english'].includes(c.prev)),
  ],
  [
    'azure',
    (c: VetoContext) => c.next !== undefined && ['sky', 'skies', 'sea', 'waters', 'coast'].includes(c.next),
  ],
  ['bill', (c: VetoContext) => c.prev !== undefined && NOT_BILL_PREV.has(c.prev)],
  ['bills', (c: VetoContext) => c.prev !== undefined && NOT_BILL_PREV.has(c.prev)],
]);

/**
 * Guarded aliases whose ordinary use is told apart by grammar alone (the FALSE_FRIENDS veto for
 * "grok" the verb), so they do not also need tech words elsewhere in the item.
 */
const GRAMMAR_CHECKED = new Set(['grok']);

interface AliasSpec {
  text: string;
  caseSensitive: boolean;
  weak: boolean;
}

const aliasSpec = (a: AliasInput | TopicTerm): AliasSpec =>
  typeof a === 'string'
    ? { text: a, caseSensitive: false, weak: false }
    : {
        text: a.text,
        caseSensitive: a.case === 'sensitive',
        weak: 'weak' in a ? Boolean(a.weak) : false,
      };

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

class TrieMatcher implements Matcher {
  private readonly root = new Map<string, TrieNode>();
  size = 0;

  constructor(readonly roster: Roster) {
    for (const program of roster.programs) {
      for (const a of program.aliases) this.add('program', program.id, aliasSpec(a));
      // The program's own name is always an alias.
      this.add('program', program.id, { text: program.name, caseSensitive: false, weak: false });
    }
    for (const lab of roster.labs) {
      this.add('lab', lab.id, { text: lab.name, caseSensitive: true, weak: false });
      for (const a of lab.aliases) this.add('lab', lab.id, aliasSpec(a));
    }
    for (const term of STOP_PHRASES) this.add('stop', '', aliasSpec(term));
    for (const group of TOPIC_GROUPS)
      for (const term of group.terms) this.add('topic', group.id, aliasSpec(term));
    // Within one trie node, programs win over labs, labs over stop phrases, stop phrases over topics.
    const sortNode = (node: TrieNode) => {
      node.entries?.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
      node.next?.forEach(sortNode);
    };
    this.root.forEach(sortNode);
  }

  private add(kind: EntryKind, id: string, spec: AliasSpec): void {
    const tokens = tokenize(decodeEntities(spec.text).text);
    if (tokens.raw.length === 0) return;
    const key = tokens.lower.join(' ');
    let map = this.root;
    let node: TrieNode | undefined;
    for (const word of tokens.lower) {
      node = map.get(word);
      if (!node) {
        node = { next: undefined, entries: undefined };
        map.set(word, node);
      }
      node.next ??= new Map();
      map = node.next;
    }
    const target = node as TrieNode;
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
      key,
      raw: tokens.raw,
      upper: tokens.raw.map((r) => r.toUpperCase()),
      caseSensitive: spec.caseSensitive,
      weak: spec.weak,
      guarded:
        kind === 'lab' &&
        spec.weak &&
        spec.caseSensitive &&
        tokens.raw.length === 1 &&
        !GRAMMAR_CHECKED.has(key),
    });
    this.size++;
  }

  match(item: MatchInput): MatchResult {
    const fields: FieldState[] = [
      this.field('title', item.title ?? ''),
      this.field('summary', item.summary ?? ''),
    ];
    let words: Set<string> | undefined;
    const itemWords = (): Set<string> => {
      if (!words) {
        words = new Set();
        for (const f of fields) for (const w of f.tokens.lower) words.add(w);
      }
      return words;
    };

    const hits: Hit[] = [];
    for (const f of fields) this.scan(f, hits, itemWords);

    // Resolve the context-dependent aliases now that the whole item has been seen.
    const strongLabs = new Set<string>();
    const strongPrograms = new Set<string>();
    for (const h of hits) {
      if (h.entry.kind === 'lab' && !h.entry.weak) strongLabs.add(h.entry.id);
      if (h.entry.kind === 'program' && !h.entry.weak) strongPrograms.add(h.entry.id);
    }
    let aiContext: boolean | undefined;
    const isAboutAi = (): boolean => {
      if (aiContext === undefined) {
        aiContext = strongLabs.size > 0 || strongPrograms.size > 0;
        if (!aiContext) for (const w of itemWords()) if (TECH_CONTEXT.has(w)) aiContext = true;
      }
      return aiContext;
    };
    const kept = hits.filter(
      (h) => h.entry.kind !== 'stop' && (!h.entry.guarded || strongLabs.has(h.entry.id) || isAboutAi()),
    );
    const hasLab = kept.some((h) => h.entry.kind === 'lab');
    const final = kept.filter((h) => !(h.entry.kind === 'program' && h.entry.weak && !hasLab));

    const labs: string[] = [];
    const programs: string[] = [];
    const topics: string[] = [];
    const evidence: Evidence[] = [];
    for (const h of final) {
      const e = h.entry;
      const bucket = e.kind === 'lab' ? labs : e.kind === 'program' ? programs : topics;
      if (!bucket.includes(e.id)) bucket.push(e.id);
      const f = h.field === 'title' ? (fields[0] as FieldState) : (fields[1] as FieldState);
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
    const decision = decide({ labs, programs, topics });
    return { labs, programs, topics, alert: decision.alert, reason: decision.reason, evidence };
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
  private scan(f: FieldState, hits: Hit[], itemWords: () => Set<string>): void {
    const { lower, soft } = f.tokens;
    const n = lower.length;
    for (let i = 0; i < n; i++) {
      let node = this.root.get(lower[i] as string);
      if (!node) continue;
      let best: Entry | undefined;
      let bestLast = i;
      let j = i;
      for (;;) {
        if (node.entries) {
          for (const e of node.entries) {
            if (this.accept(e, f, i, j, itemWords)) {
              best = e;
              bestLast = j;
              break;
            }
          }
        }
        if (!node.next || j + 1 >= n || !soft[j + 1]) break;
        const next: TrieNode | undefined = node.next.get(lower[j + 1] as string);
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

  private accept(
    e: Entry,
    f: FieldState,
    first: number,
    last: number,
    itemWords: () => Set<string>,
  ): boolean {
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
        if (c >= 97 && c <= 122 && !compoundOk(lower[last + 1] as string)) return false;
      }
      // "Jean-Claude", "E-Commerce": the second half of someone else's compound.
      if (first > 0 && hyphen[first] && first === last && (e.weak || e.kind === 'topic')) return false;
    }
    const veto = FALSE_FRIENDS.get(e.key);
    if (veto) {
      const ctx: VetoContext = {
        prev: first > 0 && soft[first] ? lower[first - 1] : undefined,
        next: last + 1 < lower.length && soft[last + 1] ? lower[last + 1] : undefined,
        next2: last + 2 < lower.length && soft[last + 1] && soft[last + 2] ? lower[last + 2] : undefined,
        capsForm,
        has: (w) => itemWords().has(w),
        hasPrefix: (p) => {
          for (const w of itemWords()) if (w.startsWith(p)) return true;
          return false;
        },
      };
      if (veto(ctx)) return false;
    }
    return true;
  }
}

/** Compile the roster's aliases and the topic vocabulary into one matcher. */
export function compileMatcher(roster: Roster): Matcher {
  return new TrieMatcher(roster);
}
