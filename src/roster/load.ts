/**
 * Loads and validates the roster seed file. A broken file gives one clear message naming the
 * file, the path inside it and what is wrong, and nothing else.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Roster, rosterSchema } from './schema.js';

/** The folder holding the bundled seeds, found relative to this file in src/ and in dist/src/. */
export const seedsDir = (): string => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${path.sep}dist${path.sep}`) ? '../../../seeds' : '../../seeds';
  return path.resolve(here, up);
};

export const defaultRosterPath = (): string => path.join(seedsDir(), 'roster.yaml');

export class SeedError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}: ${where ? `at ${where}: ` : ''}${problem}`);
    this.name = 'SeedError';
  }
}

export const formatPath = (p: readonly PropertyKey[]): string =>
  p.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );

/** Parse YAML or JSON text and validate it as a roster; `file` is only used in messages. */
export function parseRoster(text: string, file: string): Roster {
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new SeedError(file, '', `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${msg}`);
  }
  const result = rosterSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0] as z.core.$ZodIssue;
    throw new SeedError(file, formatPath(issue.path), issue.message);
  }
  checkReferences(result.data, file);
  return result.data;
}

export function loadRoster(file = defaultRosterPath()): Roster {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SeedError(file, '', `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseRoster(text, file);
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
