/**
 * Story clustering (pure): the same event covered by several outlets becomes one story; different
 * events, even about the same lab in the same week, stay apart. A wrong merge hides an alert, a
 * wrong split only repeats one, so the rules lean towards keeping items apart.
 *
 * Online, one pass, in the order the news happened. For each alerting item:
 * 1. Features (features.ts): headline and lead words, stemmed; the kind of event (signing, probe,
 *    lawsuit, ruling, hearing…) and concepts ("kids" = "minors") as words of their own; names with a
 *    number ("gpt5", "grok5", "june12"); documents named ("bill:sb512", "order:14409"); who acts
 *    (the FTC, a court, the Senate, the EU: seeds/stories.yaml `actors`; members of Congress who
 *    lead a headline by surname, each their own); the labs and programs in focus. Lab names are
 *    kept but weigh nothing (the labs are compared as entities).
 * 2. Candidates: stories about one of the item's labs or programs that share its rarest words or
 *    its documents (an inverted index, term → stories; the best `maxCandidates` by shared rarity),
 *    plus the latest `latestPerEntity` stories about each of its labs and programs, plus the best
 *    `maxUnrelated` stories about none of them that share its rare words: coverage of one order
 *    names the labs it binds in one headline and only the program in the next, and one in seven
 *    same-story pairs of the labelled sets shares no lab or program.
 * 3. Each candidate's latest `maxMembers` members are compared with the item as they were written
 *    (a story's vocabulary does not grow as sources come in). Per pair, feature families are scored
 *    on their own (`pairFeatures`): rarity-weighted cosine of the headlines and of headline+lead,
 *    the rarity the two share, same or other kind of event, same labs, a lab the member lacks, a
 *    shared program, any lab or program in common, actors that differ entirely, hours apart
 *    (coverage of one event comes in a burst), days apart, an outlet the story already has a piece
 *    from (an outlet seldom files twice on one event, and often on several events about one lab),
 *    same document, same or another numbered name; and how much each side says (headline words,
 *    actors, kinds, labs named), which tells how far a short headline's silence counts against it.
 *    A member that names no actor or kind of event stands for its story's (the actors and kinds of
 *    all its members), so coverage that says only "Microsoft confirms probe" does not carry a
 *    senators' letter into the FTC's story. Boosted decision trees (boosted.ts;
 *    seeds/story-model.json, fitted on the labelled story sets by test/fit-story-model.ts, as
 *    Miranda et al. 2018 learn their model) turn them into the probability that both report one
 *    event: trees, because the evidence combines (a little shared wording is enough an hour apart
 *    from another outlet, not a day apart or from the same one). A pair naming different actors
 *    counts only when that probability clears `otherActorJoin`.
 *    Vetoes: different documents of one kind (SB 512 and AB 77), the same name with another number
 *    (Grok 4 and Grok 5), labs that disagree entirely. One document under two headlines (one
 *    headline's words within the other's) is the same story up to `documentWindowHours` apart: an
 *    order on the White House site, then in the Federal Register days later. So, inside the window,
 *    are two items an aggregator grouped: one's headline among the other's related coverage (Google
 *    News lists it in the description), or both listing one headline.
 * 4. A story's probability is its closest member's. The item joins the most probable story when
 *    that clears `join`, or `settledJoin` for a story whose alert has already gone out (a posted
 *    alert absorbs a later item only on strong evidence); an exact tie goes to the older story,
 *    never to the more recent one. Otherwise it starts a new story.
 * Rarity (rarity.ts) is the inverse document frequency over the headlines the bot alerted on lately,
 * on a small bundled background.
 *
 * Cost per item: the features are linear in its length; the index lookup touches at most
 * `maxPostings` stories for each of `probeTerms` terms and `latestPerEntity` per lab or program;
 * scoring is at most (maxCandidates + latestPerEntity × entities + maxUnrelated) × maxMembers
 * comparisons of a few dozen terms each, and a walk of the model's trees (200 trees, 4 questions
 * deep) for each. None of it grows with the number of stories in the window.
 */
import { type BoostedTrees, boostedScore, sigmoid } from './boosted.js';
import { MEMBER, type StoryFeatures } from './features.js';
import type { Rarity } from './rarity.js';

