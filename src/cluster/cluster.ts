/**
 * Story clustering (pure): the same event covered by several outlets becomes one story; different
 * events, even about the same lab in the same week, stay apart. A wrong merge hides an alert, a
 * wrong split only repeats one, so every rule leans towards keeping items apart.
 *
 * Online, one pass, in the order the news happened. For each alerting item:
 * 1. Features (features.ts): headline and lead words, stemmed (lab names kept but weighed as common
 *    words), model and date pairs ("gpt5", "june12"), documents named ("bill:sb512", "order:14409"),
 *    the kind of event (signing, probe, lawsuit, ruling, hearing…), labs and programs in focus.
 * 2. Candidates: stories with a member inside the window, found through an inverted index from the
 *    item's rarest terms and its documents to stories, capped at the best `maxCandidates` by shared
 *    rarity. Only stories sharing a lab or program with the item are scored.
 * 3. Score against each member (at most `maxMembers`, latest first): the larger of the
 *    rarity-weighted cosine of the two headlines and of the two headline+lead texts. The words must
 *    share enough rarity in total (`minSharedRarity`), so two common policy words never suffice.
 *    A member naming a different document of the same kind (another bill, another order) never
 *    matches; one naming the same document is strong evidence. Members are compared as written:
 *    a story's vocabulary does not grow as sources are added.
 * 4. The bar rises for weaker cases: the item brings a lab the story does not have, or reports a
 *    different kind of event than any member, or comes more than a day after the member, or the
 *    story's alert has already gone out (a posted alert absorbs a later item only on strong
 *    evidence). Labs that disagree entirely never join.
 * 5. The item joins the story with the largest margin over its bar; an exact tie goes to the older
 *    story, never to the more recent one. Otherwise it starts a new story.
 * Rarity (rarity.ts) is the inverse document frequency over the headlines seen lately, on a small
 * bundled background.
 *
 * Cost per item: the features are linear in its length; the index lookup touches the postings of at
 * most `probeTerms` terms; scoring is at most maxCandidates × maxMembers sparse dot products of a
 * few dozen terms each. It does not grow with the number of stories in the window beyond the
 * postings, which are short for rare terms (a term in too many stories is not probed).
 */
import type { StoryFeatures } from './features.js';
import type { Rarity } from './rarity.js';

export interface ClusterOptions {
  windowHours: number;
  /**
   * How long one official document may take to appear in a second feed (an order is on the White
   * House site the day it is signed, in the Federal Register about five days later).
   */
  documentWindowHours: number;
  maxCandidates: number;
  maxMembers: number;
  probeTerms: number;
}

export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = {
  windowHours: 72,
  documentWindowHours: 14 * 24,
  maxCandidates: 40,
  maxMembers: 24,
  probeTerms: 10,
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
  'days',
  'sameDocument',
] as const;
export type PairFeature = (typeof PAIR_FEATURES)[number];

/**
 * A logistic model over the pair features (seeds/stories.yaml, fitted by test/fit-story-model.ts on
 * the labelled corpus): the probability that two items report the same event. `join` is the
 * probability an item needs to join a story; `settledJoin` the one it needs to join a story whose
 * alert has already gone out.
 */
