/**
 * The word lists story clustering uses (seeds/stories.yaml): schema, and compilation into lookup
 * tables. Pure; src/cluster/load-story-words.ts reads the file.
 */
import { z } from 'zod';
import type { BoostedTrees } from './boosted.js';
import type { StoryModel } from './cluster.js';
import { rawTokens, stem } from './words.js';

const words = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v.join(' ') : v));

export const storyWordsSchema = z
  .object({
    stop: words,
    units: words.default(''),
    /** Short forms read as the word they stand for ("Aug." as "August", so "Aug. 25" is "August 25"). */
    abbreviations: z.record(z.string().regex(/^[a-z]+$/), z.string().regex(/^[a-z]+$/)).default({}),
    background: z
      .object({
        documents: z.number().int().positive(),
        frequent: words.default(''),
        common: words.default(''),
      })
      .strict(),
    concepts: z
      .record(
        z.string().regex(/^[a-z-]+$/, 'a concept is lower-case letters and dashes'),
        z.array(z.string().min(1)).min(1),
      )
      .default({}),
    actors: z
      .record(
        z.string().regex(/^[a-z-]+$/, 'an actor is lower-case letters and dashes'),
        z.array(z.string().min(1)).min(1),
      )
      .default({}),
    lawmakers: z
      .object({
        /** Titles before a member's name, by the chamber they sit in ("Sen." Senate, "Rep." House). */
        titles: z
          .object({
            senate: z.array(z.string().min(1)).default([]),
            house: z.array(z.string().min(1)).default([]),
            either: z.array(z.string().min(1)).default([]),
          })
          .strict(),
        /** What members do in a headline they lead: "Warren, Banks demand…", "Moolenaar presses…". */
        verbs: words,
      })
      .strict()
      .optional(),
    actorContext: words.default(''),
    /** Actors that do not pass bills: under a headline about legislation, what the bill is about. */
    agencies: z.array(z.string().min(1)).default([]),
    compatibleActors: z.array(z.tuple([z.string().min(1), z.string().min(1)])).default([]),
    kinds: z.record(
      z.string().regex(/^[a-z-]+$/, 'a kind is lower-case letters and dashes'),
      z.array(z.string().min(1)).min(1),
    ),
    identifiers: z
      .array(
        z
          .object({
            kind: z.string().regex(/^[a-z-]+$/),
            prefixes: z.array(z.string().min(1)).min(1),
            /** The fewest digits its numbers have (executive orders have five: "order's 30-day" is none). */
            minDigits: z.number().int().min(1).max(6).default(1),
          })
          .strict(),
      )
      .default([]),
    model: z
      .object({
        /** The fitted trees (src/cluster/boosted.ts), a JSON file beside this one. */
        trees: z.string().regex(/^[\w.-]+\.json$/),
        join: z.number().gt(0).lt(1),
        settledJoin: z.number().gt(0).lt(1),
        otherActorJoin: z.number().gt(0).lt(1),
      })
      .strict(),
  })
  .strict()
  .superRefine((file, ctx) => {
    const actor = (a: string, at: (string | number)[]) => {
      if (!(a in file.actors))
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: at,
          message: `"${a}" is not an actor listed under actors`,
        });
    };
    file.agencies.forEach((a, i) => {
      actor(a, ['agencies', i]);
    });
    file.compatibleActors.forEach((pair, i) => {
      pair.forEach((a, k) => {
        actor(a, ['compatibleActors', i, k]);
      });
    });
    if (file.lawmakers)
      for (const chamber of ['senate', 'house']) actor(chamber, ['lawmakers', 'titles', chamber]);
  });

export type StoryWordsFile = z.infer<typeof storyWordsSchema>;