export interface ClusterOptions {
  windowHours: number;
  /**
   * How long one official document may take to appear in a second feed (an order is on the White
   * House site the day it is signed, in the Federal Register about five days later).
   */
  documentWindowHours: number;
  maxCandidates: number;
  /** The latest stories looked at per probed term. */
  maxPostings: number;
  maxMembers: number;
  /** The rarest terms of an item looked up in the index. */
  probeTerms: number;
  /** The latest stories about each of the item's labs and programs, always compared. */
  latestPerEntity: number;
  /**
   * Stories about none of the item's labs and programs that share its rarest words, compared too:
   * coverage of one order names the labs in one headline and only the program in the next.
   */
  maxUnrelated: number;
}

export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = {
  windowHours: 72,
  documentWindowHours: 14 * 24,
  maxCandidates: 8,
  maxPostings: 200,
  maxMembers: 5,
  probeTerms: 10,
  latestPerEntity: 4,
  maxUnrelated: 4,
};

/** What is compared between an item and one member of a story; the model weighs each. */
export const PAIR_FEATURES = [
  'titleCosine',
  'textCosine',
  'sharedRarity',
  'sameKind',
  'otherKind',
  'sameLabs',
  'newLab',
  'samePrograms',
  'otherActor',
  'days',
  'soon',
  'sameOutlet',
  'sameDocument',
  'sameVersion',
  'otherVersion',
  'hours',
  'itemWords',
  'memberWords',
  'sameActor',
  'itemActors',
  'memberActors',
  'itemKinds',
  'memberKinds',
  'itemLabs',
  'memberLabs',
  'sharedEntity',
] as const;
export type PairFeature = (typeof PAIR_FEATURES)[number];

/**
 * Boosted trees over the pair features (seeds/story-model.json, fitted by test/fit-story-model.ts on
 * the labelled story sets): the probability that two items report the same event. `join` is the
 * probability an item needs to join a story; `settledJoin` the one it needs to join a story whose
 * alert has already gone out.
 */
export interface StoryModel {
  trees: BoostedTrees;
  join: number;
  settledJoin: number;
  /** The probability a pair naming different actors needs before it counts at all. */
  otherActorJoin: number;
}

export interface IndexedStory {
  id: number;
  labs: string[];
  programs: string[];
  /** Its alert has gone out (it was created in an earlier poll). */
  settled: boolean;
  members: StoryFeatures[];
}

export interface Assignment {
  storyId: number;
  /** The model's probability that the item reports the story's event. */
  probability: number;
}

const HOUR = 3_600_000;
/**
 * Coverage of one event comes in a burst: within hours of each other two items are far likelier one
 * story than a day apart (`soon` falls from 1 to 0 over these hours; `days` counts from a day on).
 */
const SOON_HOURS = 12;
/** Hours apart, as the model sees them: past the window, only one document is ever joined. */
const MAX_HOURS = 72;
/** Kinds of event (seeds/stories.yaml `kinds`) that tell a lab's signing from the request before it. */
const SIGNING = 'signing';
const REQUEST = 'request';
/** A member this alike settles it: the story's other members need not be looked at. */
const SURE = 0.95;

/** A weighted term set as parallel arrays, for looping, and as a map, for looking up. */
interface TermVector {
  terms: string[];
  weights: number[];
  byTerm: Map<string, number>;
}

function vectorOf(a: Readonly<Record<string, number>>): TermVector {
  const terms = Object.keys(a);
  const weights = terms.map((t) => a[t] as number);
  return { terms, weights, byTerm: new Map(terms.map((t, i) => [t, weights[i] as number])) };
}

/** Rarity-weighted length of a weighted term set. */
function norm(a: TermVector, rarity: Rarity): number {
  let n = 0;
  for (let i = 0; i < a.terms.length; i++) {
    const w = (a.weights[i] as number) * rarity.idf(a.terms[i] as string);
    n += w * w;
  }
  return Math.sqrt(n);
}