export interface StoryModel {
  weights: Record<PairFeature, number>;
  bias: number;
  join: number;
  settledJoin: number;
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

/** Rarity-weighted cosine of two weighted term sets, and the rarity the two share. */
function cosine(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
  idf: (t: string) => number,
): { cos: number; shared: number } {
  let dot = 0;
  let na = 0;
  let nb = 0;
  let shared = 0;
  for (const t in a) {
    const i = idf(t);
    const w = (a[t] as number) * i;
    na += w * w;
    const bt = b[t];
    if (bt !== undefined) {
      dot += w * bt * i;
      shared += i;
    }
  }
  for (const t in b) {
    const w = (b[t] as number) * idf(t);
    nb += w * w;
  }
  return { cos: na && nb ? dot / Math.sqrt(na * nb) : 0, shared };
}

const asWeights = (terms: readonly string[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const t of terms) out[t] = 1;
  return out;
};

const kindOf = (id: string) => id.slice(0, id.indexOf(':'));
const overlaps = (a: readonly string[], b: readonly string[]) => a.some((x) => b.includes(x));

/**
 * The features of an item against one member, or null when they cannot be one story: they name
 * different documents of the same kind (SB 512 against AB 77), or their labs disagree entirely.
 */
export function pairFeatures(
  item: StoryFeatures,
  member: StoryFeatures,
  idf: (t: string) => number,
): Record<PairFeature, number> | null {
  let sameDocument = 0;
  if (item.ids.length && member.ids.length) {
    if (overlaps(item.ids, member.ids)) sameDocument = 1;
    else if (item.ids.some((x) => member.ids.some((y) => kindOf(x) === kindOf(y)))) return null;
  }
  if (item.labs.length && member.labs.length && !overlaps(item.labs, member.labs)) return null;
  const text = cosine(item.terms, member.terms, idf);
  const hours = Math.abs(Date.parse(item.at) - Date.parse(member.at)) / HOUR;
  const title = cosine(asWeights(item.title), asWeights(member.title), idf);
  const bothKinds = item.kinds.length > 0 && member.kinds.length > 0;
  const sameKind = bothKinds && overlaps(item.kinds, member.kinds);
  const sameSet = (a: readonly string[], b: readonly string[]) =>
    a.length > 0 && a.length === b.length && a.every((x) => b.includes(x));
  return {
    titleCosine: title.cos,
    textCosine: text.cos,
    sharedRarity: Math.log1p(Math.max(text.shared, title.shared)),
    sameKind: sameKind ? 1 : 0,
    otherKind: bothKinds && !sameKind ? 1 : 0,
    sameLabs: sameSet(item.labs, member.labs) ? 1 : 0,
    newLab: member.labs.length > 0 && item.labs.some((l) => !member.labs.includes(l)) ? 1 : 0,
    samePrograms: overlaps(item.programs, member.programs) ? 1 : 0,
    days: Math.max(0, hours - 24) / 24,
    sameDocument,
  };
}

/** Headline words, without the kinds of event they stand for. */
const words = (f: StoryFeatures) => f.title.filter((t) => !t.startsWith('~'));

/**
 * The same document under two headlines: one headline's words (`minWords` at least) nearly all
 * within the other's. A wire headline that two outlets run as it is; an order's title on the White
 * House site and "Executive Order 14413 of July 2, 2026: <title>" in the Federal Register days later
 * (past the window, a headline must be as long as a document's title, or both name the document).
 */
export function sameDocument(a: StoryFeatures, b: StoryFeatures, minWords = MIN_DOCUMENT_WORDS): boolean {
  const [short, long] =
    words(a).length <= words(b).length ? [words(a), new Set(words(b))] : [words(b), new Set(words(a))];
  const named = a.ids.some((x) => b.ids.includes(x));
  if (short.length < (named ? MIN_DOCUMENT_WORDS : minWords)) return false;
  const inside = short.filter((t) => long.has(t)).length / short.length;
  return inside >= DOCUMENT_CONTAINMENT;
}
const MIN_DOCUMENT_WORDS = 5;
const LATE_DOCUMENT_WORDS = 8;
const DOCUMENT_CONTAINMENT = 0.85;

export function pairProbability(x: Record<PairFeature, number>, model: StoryModel): number {
  let z = model.bias;
  for (const f of PAIR_FEATURES) z += model.weights[f] * x[f];
  return 1 / (1 + Math.exp(-z));
}

/**
 * The stories items may join, indexed by their members' terms and documents. Holds the stories of
 * the window and is updated as items start or join stories.
 */
export class StoryIndex {
  private readonly stories = new Map<number, IndexedStory>();
  private readonly postings = new Map<string, Set<number>>();

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
    this.stories.set(story.id, {
      ...story,
      labs: [...story.labs],
      programs: [...story.programs],
      members: [],
    });
    for (const m of story.members) this.addMember(story.id, m);
  }

  /** Record that an item joined a story. */
  addMember(id: number, member: StoryFeatures): void {
    const story = this.stories.get(id);
    if (!story) return;
    story.members.push(member);
    for (const l of member.labs) if (!story.labs.includes(l)) story.labs.push(l);
    for (const p of member.programs) if (!story.programs.includes(p)) story.programs.push(p);
    for (const t of [...Object.keys(member.terms), ...member.ids]) {
      const set = this.postings.get(t);
      if (set) set.add(id);
      else this.postings.set(t, new Set([id]));
    }
  }

  /** The story this item belongs to, or null for a new story. `allow` can rule stories out. */
  assign(item: StoryFeatures, allow: (storyId: number) => boolean = () => true): Assignment | null {
    const o = this.opts;
    const memo = new Map<string, number>();
    const idf = (t: string) => {
      let v = memo.get(t);
      if (v === undefined) {
        v = this.rarity.idf(t);
        memo.set(t, v);
      }
      return v;
    };
    // Probe with the rarest terms and every document the item names.
    const probes = Object.keys(item.terms)
      .filter((t) => idf(t) > 0)
      .sort((a, b) => idf(b) - idf(a) || (a < b ? -1 : 1))
      .slice(0, o.probeTerms);
    const overlap = new Map<number, number>();
    for (const t of [...probes, ...item.ids]) {
      const ids = this.postings.get(t);
      if (!ids) continue;
      const w = t.includes(':') ? 100 : idf(t);
      for (const id of ids) overlap.set(id, (overlap.get(id) ?? 0) + w);
    }
    const candidates = [...overlap]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, o.maxCandidates)
      .map(([id]) => id);
    const at = Date.parse(item.at);
    const windowMs = o.windowHours * HOUR;
    const documentMs = o.documentWindowHours * HOUR;
    const entities = new Set([...item.labs, ...item.programs]);
    let best: Assignment | null = null;
    for (const id of candidates) {
      const story = this.stories.get(id);
      if (!story || !allow(id)) continue;
      if (![...story.labs, ...story.programs].some((e) => entities.has(e))) continue;
      // The story's probability is its closest member's: coverage of one event is alike pairwise,
      // not each piece like all the others.
      let p = -1;
      for (const m of story.members.slice(-o.maxMembers)) {
        const gap = Math.abs(Date.parse(m.at) - at);
        if (
          gap <= windowMs
            ? sameDocument(item, m)
            : gap <= documentMs && sameDocument(item, m, LATE_DOCUMENT_WORDS)
        ) {
          p = 1;
          break;
        }
        if (gap > windowMs) continue;
        const x = pairFeatures(item, m, idf);
        p = Math.max(p, x ? pairProbability(x, this.model) : 0);
      }
      if (p < 0) continue;
      if (p < (story.settled ? this.model.settledJoin : this.model.join)) continue;
      if (!best || p > best.probability || (p === best.probability && id < best.storyId))
        best = { storyId: id, probability: p };
    }
    return best;
  }
}
