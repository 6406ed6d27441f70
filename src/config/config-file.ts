/**
 * The config file (YAML or JSON), validated with zod: which feeds to poll and how the pipeline
 * behaves. Environment variables that override file keys are laid on top in effective.ts.
 * `roster:` names the team's own roster file (relative to the config file); `CAISI_ROSTER` wins
 * over it.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { seedsDir } from '../roster/load.js';

/** The shortest poll interval, in the file and in `CAISI_POLL_SECONDS` alike. */
export const MIN_POLL_SECONDS = 1;

const feedSchema = z.object({
  /** http(s) URL, or a path (relative to the config file) for bundled demo feeds. */
  url: z.string().min(1),
  /** The outlet's name as alerts cite it; defaults to the feed's own title. */
  name: z.string().min(1).optional(),
  note: z.string().optional(),
});

export const configSchema = z
  .object({
    feeds: z.array(feedSchema).default([]),
    /** The team's own roster file, whole or `extends: bundled` (a path relative to this file). */
    roster: z.string().min(1).optional(),
    /** The first poll of a new feed alerts only items this recent; null alerts everything (demo). */
    backfillHours: z.number().positive().nullable().default(24),
    clusterWindowHours: z.number().positive().default(72),
    pollSeconds: z.number().int().min(MIN_POLL_SECONDS).default(300),
    fetch: z
      .object({
        timeoutSeconds: z.number().positive().default(15),
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(5 * 1024 * 1024),
        maxRedirects: z.number().int().min(0).max(20).default(5),
        concurrency: z.number().int().min(1).max(64).default(16),
      })
      .prefault({}),
    /** Feeds added from Slack may point at private addresses only when this is true. */
    allowPrivateFeeds: z.boolean().default(false),
    /** A feed is disabled after this many failures in a row. */
    disableAfterErrors: z.number().int().min(1).default(10),
    retentionDays: z.number().int().min(1).default(365),
    digest: z
      .object({
        hour: z.number().int().min(0).max(23).default(9),
        timeZone: z.string().default('America/New_York'),
      })
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema> & { file: string | null };
export type FeedConfig = z.infer<typeof feedSchema>;

export class ConfigError extends AppError {
  constructor(message: string) {
    super(message, 'config', 'operator');
    this.name = 'ConfigError';
  }
}

export const demoConfigPath = () => path.join(seedsDir(), 'config.demo.yaml');
export const realConfigPath = () => path.join(seedsDir(), 'config.real.yaml');

const where = (p: readonly PropertyKey[]) =>
  p.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    '',
  );

export function parseConfig(text: string, file: string): Config {
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const r = configSchema.safeParse(data ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${file}: at ${where(i.path) || '(top)'}: ${i.message}`);
    throw new ConfigError(lines.join('\n'));
  }
  // Relative feed paths are relative to the config file.
  const feeds = r.data.feeds.map((f) =>
    /^[a-z][a-z0-9+.-]*:/i.test(f.url)
      ? f
      : { ...f, url: `file://${path.resolve(path.dirname(file), f.url)}` },
  );
  const roster = r.data.roster === undefined ? undefined : path.resolve(path.dirname(file), r.data.roster);
  return { ...r.data, feeds, roster, file };
}

export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `${file}: cannot read the config file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  return parseConfig(text, file);
}

/** `CAISI_FEEDS`: comma-separated http(s) URLs. */
export function parseFeedsEnv(value: string): FeedConfig[] {
  const urls = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const u of urls) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError(`CAISI_FEEDS: "${u.slice(0, 200)}" is not an http(s) URL`);
  }
  return urls.map((url) => ({ url }));
}