/** Rarity-weighted cosine of two weighted term sets (with their lengths), and the rarity they share. */
function cosine(
  a: TermVector,
  na: number,
  b: TermVector,
  nb: number,
  rarity: Rarity,
): { cos: number; shared: number } {
  // Loop over the shorter set, look up in the longer one.
  const [x, y] = a.terms.length <= b.terms.length ? [a, b] : [b, a];
  let dot = 0;
  let shared = 0;
  for (let k = 0; k < x.terms.length; k++) {
    const t = x.terms[k] as string;
    const yt = y.byTerm.get(t);
    if (yt === undefined) continue;
    const i = rarity.idf(t);
    dot += (x.weights[k] as number) * yt * i * i;
    shared += i;
  }
  return { cos: na && nb ? dot / (na * nb) : 0, shared };
}

/** What is worked out once per item, not once per comparison. */
interface Derived {
  ms: number;
  /** The headline's terms as weights, for the headline cosine. */
  title: TermVector;
  /** Headline and lead terms as weights, for the text cosine. */
  text: TermVector;
  /** The headline's words alone (no kinds or concepts), for telling one document under two headlines. */
  words: string[];
  wordSet: Set<string>;
  /** Names with a number: models and versions ("grok5", "gemini3"), codenames, dates ("june12"). */
  versions: string[];
  /** Each of those without its number ("grok", "gemini"). */
  versionNames: string[];
  /**
   * Lengths of both term sets under the rarity of the moment, kept while the rarity has barely moved
   * (a few new headlines change them by far less than would change a decision).
   */
  docs: number;
  textNorm: number;
  titleNorm: number;
}
const derivedCache = new WeakMap<StoryFeatures, Derived>();
const VERSION = /^\p{L}+\d{1,2}$/u;

function derived(f: StoryFeatures): Derived {
  let d = derivedCache.get(f);
  if (!d) {
    const title: Record<string, number> = {};
    for (const t of f.title) title[t] = 1;
    const words = f.title.filter((t) => !t.startsWith('~') && !t.startsWith('='));
    const versions = Object.keys(f.terms).filter((t) => VERSION.test(t));
    d = {
      ms: Date.parse(f.at),
      title: vectorOf(title),
      text: vectorOf(f.terms),
      words,
      wordSet: new Set(words),
      versions,
      versionNames: versions.map((v) => v.replace(/\d+$/, '')),
      docs: -1,
      textNorm: 0,
      titleNorm: 0,
    };
    derivedCache.set(f, d);
  }
  return d;
}

function withNorms(d: Derived, rarity: Rarity): Derived {
  if (d.docs < 0 || Math.abs(rarity.documents - d.docs) > Math.max(8, d.docs / 50)) {
    d.docs = rarity.documents;
    d.textNorm = norm(d.text, rarity);
    d.titleNorm = norm(d.title, rarity);
  }
  return d;
}

const kindOf = (id: string) => id.slice(0, id.indexOf(':'));

/** The same name with another number: Grok 4 against Grok 5, Gemini 3 against Gemini 4. */
function versionConflict(a: Derived, b: Derived): boolean {
  if (a.versions.length === 0 || b.versions.length === 0) return false;
  for (let i = 0; i < a.versions.length; i++) {
    const x = a.versions[i] as string;
    const others = b.versions.filter((_, j) => b.versionNames[j] === a.versionNames[i]);
    if (others.length && !others.includes(x) && !a.versions.some((z) => z !== x && others.includes(z)))
      return true;
  }
  return false;
}
const overlaps = (a: readonly string[], b: readonly string[]) => a.some((x) => b.includes(x));

const isMember = (actor: string) => actor.startsWith(MEMBER);

/**
 * Who acts differs entirely: no actor in common (nor a compatible pair, such as a court and the
 * Justice Department). Where both name members of Congress by surname, the surnames decide: Warren's
 * letter and Cruz's are two events though both come from the Senate.
 */
function otherActors(
  a: readonly string[],
  b: readonly string[],
  compatible: ReadonlyMap<string, ReadonlySet<string>>,
): boolean {
  const na = a.filter(isMember);
  const nb = b.filter(isMember);
  if (na.length && nb.length) return !overlaps(na, nb);
  const oa = a.filter((x) => !isMember(x));
  const ob = b.filter((x) => !isMember(x));
  return (
    oa.length > 0 && ob.length > 0 && !oa.some((x) => ob.some((y) => x === y || compatible.get(x)?.has(y)))
  );
}

/**
 * What a story as a whole says when one of its members is compared: every actor and kind of event
 * its members name (a member that names none stands for them), and every outlet it has a piece from.
 */