export interface StoryWords {
  /** Raw tokens and stems never compared. */
  stop: ReadonlySet<string>;
  /** Words that make the number before them a quantity ("30-day", "72 hours"), not a version. */
  units: ReadonlySet<string>;
  /** Short forms (raw tokens) by the word they stand for. */
  abbreviations: ReadonlyMap<string, string>;
  /** Background document frequency by stem, out of `backgroundDocuments`. */
  background: ReadonlyMap<string, number>;
  backgroundDocuments: number;
  /** Kind of event by stem. */
  kinds: ReadonlyMap<string, string>;
  /** Concepts a stem stands for. */
  concepts: ReadonlyMap<string, readonly string[]>;
  /**
   * Who acts (an agency, a court, a state): word sequences (as written, not stemmed: "tested" is
   * not "testers") by their first word, longest first.
   */
  actors: ReadonlyMap<string, readonly { actor: string; words: readonly string[] }[]>;
  /** Members of Congress leading a headline: their titles (as tokens, by chamber) and verbs. */
  lawmakers: {
    titles: readonly { words: readonly string[]; chamber: 'senate' | 'house' | null }[];
    verbs: ReadonlySet<string>;
  };
  /** Words after which a headline gives context ("… as FTC steps in"): actors there are not the story's. */
  actorContext: ReadonlySet<string>;
  /** The first of those words in a text, as a whole word (its index is where the context starts). */
  actorContextPattern: RegExp;
  /** Actors that do not pass bills: in a headline about legislation they are its subject matter. */
  agencies: ReadonlySet<string>;
  /** Actors that one event's coverage names interchangeably (a court and the Justice Department). */
  compatibleActors: ReadonlyMap<string, ReadonlySet<string>>;
  /** Token sequences that, followed by a number, name a document of that kind; longest first. */
  identifiers: readonly { kind: string; prefix: readonly string[]; minDigits: number }[];
  model: StoryModel;
}

/** Share of the background collection a `frequent` and a `common` word is counted in. */
const FREQUENT_SHARE = 1 / 4;
const COMMON_SHARE = 1 / 12;

/** The word lists, compiled, with the model's fitted trees (read from the file `model.trees` names). */
export function compileStoryWords(file: StoryWordsFile, trees: BoostedTrees): StoryWords {
  const stop = new Set<string>();
  for (const w of rawTokens(file.stop)) {
    stop.add(w);
    stop.add(stem(w));
  }
  const n = file.background.documents;
  const background = new Map<string, number>();
  for (const w of rawTokens(file.background.common)) background.set(stem(w), Math.round(n * COMMON_SHARE));
  for (const w of rawTokens(file.background.frequent))
    background.set(stem(w), Math.round(n * FREQUENT_SHARE));
  const kinds = new Map<string, string>();
  for (const [kind, list] of Object.entries(file.kinds))
    for (const entry of list) for (const w of rawTokens(entry)) kinds.set(stem(w), kind);
  const concepts = new Map<string, string[]>();
  for (const [concept, list] of Object.entries(file.concepts))
    for (const entry of list)
      for (const w of rawTokens(entry)) {
        const k = stem(w);
        concepts.set(k, [...new Set([...(concepts.get(k) ?? []), concept])]);
      }
  const identifiers = file.identifiers
    .flatMap((g) => g.prefixes.map((p) => ({ kind: g.kind, prefix: rawTokens(p), minDigits: g.minDigits })))
    .filter((x) => x.prefix.length > 0)
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const actors = new Map<string, { actor: string; words: string[] }[]>();
  for (const [actor, list] of Object.entries(file.actors))
    for (const entry of list) {
      const w = rawTokens(entry);
      const first = w[0];
      if (first === undefined) continue;
      actors.set(first, [...(actors.get(first) ?? []), { actor, words: w }]);
    }
  for (const list of actors.values()) list.sort((a, b) => b.words.length - a.words.length);
  const compatibleActors = new Map<string, Set<string>>();
  for (const [a, b] of file.compatibleActors)
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const)
      compatibleActors.set(x, new Set([...(compatibleActors.get(x) ?? []), y]));
  const titles = file.lawmakers
    ? (['senate', 'house', 'either'] as const)
        .flatMap(
          (c) =>
            file.lawmakers?.titles[c].map((t) => ({
              words: rawTokens(t),
              chamber: c === 'either' ? null : c,
            })) ?? [],
        )
        .sort((a, b) => b.words.length - a.words.length)
    : [];
  return {
    stop,
    units: new Set(rawTokens(file.units)),
    abbreviations: new Map(Object.entries(file.abbreviations)),
    background,
    backgroundDocuments: n,
    kinds,
    concepts,
    actors,
    identifiers,
    lawmakers: { titles, verbs: new Set(rawTokens(file.lawmakers?.verbs ?? '')) },
    actorContext: new Set(rawTokens(file.actorContext)),
    actorContextPattern: wholeWords(rawTokens(file.actorContext)),
    agencies: new Set(file.agencies),
    compatibleActors,
    model: { ...file.model, trees },
  };
}

/** Any of these words, as a whole word, letter case ignored; a list with none matches nothing. */
function wholeWords(list: readonly string[]): RegExp {
  if (list.length === 0) return /(?!)/;
  const escaped = list.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${escaped.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}
