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

/**
 * An alias the matcher looks for. A plain string is matched case-insensitively;
 * `case: sensitive` is for names that are also common words ("Meta", "Claude", "Gemini").
 */
export const aliasSchema = z.union([
  z.string().min(2),
  z.object({
    text: z.string().min(2),
    case: z.enum(['sensitive', 'insensitive']).default('insensitive'),
    /** A weak alias (a product or a person) counts for the lab only next to other evidence. */
    weak: z.boolean().default(false),
  }),
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