export interface StoryContext {
  actors?: readonly string[];
  kinds?: readonly string[];
  /** Without them, only the member's own outlet counts. */
  outlets?: readonly string[];
}

/** Each pair feature's place in the model's input (the order of PAIR_FEATURES). */
const AT = Object.fromEntries(PAIR_FEATURES.map((f, i) => [f, i])) as Record<PairFeature, number>;

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length > 0 && a.length === b.length && a.every((x) => b.includes(x));

/**
 * The features of an item against one member, written into `out` in the model's order; false when
 * they cannot be one story: they name different documents of the same kind (SB 512 against AB 77),
 * their labs disagree entirely, or they name one model with different numbers.
 */
function fillPairFeatures(
  item: StoryFeatures,
  member: StoryFeatures,
  di: Derived,
  dm: Derived,
  rarity: Rarity,
  story: StoryContext,
  out: Float64Array,
): boolean {
  let sameDocument = 0;
  if (item.ids.length && member.ids.length) {
    if (overlaps(item.ids, member.ids)) sameDocument = 1;
    else if (item.ids.some((x) => member.ids.some((y) => kindOf(x) === kindOf(y)))) return false;
  }
  if (item.labs.length && member.labs.length && !overlaps(item.labs, member.labs)) return false;
  if (versionConflict(di, dm)) return false;
  const a = withNorms(di, rarity);
  const b = withNorms(dm, rarity);
  const text = cosine(a.text, a.textNorm, b.text, b.textNorm, rarity);
  const title = cosine(a.title, a.titleNorm, b.title, b.titleNorm, rarity);
  const hours = Math.abs(a.ms - b.ms) / HOUR;
  const ia = item.actors ?? [];
  // A member that names no actor or kind of event stands for its story's: an actor-less line in the
  // EU's Grok story ("X faces Grok deepfake case") does not let a Senate letter about Grok in.
  const ma = member.actors?.length ? member.actors : (story.actors ?? []);
  const mk = member.kinds.length ? member.kinds : (story.kinds ?? []);
  const bothKinds = item.kinds.length > 0 && mk.length > 0;
  const sameKind = bothKinds && overlaps(item.kinds, mk);
  out[AT.titleCosine] = title.cos;
  out[AT.textCosine] = text.cos;
  out[AT.sharedRarity] = Math.log1p(Math.max(text.shared, title.shared));
  out[AT.sameKind] = sameKind ? 1 : 0;
  out[AT.otherKind] = bothKinds && !sameKind ? 1 : 0;
  out[AT.sameLabs] = sameSet(item.labs, member.labs) ? 1 : 0;
  out[AT.newLab] = member.labs.length > 0 && item.labs.some((l) => !member.labs.includes(l)) ? 1 : 0;
  out[AT.samePrograms] = overlaps(item.programs, member.programs) ? 1 : 0;
  out[AT.otherActor] = otherActors(ia, ma, rarity.words.compatibleActors) ? 1 : 0;
  out[AT.days] = Math.max(0, hours - 24) / 24;
  out[AT.soon] = Math.max(0, 1 - hours / SOON_HOURS);
  out[AT.sameOutlet] = item.outlet && (story.outlets ?? [member.outlet]).includes(item.outlet) ? 1 : 0;
  out[AT.sameDocument] = sameDocument;
  out[AT.sameVersion] = overlaps(a.versions, b.versions) ? 1 : 0;
  out[AT.otherVersion] = a.versions.length && b.versions.length && !overlaps(a.versions, b.versions) ? 1 : 0;
  out[AT.hours] = Math.min(hours, MAX_HOURS);
  out[AT.itemWords] = a.words.length;
  out[AT.memberWords] = b.words.length;
  out[AT.sameActor] = overlaps(ia, ma) ? 1 : 0;
  out[AT.itemActors] = ia.length;
  out[AT.memberActors] = ma.length;
  out[AT.itemKinds] = item.kinds.length;
  out[AT.memberKinds] = mk.length;
  out[AT.itemLabs] = item.labs.length;
  out[AT.memberLabs] = member.labs.length;
  out[AT.sharedEntity] = overlaps(item.labs, member.labs) || overlaps(item.programs, member.programs) ? 1 : 0;
  return true;
}

