/**
 * The roster's shape, validated with zod when the seed file is loaded.
 * A team adds a lab or a program by editing seeds/roster.yaml, never code.
 */
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'ids are lower-case words joined by hyphens');
/** A full date (2026-06-02) or a month (2026-05) or a year (2024): the sources are not always precise. */
export const partialDate = z
  .string()
  .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'expected a date as YYYY, YYYY-MM or YYYY-MM-DD');

const words = z.array(z.string().min(1)).min(1, 'list at least one word');

/**
 * A rule about the words around a match, written as data. A condition holds when every part it
 * gives holds; an alias (or a vocabulary term) with `unless: [...]` does not count where any of its
 * conditions holds. Words are compared in lower case, whole words; in `mentions` and `without` an
 * entry may be a phrase ("vector institute") or end in `*` to stand for any word it begins
 * ("explainab*").
 */
export const conditionSchema = z
  .object({
    /** The word just before the match is one of these ("electricity bill"). */
    prev: words.optional(),
    /** The word just after the match is one of these ("Meta analysis", "Claude Monet"). */
    next: words.optional(),
    /** The item (title or summary) also mentions one of these. */
    mentions: words.optional(),
    /** …and mentions none of these (the context that makes it the tracked one after all). */
    without: words.optional(),
    /** The match was found in its all-caps form (a shouted headline), not as written. */
    form: z.literal('caps').optional(),
  })
  .strict()
  .refine((c) => c.prev || c.next || c.mentions || c.form, {
    message: 'a condition needs at least one of prev, next, mentions or form',
  });
export type Condition = z.infer<typeof conditionSchema>;

/**
 * An alias the matcher looks for. A plain string is matched case-insensitively;
 * `case: sensitive` is for names that are also common words ("Meta", "Claude", "Gemini"): they
 * match as written, or in capitals inside a shouted headline. An alias written in capitals with
 * `case: sensitive` ("CAISI", "GDM") therefore counts only in its all-caps form.
 */
export const aliasSchema = z.union([
  z.string().min(2),
  z
    .object({
      text: z.string().min(2),
      case: z.enum(['sensitive', 'insensitive']).default('insensitive'),
      /** A weak alias (a product or a person) counts for the lab only next to other evidence. */
      weak: z.boolean().default(false),
      /**
       * `tech`: also an ordinary word or name ("Claude", "Gemini", "Llama"), so it counts only when
       * the item is about technology (a strong alias of any lab or program, or one of the
       * vocabulary's tech words, elsewhere in it).
       */
      context: z.literal('tech').optional(),
      /** The alias names the lab's AI (a model, an AI product, its AI unit or AI chief). */
      ai: z.boolean().default(false),
      /** Where the words around it show it is something else (see conditionSchema). */
      unless: z.array(conditionSchema).default([]),
    })
    .strict(),
]);
export type AliasInput = z.infer<typeof aliasSchema>;

export const sourceSchema = z.object({
  id,
  outlet: z.string().min(1),
  title: z.string().min(1),
  date: partialDate,
  url: z.string().url().optional(),
  note: z.string().optional(),
});

export const labSchema = z.object({
  id,
  name: z.string().min(1),
  country: z.string().default('US'),
  /**
   * `ai`: the company is an AI lab, so whatever a government does about it concerns its AI.
   * `broad`: it has large businesses besides AI (search, social networks, software), so its items
   * alert only when they are about AI (an AI alias or AI words; see seeds/vocabulary.yaml).
   */
  scope: z.enum(['ai', 'broad']).default('ai'),
  aliases: z.array(aliasSchema).default([]),
  /** Short names people type in lookups (`gdm`, `fb`), never matched in the news. */
  nicknames: z.array(z.string().min(1)).default([]),
  people: z.array(z.object({ name: z.string(), role: z.string() })).default([]),
});

export const programSchema = z.object({
  id,
  name: z.string().min(1),
  short: z.string().min(1),
  agency: z.string().min(1),
  kind: z.enum(['voluntary-review', 'executive-order', 'directive', 'other']),
  aliases: z.array(aliasSchema).default([]),
  terms: z.array(z.string()).default([]),
  signed: partialDate.optional(),
  sources: z.array(id).default([]),
});

export const membershipStatus = z.enum([
  'signed',
  'in-talks',
  'not-signed',
  'suspended',
  'withdrawn',
  'subject',
]);
export type MembershipStatus = z.infer<typeof membershipStatus>;

export const membershipSchema = z.object({
  lab: id,
  program: id,
  status: membershipStatus,
  since: partialDate.optional(),
  note: z.string().optional(),
  /** Where the sources disagree, each version is kept with its own sources. */
  versions: z.array(z.object({ says: z.string(), sources: z.array(id).min(1) })).default([]),
  sources: z.array(id).min(1, 'every membership cites at least one source'),
});

export const eventSchema = z.object({
  id,
  date: partialDate,
  title: z.string().min(1),
  labs: z.array(id).default([]),
  programs: z.array(id).default([]),
  versions: z.array(z.object({ says: z.string(), sources: z.array(id).min(1) })).default([]),
  sources: z.array(id).min(1, 'every event cites at least one source'),
});

export const rosterSchema = z.object({
  sources: z.array(sourceSchema).min(1),
  labs: z.array(labSchema).min(1),
  programs: z.array(programSchema).min(1),
  memberships: z.array(membershipSchema),
  events: z.array(eventSchema),
});

export type Source = z.infer<typeof sourceSchema>;
export type Lab = z.infer<typeof labSchema>;
export type Program = z.infer<typeof programSchema>;
export type Membership = z.infer<typeof membershipSchema>;
export type RosterEvent = z.infer<typeof eventSchema>;
export type Roster = z.infer<typeof rosterSchema>;
