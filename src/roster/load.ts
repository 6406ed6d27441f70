/**
 * Loads and validates the roster seed file, or a team's own roster file (`CAISI_ROSTER`, or
 * `roster:` in the config file). A broken file gives one clear message naming the file, the path
 * inside it and what is wrong, and nothing else.
 *
 * A team's file is either a whole roster, or, with `extends: bundled` at the top, an extension of
 * the bundled one: its labs, programs, sources and events are added to the bundled ones, an entry
 * with the id of a bundled one replaces it (a membership replaces the one for the same lab and
 * program), and every section may be left out.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../errors.js';
import {
  eventSchema,
  labSchema,
  membershipSchema,
  programSchema,
  type Roster,
  rosterSchema,
  sourceSchema,
} from './schema.js';

/** The folder holding the bundled seeds, found relative to this file in src/ and in dist/src/. */
export const seedsDir = (): string => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${path.sep}dist${path.sep}`) ? '../../../seeds' : '../../seeds';
  return path.resolve(here, up);
};

export const defaultRosterPath = (): string => path.join(seedsDir(), 'roster.yaml');

export class SeedError extends AppError {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}: ${where ? `at ${where}: ` : ''}${problem}`, 'seed', 'operator');
    this.name = 'SeedError';
  }
}

export const formatPath = (p: readonly PropertyKey[]): string =>
  p.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );

/** YAML or JSON text → data; a syntax error is one SeedError line naming the file. */
export function parseSeedText(text: string, file: string): unknown {
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new SeedError(file, '', `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${msg}`);
  }
}

/** Data checked against a schema; the first problem is one SeedError line: file, path, problem. */
export function validateSeed<T>(schema: z.ZodType<T>, data: unknown, file: string): T {
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    throw new SeedError(file, formatPath(issue.path), issue.message);
  }
  return result.data;
}

/** Parse YAML or JSON text and validate it as a whole roster; `file` is only used in messages. */
export function parseRoster(text: string, file: string): Roster {
  const roster = validateSeed(rosterSchema, parseSeedText(text, file), file);
  checkReferences(roster, file);
  return roster;
}

/** A seed file's text; an unreadable file is one SeedError line. */
export function readSeedText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SeedError(file, '', `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A team's file that extends the bundled roster: every section optional. */
const extensionSchema = z.object({
  extends: z.literal('bundled'),
  sources: z.array(sourceSchema).default([]),
  labs: z.array(labSchema).default([]),
  programs: z.array(programSchema).default([]),
  memberships: z.array(membershipSchema).default([]),
  events: z.array(eventSchema).default([]),
});

/** `base` with `extra` added; an entry of `extra` with the key of one in `base` replaces it. */
function mergeBy<T>(
  base: readonly T[],
  extra: readonly T[],
  key: (x: T) => string,
): { list: T[]; offset: number } {
  const replaced = new Set(extra.map(key));
  const kept = base.filter((x) => !replaced.has(key(x)));
  return { list: [...kept, ...extra], offset: kept.length };
}

/**
 * Parse a team's roster file: a whole roster, or (`extends: bundled`) an extension of `bundled`.
 * Errors name the team's file and the path inside it.
 */
export function parseTeamRoster(text: string, file: string, bundled: () => Roster): Roster {
  const data = parseSeedText(text, file);
  const ext =
    data !== null && typeof data === 'object' ? (data as Record<string, unknown>).extends : undefined;
  if (ext === undefined) {
    const roster = validateSeed(rosterSchema, data, file);
    checkReferences(roster, file);
    return roster;
  }
  const team = validateSeed(extensionSchema, data, file);
  const base = bundled();
  const byId = (x: { id: string }) => x.id;
  const sources = mergeBy(base.sources, team.sources, byId);
  const labs = mergeBy(base.labs, team.labs, byId);
  const programs = mergeBy(base.programs, team.programs, byId);
  const memberships = mergeBy(base.memberships, team.memberships, (m) => `${m.lab}/${m.program}`);
  const events = mergeBy(base.events, team.events, byId);
  const roster: Roster = {
    sources: sources.list,
    labs: labs.list,
    programs: programs.list,
    memberships: memberships.list,
    events: events.list,
  };
  const offsets: Record<string, number> = {
    sources: sources.offset,
    labs: labs.offset,
    programs: programs.offset,
    memberships: memberships.offset,
    events: events.offset,
  };
  try {
    checkReferences(roster, file);
  } catch (err) {
    // Point at the entry in the team's file (its own index), or at the bundled file.
    if (!(err instanceof SeedError)) throw err;
    const m = /^(\w+)\[(\d+)\](.*)$/.exec(err.where);
    const offset = m ? offsets[m[1] as string] : undefined;
    if (!m || offset === undefined) throw err;
    const index = Number(m[2]);
    if (index < offset) throw new SeedError(defaultRosterPath(), '', `${err.where}: ${err.problem}`);
    throw new SeedError(file, `${m[1]}[${index - offset}]${m[3]}`, err.problem);
  }
  return roster;
}

/** The bundled roster (seeds/roster.yaml), or a team's own file, whole or extending the bundled one. */
export function loadRoster(file = defaultRosterPath()): Roster {
  if (path.resolve(file) === path.resolve(defaultRosterPath())) return parseRoster(readSeedText(file), file);
  return parseTeamRoster(readSeedText(file), file, () => loadRoster());
}

/** Ids must be unique and every reference must point at something that exists. */
function checkReferences(r: Roster, file: string): void {
  const unique = (list: { id: string }[], where: string) => {
    const seen = new Set<string>();
    list.forEach((x, i) => {
      if (seen.has(x.id)) throw new SeedError(file, `${where}[${i}].id`, `duplicate id "${x.id}"`);
      seen.add(x.id);
    });
    return seen;
  };
  const sources = unique(r.sources, 'sources');
  const labs = unique(r.labs, 'labs');
  const programs = unique(r.programs, 'programs');
  unique(r.events, 'events');
  /** Every value must be in the set; the message names the first that is not. */
  const needAll = (set: Set<string>, values: string[], where: string, what: string) => {
    values.forEach((value, j) => {
      if (!set.has(value)) throw new SeedError(file, `${where}[${j}]`, `unknown ${what} "${value}"`);
    });
  };
  const need = (set: Set<string>, value: string, where: string, what: string) => {
    if (!set.has(value)) throw new SeedError(file, where, `unknown ${what} "${value}"`);
  };
  r.programs.forEach((p, i) => {
    needAll(sources, p.sources, `programs[${i}].sources`, 'source');
  });
  const pairs = new Set<string>();
  r.memberships.forEach((m, i) => {
    need(labs, m.lab, `memberships[${i}].lab`, 'lab');
    need(programs, m.program, `memberships[${i}].program`, 'program');
    const key = `${m.lab}/${m.program}`;
    if (pairs.has(key)) throw new SeedError(file, `memberships[${i}]`, `second membership for ${key}`);
    pairs.add(key);
    needAll(sources, m.sources, `memberships[${i}].sources`, 'source');
    m.versions.forEach((v, k) => {
      needAll(sources, v.sources, `memberships[${i}].versions[${k}].sources`, 'source');
    });
  });
  r.events.forEach((e, i) => {
    needAll(labs, e.labs, `events[${i}].labs`, 'lab');
    needAll(programs, e.programs, `events[${i}].programs`, 'program');
    needAll(sources, e.sources, `events[${i}].sources`, 'source');
    e.versions.forEach((v, k) => {
      needAll(sources, v.sources, `events[${i}].versions[${k}].sources`, 'source');
    });
  });
}