/**
 * The features of an item against one member, by name (for fitting and for tests), or null when
 * they cannot be one story (as fillPairFeatures).
 */
export function pairFeatures(
  item: StoryFeatures,
  member: StoryFeatures,
  rarity: Rarity,
  story: StoryContext = {},
): Record<PairFeature, number> | null {
  const v = new Float64Array(PAIR_FEATURES.length);
  if (!fillPairFeatures(item, member, derived(item), derived(member), rarity, story, v)) return null;
  return Object.fromEntries(PAIR_FEATURES.map((f, i) => [f, v[i] as number])) as Record<PairFeature, number>;
}

/**
 * The same document under two headlines: one headline's words (`minWords` at least) nearly all
 * within the other's. A wire headline that two outlets run as it is; an order's title on the White
 * House site and "Executive Order 14413 of July 2, 2026: <title>" in the Federal Register days later
 * (past the window, a headline must be as long as a document's title, or both name the document).
 */
export function sameDocument(a: StoryFeatures, b: StoryFeatures, minWords = MIN_DOCUMENT_WORDS): boolean {
  return sameDocumentOf(a, b, derived(a), derived(b), minWords);
}

function sameDocumentOf(
  a: StoryFeatures,
  b: StoryFeatures,
  da: Derived,
  db: Derived,
  minWords: number,
): boolean {
  const [short, long] = da.words.length <= db.words.length ? [da.words, db.wordSet] : [db.words, da.wordSet];
  const named = a.ids.some((x) => b.ids.includes(x));
  if (short.length < (named ? MIN_DOCUMENT_WORDS : minWords)) return false;
  if (versionConflict(da, db)) return false;
  let inside = 0;
  for (const t of short) if (long.has(t)) inside++;
  return inside / short.length >= DOCUMENT_CONTAINMENT;
}
const MIN_DOCUMENT_WORDS = 5;
const LATE_DOCUMENT_WORDS = 8;
const DOCUMENT_CONTAINMENT = 0.85;

/**
 * An aggregator grouped the two as one story: one's headline is among the other's related coverage,
 * or both list the same related headline (Google News's "full coverage" of an event).
 */
function groupedByAggregator(a: StoryFeatures, b: StoryFeatures): boolean {
  if (a.headline && b.related?.includes(a.headline)) return true;
  if (b.headline && a.related?.includes(b.headline)) return true;
  const br = b.related;
  return !!br && !!a.related?.some((r) => br.includes(r));
}

/** A pair's features in the model's order, reused from call to call by assign (scoring is synchronous). */
const scratch = new Float64Array(PAIR_FEATURES.length);
/** The same for pairProbability, apart, so a call by name can never overwrite assign's pair. */
const byName = new Float64Array(PAIR_FEATURES.length);

export function pairProbability(x: Record<PairFeature, number>, model: StoryModel): number {
  for (let i = 0; i < PAIR_FEATURES.length; i++) byName[i] = x[PAIR_FEATURES[i] as PairFeature];
  return sigmoid(boostedScore(model.trees, byName));
}

/**
 * The probability a member lends its story (features in the model's order): the pair's, except
 * that two items naming different actors (a senator's letter, an agency's inquiry) count only when
 * the model is nearly sure. The labelled sets hold few such pairs with alike headlines, and most of
 * them are one event whose headlines name a second party, so the model forgives different actors
 * more than a wrong merge can afford.
 */
function joinProbability(v: Float64Array, model: StoryModel): number {
  const p = sigmoid(boostedScore(model.trees, v));
  return v[AT.otherActor] && p < model.otherActorJoin ? 0 : p;
}

/** Whether (id, weight) would enter a list kept best first (ties: the later id), `limit` long. */
function fits(top: readonly [number, number][], limit: number, id: number, w: number): boolean {
  const last = top[top.length - 1];
  return limit > 0 && !(top.length >= limit && last && (w < last[1] || (w === last[1] && id < last[0])));
}

/** Insert (id, weight) into such a list, once `fits` said it enters. */
function keepBest(top: [number, number][], limit: number, id: number, w: number): void {
  let k = top.length;
  while (k > 0) {
    const [pid, pw] = top[k - 1] as [number, number];
    if (pw > w || (pw === w && pid > id)) break;
    k--;
  }
  top.splice(k, 0, [id, w]);
  if (top.length > limit) top.pop();
}

