/**
 * The matching vocabulary (seeds/vocabulary.yaml), validated with zod and loaded once: the
 * government / regulatory / security topic groups and their weights, the words that make an item
 * about AI or about technology, stop phrases, compound rules and the decision's settings.
 * A broken file gives one line naming the file, the path inside it and the problem, like the roster.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseSeedText, readSeedText, SeedError, seedsDir, validateSeed } from './load.js';
import { conditionSchema } from './schema.js';

const groupId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case words joined by hyphens');
const phrase = z.string().min(1);
/** An `after:` list: the one word just before a term, so a phrase could never match. */
const afterWords = z
  .array(z.string().regex(/^\S+$/, 'one word each (the word just before the term), not a phrase'))
  .min(1);

/** A topic term: a plain phrase (any letter case), or one with a case rule and word rules. */
export const termSchema = z.union([
  phrase,
  z
    .object({
      text: phrase,
      case: z.enum(['sensitive', 'insensitive']).default('insensitive'),
      unless: z.array(conditionSchema).default([]),
      /** Counts only right after one of these words (instead of its group's `after`). */
      after: afterWords.optional(),
    })
    .strict(),
]);
export type Term = z.infer<typeof termSchema>;

export const topicGroupSchema = z
  .object({
    id: groupId,
    /** What the group adds to the government angle: 1 is enough next to a lab, 0.5 needs another group. */
    weight: z.number().positive(),
    /**
     * `act`: a government doing something (regulating, probing, testing, ordering, barring);
     * `actor`: only who is involved (a government, officials, a country). A lab's business news
     * ("hires", "partners", "offers") with actors but no act does not alert.
     */
    role: z.enum(['act', 'actor']),
    terms: z.array(termSchema).min(1),
    /**
     * The group's terms count only right after one of these words: verbs that are a government's
     * act when a government is their subject ("EU asks xAI…", "Brazil tells Meta…"), and ordinary
     * words anywhere else ("OpenAI asks investors…").
     */
    after: afterWords.optional(),
  })
  .strict();
export type TopicGroup = z.infer<typeof topicGroupSchema>;

export const vocabularySchema = z
  .object({
    decision: z
      .object({
        /** The summed weight of the distinct groups a lab needs next to it. */
        threshold: z.number().positive(),
        /**
         * An item that describes the government's pre-release review without naming a program
         * alerts when `group` is found together with one of the groups in `with`.
         */
        describedReview: z.object({ group: groupId, with: z.array(groupId).min(1) }).strict(),
      })
      .strict(),
    topics: z.array(topicGroupSchema).min(1),
    /** Words and phrases that make an item about AI, for labs whose scope is `broad`. */
    aiWords: z.array(termSchema).min(1),
    /** Subjects of a broad lab's non-AI business (its social network, its ad tech...). */
    notAiSubjects: z.array(termSchema).default([]),
    /** Words that make an item the lab's own business: launches, partnerships, hiring, sales. */
    businessWords: z.array(termSchema).default([]),
    /** Words that show an item is about technology, for aliases with `context: tech`. */
    techWords: z.array(phrase).min(1),
    /** "Meta-led", "OpenAI-backed": lower-case words after a hyphen that keep a name a name. */
    compounds: z
      .object({ suffixes: z.array(phrase).default([]), words: z.array(phrase).default([]) })
      .strict(),
    /** Longer phrases that swallow a term meaning something else in them ("Federal Reserve"). */
    stopPhrases: z.array(termSchema).default([]),
  })
  .strict();
export type Vocabulary = z.infer<typeof vocabularySchema>;

export const defaultVocabularyPath = (): string => path.join(seedsDir(), 'vocabulary.yaml');

/** Parse YAML or JSON text and validate it as a vocabulary; `file` is only used in messages. */
export function parseVocabulary(text: string, file: string): Vocabulary {
  const v = validateSeed(vocabularySchema, parseSeedText(text, file), file);
  const ids = new Set<string>();
  v.topics.forEach((g, i) => {
    if (ids.has(g.id)) throw new SeedError(file, `topics[${i}].id`, `duplicate id "${g.id}"`);
    ids.add(g.id);
  });
  const known = (value: string, where: string) => {
    if (!ids.has(value)) throw new SeedError(file, where, `unknown topic group "${value}"`);
  };
  known(v.decision.describedReview.group, 'decision.describedReview.group');
  v.decision.describedReview.with.forEach((g, i) => {
    known(g, `decision.describedReview.with[${i}]`);
  });
  return v;
}

const cache = new Map<string, Vocabulary>();

/** Load and validate a vocabulary file; each file is read once per process. */
export function loadVocabulary(file = defaultVocabularyPath()): Vocabulary {
  const hit = cache.get(file);
  if (hit) return hit;
  const v = parseVocabulary(readSeedText(file), file);
  cache.set(file, v);
  return v;
}
