/**
 * `caisi-watch feeds check [--config <file>] [--json]`: fetch every feed of the effective config (as
 * `poll` would: --config, else CAISI_CONFIG, else the demo config; CAISI_FEEDS replaces the list)
 * once, now, and say for each whether it can be polled. Exit 1 when any feed is unusable.
 */
import path from 'node:path';
import { demoConfigPath, loadConfig } from '../config/config-file.js';
import { effectiveConfig } from '../config/effective.js';
import { formatCheckSummary, formatCheckText } from '../feeds/check.js';
import { checkFeeds } from '../feeds/check-run.js';
import { systemClock } from '../util/clock.js';
import { parseFlags } from './commands.js';
import { type CliIO, EXIT_FAILURE, EXIT_OK, UserError } from './io.js';

const USAGE = 'usage: caisi-watch feeds check [--config <file>] [--json]';

export async function feedsCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check')
    throw new UserError(
      sub ? `feeds: unknown subcommand "${sub.slice(0, 40)}" (${USAGE})` : `feeds: ${USAGE}`,
    );
  const { values, positionals } = parseFlags('feeds check', rest, {
    config: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (positionals.length) throw new UserError(`feeds check: unexpected argument "${positionals[0]}"`);
  const file = values.config ?? (io.env.CAISI_CONFIG || null);
  const config = effectiveConfig(loadConfig(file ? path.resolve(io.cwd, file) : demoConfigPath()), {
    CAISI_FEEDS: io.env.CAISI_FEEDS,
  });
  const checks = await checkFeeds(
    // Feeds from the operator's config may be on a private network, as when polled.
    config.feeds.map((f) => ({ url: f.url, name: f.name ?? null, allowPrivate: true, allowFile: true })),
    {
      fetch: {
        timeoutMs: config.fetch.timeoutSeconds * 1000,
        maxBytes: config.fetch.maxBytes,
        maxRedirects: config.fetch.maxRedirects,
      },
      concurrency: config.fetch.concurrency,
      now: systemClock.now,
    },
  );
  if (values.json) io.stdout(`${JSON.stringify(checks, null, 2)}\n`);
  else {
    io.stdout(
      checks.length
        ? `${checks.map(formatCheckText).join('\n\n')}\n\n${formatCheckSummary(checks)}\n`
        : `No feeds in ${config.file ?? 'the config'}.\n`,
    );
  }
  return checks.some((c) => c.verdict.level === 'unusable') ? EXIT_FAILURE : EXIT_OK;
}