/**
 * The stories items may join, indexed by their members' terms and documents. Holds the stories of
 * the window and is updated as items start or join stories.
 */
/** A story as the index keeps it: also every actor, kind of event and outlet its members name. */
interface HeldStory extends IndexedStory {
  actors: string[];
  kinds: string[];
  outlets: string[];
}

export class StoryIndex {
  private readonly stories = new Map<number, HeldStory>();
  /**
   * Each story's slot: its place in the order stories were added (an index never drops one), so
   * the rarity an item shares with each story adds up in a typed array, not a map.
   */
  private readonly slotOf = new Map<number, number>();
  private readonly idAt: number[] = [];
  /** Term → the slots of the stories with a member using it, in the order they got it (latest last). */
  private readonly postings = new Map<string, number[]>();
  /** Lab or program → the slots of the stories about it, in the order they got it (latest last). */
  private readonly byEntity = new Map<string, number[]>();
  /** assign's tally: the rarity shared with the story in each slot, valid where `stampAt` is this call's. */
  private shared = new Float64Array(0);
  private stampAt = new Uint32Array(0);
  private stamp = 0;

  constructor(
    private readonly rarity: Rarity,
    private readonly model: StoryModel,
    private readonly opts: ClusterOptions = DEFAULT_CLUSTER_OPTIONS,
  ) {}

  get size(): number {
    return this.stories.size;
  }

  /** Add a story (from the store, or just created). */
  add(story: IndexedStory): void {
    if (!this.slotOf.has(story.id)) {
      this.slotOf.set(story.id, this.idAt.length);
      this.idAt.push(story.id);
    }
    this.stories.set(story.id, {
      ...story,
      labs: [...story.labs],
      programs: [...story.programs],
      members: [],
      actors: [],
      kinds: [],
      outlets: [],
    });
    for (const m of story.members) this.addMember(story.id, m);
  }

  /** Record that an item joined a story. */
  addMember(id: number, member: StoryFeatures): void {
    const story = this.stories.get(id);
    const slot = this.slotOf.get(id);
    if (!story || slot === undefined) return;
    story.members.push(member);
    for (const l of member.labs) if (!story.labs.includes(l)) story.labs.push(l);
    for (const p of member.programs) if (!story.programs.includes(p)) story.programs.push(p);
    for (const a of member.actors ?? []) if (!story.actors.includes(a)) story.actors.push(a);
    for (const k of member.kinds) if (!story.kinds.includes(k)) story.kinds.push(k);
    if (member.outlet && !story.outlets.includes(member.outlet)) story.outlets.push(member.outlet);
    for (const e of [...story.labs, ...story.programs]) {
      const list = this.byEntity.get(e);
      if (!list) this.byEntity.set(e, [slot]);
      else if (list.at(-1) !== slot) list.push(slot);
    }
    for (const t of [...Object.keys(member.terms), ...member.ids]) {
      const list = this.postings.get(t);
      if (!list) this.postings.set(t, [slot]);
      else if (list.at(-1) !== slot) list.push(slot);
    }
  }

  /**
   * Does the story report a signing: do most of its members name one (kind `signing`) without a
   * request (`request`)? "Secretary announces agreement with Meta" does; "Commerce presses Meta to
   * join the review" does not, though it says "join".
   */
  reportsSigning(id: number): boolean {
    const members = this.stories.get(id)?.members ?? [];
    const signing = members.filter((m) => m.kinds.includes(SIGNING) && !m.kinds.includes(REQUEST));
    return signing.length * 2 > members.length;
  }

  /** assign's tally of shared rarity, sized for every story, under a new stamp (older entries are void). */
  private tally(): { shared: Float64Array; stampAt: Uint32Array; touched: number[] } {
    const n = this.idAt.length;
    if (this.shared.length < n || this.stamp === 0xffffffff) {
      const size = Math.max(n, 2 * this.shared.length, 64);
      this.shared = new Float64Array(size);
      this.stampAt = new Uint32Array(size);
      this.stamp = 0;
    }
    this.stamp++;
    return { shared: this.shared, stampAt: this.stampAt, touched: [] };
  }

