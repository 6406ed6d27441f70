/**
 * The configuration the bot runs with, merged in one place: environment variable over config file
 * over default. The file's defaults come from its schema (config-file.ts); this module lays the
 * environment's overrides on top. Each override names the file key it replaces, so README's table
 * and the code cannot disagree.
 */
import { type Config, parseFeedsEnv } from './config-file.js';

/** The environment variables that override a config-file key, already validated (env.ts). */
export interface ConfigEnv {
  CAISI_FEEDS?: string;
  CAISI_POLL_SECONDS?: number;
  CAISI_ALLOW_PRIVATE_FEEDS?: boolean;
}

/** Which variable overrides which file key (README's "Environment" table says the same). */
export const ENV_OVERRIDES = [
  { env: 'CAISI_FEEDS', key: 'feeds' },
  { env: 'CAISI_POLL_SECONDS', key: 'pollSeconds' },
  { env: 'CAISI_ALLOW_PRIVATE_FEEDS', key: 'allowPrivateFeeds' },
] as const satisfies ReadonlyArray<{ env: keyof ConfigEnv; key: keyof Config }>;

/**
 * `file` (already holding the schema's defaults for keys it leaves out) with every variable that is
 * set laid over it. An unset (or empty) variable leaves the file's value alone.
 */
export function effectiveConfig(file: Config, env: ConfigEnv = {}): Config {
  const out: Config = { ...file };
  if (env.CAISI_FEEDS?.trim()) out.feeds = parseFeedsEnv(env.CAISI_FEEDS);
  if (env.CAISI_POLL_SECONDS !== undefined) out.pollSeconds = env.CAISI_POLL_SECONDS;
  if (env.CAISI_ALLOW_PRIVATE_FEEDS !== undefined) out.allowPrivateFeeds = env.CAISI_ALLOW_PRIVATE_FEEDS;
  return out;
}
