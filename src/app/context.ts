/**
 * Wiring shared by the CLI and the Slack app: seeds, config, store, matcher and the roster as it
 * stands (seeds plus edits made in Slack).
 */
import { existsSync } from 'node:fs';
import { type Config, demoConfigPath, loadConfig } from '../config/config-file.js';
import { type ConfigEnv, effectiveConfig } from '../config/effective.js';
import { compileMatcher, type Matcher } from '../match/matcher.js';
import { applyRosterEdits } from '../roster/effective.js';
import { loadRoster } from '../roster/load.js';
import type { Roster } from '../roster/schema.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';

export const DEFAULT_DB = './data/caisi.db';

export interface Context {
  seed: Roster;
  config: Config;
  store: Store;
  matcher: Matcher;
  /** The roster as users see it now: seeds with the edits made in Slack on top. */
  roster(): Promise<Roster>;
  close(): Promise<void>;
}

export interface ContextOptions {
  dbFile: string;
  /** `postgres://…` selects Postgres; otherwise SQLite at `dbFile`. */
  databaseUrl?: string | null;
  configFile?: string | null;
  /** Environment variables that override config-file keys (effective.ts). */
  env?: ConfigEnv;
  /** The team's roster file (`CAISI_ROSTER`); when absent, the config file's `roster:`, else the bundled one. */
  rosterFile?: string;
  /** Make the store's feed list match the config (the poller does; lookups need not). */
  syncFeeds?: boolean;
  now?: () => number;
}

export async function createContext(o: ContextOptions): Promise<Context> {
  const config = effectiveConfig(loadConfig(o.configFile ?? demoConfigPath()), o.env);
  const seed = loadRoster(o.rosterFile ?? config.roster);
  const store = await openStore({ dbFile: o.dbFile, databaseUrl: o.databaseUrl });
  if (o.syncFeeds)
    await store.syncConfigFeeds(
      config.feeds.map((f) => f.url),
      new Date((o.now ?? Date.now)()).toISOString(),
    );
  const matcher = compileMatcher(seed);
  return {
    seed,
    config,
    store,
    matcher,
    roster: async () => applyRosterEdits(seed, await store.rosterEdits()),
    close: () => store.close(),
  };
}

/** Open the store only if it exists: a lookup should not create a database as a side effect. */
export function dbExists(file: string): boolean {
  return file === ':memory:' || existsSync(file);
}