  /** The story this item belongs to, or null for a new story. `allow` can rule stories out. */
  assign(item: StoryFeatures, allow: (storyId: number) => boolean = () => true): Assignment | null {
    const o = this.opts;
    const idf = (t: string) => this.rarity.idf(t);
    // Stories sharing the item's rarest words or its documents, by how much rarity they share; and
    // the latest stories about the same labs or programs, which share only common words at times
    // ("presses", "review") yet are the likeliest to be the same event.
    const entities = new Set([...item.labs, ...item.programs]);
    const { shared, stampAt, touched } = this.tally();
    const stamp = this.stamp;
    const probes = Object.keys(item.terms)
      .filter((t) => idf(t) > 0)
      .sort((a, b) => idf(b) - idf(a) || (a < b ? -1 : 1))
      .slice(0, o.probeTerms);
    const touch = (slot: number) => {
      if (stampAt[slot] === stamp) return;
      stampAt[slot] = stamp;
      shared[slot] = 0;
      touched.push(slot);
    };
    for (const t of [...probes, ...item.ids]) {
      const slots = this.postings.get(t);
      if (!slots) continue;
      const w = t.includes(':') ? 100 : idf(t);
      // A term many stories use says little: only its latest stories are looked at.
      for (let k = Math.max(0, slots.length - o.maxPostings); k < slots.length; k++) {
        const slot = slots[k] as number;
        touch(slot);
        shared[slot] = (shared[slot] as number) + w;
      }
    }
    for (const e of entities) {
      const slots = this.byEntity.get(e) ?? [];
      for (let k = Math.max(0, slots.length - o.latestPerEntity); k < slots.length; k++)
        touch(slots[k] as number);
    }
    // The best by shared rarity (ties: the later story), among stories about the item's labs or
    // programs, and apart from them the best few about other labs or none that share its rare
    // words; kept in order as they are found: no sort of every story that shares a word.
    const has = (e: string) => entities.has(e);
    const related: [number, number][] = [];
    const unrelated: [number, number][] = [];
    const relatedLimit = o.maxCandidates + o.latestPerEntity;
    for (const slot of touched) {
      const id = this.idAt[slot] as number;
      const w = shared[slot] as number;
      // Most stories that share a word fall short of both lists: they are not even looked up.
      const intoRelated = fits(related, relatedLimit, id, w);
      const intoUnrelated = w > 0 && fits(unrelated, o.maxUnrelated, id, w);
      if (!intoRelated && !intoUnrelated) continue;
      const story = this.stories.get(id);
      if (!story) continue;
      if (story.labs.some(has) || story.programs.some(has)) {
        if (intoRelated) keepBest(related, relatedLimit, id, w);
      } else if (intoUnrelated) keepBest(unrelated, o.maxUnrelated, id, w);
    }
    const candidates = [...related, ...unrelated].map(([id]) => id);
    const di = derived(item);
    const at = di.ms;
    const windowMs = o.windowHours * HOUR;
    const documentMs = o.documentWindowHours * HOUR;
    let best: Assignment | null = null;
    for (const id of candidates) {
      const story = this.stories.get(id);
      if (!story || !allow(id)) continue;
      // The story's probability is its closest member's: coverage of one event is alike pairwise,
      // not each piece like all the others.
      let p = -1;
      const members = story.members;
      for (let k = Math.max(0, members.length - o.maxMembers); k < members.length; k++) {
        const m = members[k] as StoryFeatures;
        const dm = derived(m);
        const gap = Math.abs(dm.ms - at);
        if (
          gap <= windowMs
            ? sameDocumentOf(item, m, di, dm, MIN_DOCUMENT_WORDS) || groupedByAggregator(item, m)
            : gap <= documentMs && sameDocumentOf(item, m, di, dm, LATE_DOCUMENT_WORDS)
        ) {
          p = 1;
          break;
        }
        if (gap > windowMs) continue;
        const ok = fillPairFeatures(item, m, di, dm, this.rarity, story, scratch);
        p = Math.max(p, ok ? joinProbability(scratch, this.model) : 0);
        if (p >= SURE) break;
      }
      if (p < 0) continue;
      if (p < (story.settled ? this.model.settledJoin : this.model.join)) continue;
      if (!best || p > best.probability || (p === best.probability && id < best.storyId))
        best = { storyId: id, probability: p };
    }
    return best;
  }
}
