/**
 * Story clustering (pure): the same story from several outlets within a time window becomes one
 * story. An item joins the most similar recent story that shares a tracked lab or program and
 * enough of its wording; otherwise it starts a new story.
 */
import { contentTerms } from './terms.js';

export interface ClusterCandidate {
  labs: string[];
  programs: string[];
  /** The item's terms, from itemTerms(). */
  terms: { title: string[]; all: string[] };
  /** When the item was published (or first seen), ISO. */
  at: string;
}

export interface StorySignature {
  id: number;
  labs: string[];
  programs: string[];
  terms: string[];
  /** Latest activity on the story, ISO. */
  lastSeenAt: string;
}

export interface ClusterOptions {
  windowHours: number;
  /** Minimum wording overlap (0..1) for an item to join a story. */
  threshold: number;
}

/**
 * Measured on the seed story: its five headlines overlap each other by 0.29–0.60, a different Meta
 * story that week by at most 0.14.
 */
export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = { windowHours: 72, threshold: 0.25 };

/**
 * The words an item is known by: its headline's, and those of its summary's first sentences.
 * The names of the labs and programs it matched are left out (`exclude`): every Meta story says
 * "Meta", so the name tells nothing about which Meta story this is.
 */
export function itemTerms(
  title: string,
  summary: string,
  exclude: string[] = [],
): { title: string[]; all: string[] } {
  const skip = new Set(exclude.flatMap((e) => contentTerms(e)));
  const t = contentTerms(title).filter((w) => !skip.has(w));
  const lead = summary
    .split(/(?<=[.!?])\s+/)
    .slice(0, 3)
    .join(' ');
  return { title: t, all: [...new Set([...t, ...contentTerms(lead).filter((w) => !skip.has(w))])] };
}

/**
 * Overlap of two term sets, relative to the smaller one, so that a short headline can match a
 * story whose terms grew as outlets were added.
 */
export function overlap(a: string[], b: string[]): number {
  return sharedTerms(a, b) / Math.max(1, Math.min(a.length, b.length));
}

/** How many terms of `a` are in `b`. */
export function sharedTerms(a: string[], b: string[]): number {
  const set = new Set(b);
  let shared = 0;
  for (const t of a) if (set.has(t)) shared++;
  return shared;
}

/** One word in common is chance ("questions", "deal"); a story needs at least this many. */
export const MIN_SHARED_TERMS = 2;

export function chooseStory(
  item: ClusterCandidate,
  stories: StorySignature[],
  opts: ClusterOptions = DEFAULT_CLUSTER_OPTIONS,
): { storyId: number; score: number } | null {
  const at = Date.parse(item.at);
  const entities = new Set([...item.labs, ...item.programs]);
  let best: { storyId: number; score: number } | null = null;
  for (const s of stories) {
    const last = Date.parse(s.lastSeenAt);
    if (Number.isFinite(at) && Number.isFinite(last) && Math.abs(at - last) > opts.windowHours * 3_600_000)
      continue;
    const shared = [...s.labs, ...s.programs].filter((e) => entities.has(e));
    if (shared.length === 0) continue;
    // The labs must agree: a story about Meta is not a story about Meta and OpenAI's feud.
    const labsA = new Set(item.labs);
    const labAgreement =
      item.labs.length === 0 || s.labs.length === 0
        ? 1
        : s.labs.filter((l) => labsA.has(l)).length / Math.max(item.labs.length, s.labs.length);
    if (labAgreement === 0) continue;
    if (sharedTerms(item.terms.all, s.terms) < MIN_SHARED_TERMS) continue;
    // The headline alone may say it better than the whole lead ("presses Meta to join review").
    const similarity = Math.max(overlap(item.terms.all, s.terms), overlap(item.terms.title, s.terms));
    const score = similarity * (0.85 + 0.15 * labAgreement);
    if (score >= opts.threshold && (!best || score > best.score)) best = { storyId: s.id, score };
  }
  return best;
}
