/**
 * `caisi-watch start` (what `npm start` runs): validate the environment, then run the bot in
 * Socket Mode, in HTTP mode, or — with no Slack tokens — in local mode, printing alerts.
 */
import path from 'node:path';
import { pino } from 'pino';
import type { CliIO } from './cli/io.js';
import { EXIT_OK, EXIT_USAGE } from './cli/io.js';
import { realConfigPath } from './config/config-file.js';
import { type Env, EnvError, parseEnv } from './config/env.js';
import { createContext } from './context.js';
import { pollOnce } from './pipeline/poll.js';
import { renderAlertText } from './render/alert.js';
import { systemClock } from './util/clock.js';
import { createLogger } from './util/logger.js';

export async function startCommand(args: string[], io: CliIO): Promise<number> {
  if (args.length) {
    io.stderr(
      `caisi-watch start: unexpected argument "${args[0]}"; configure with environment variables (see README)\n`,
    );
    return EXIT_USAGE;
  }
  let env: Env;
  try {
    env = parseEnv(io.env);
  } catch (err) {
    if (err instanceof EnvError) {
      for (const p of err.problems) io.stderr(`caisi-watch start: ${p}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (env.mode === 'local') return runLocal(env, io);
  const { runSlack } = await import('./slack/run.js');
  return runSlack(env, io);
}

/** Local mode: poll the configured feeds (the demo feeds unless configured) and print alerts. */
async function runLocal(env: Env, io: CliIO): Promise<number> {
  // Alerts go to stdout; logs to stderr, so the two never mix.
  const logger = createLogger(env.LOG_LEVEL, pino.destination(2));
  io.stderr(
    `caisi-watch: local mode (no Slack). To connect to Slack set ${env.missing.join(' and ')}.\n` +
      'Polling the configured feeds and printing alerts here; Ctrl-C stops.\n',
  );
  // Signals are handled before anything else, so a stop during start-up is clean too.
  let stopping = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const ctx = await createContext({
    dbFile: path.resolve(io.cwd, env.CAISI_DB),
    databaseUrl: env.CAISI_DATABASE_URL ?? null,
    configFile: env.CAISI_CONFIG ?? null,
    env,
    rosterFile: env.CAISI_ROSTER ? path.resolve(io.cwd, env.CAISI_ROSTER) : undefined,
    syncFeeds: true,
  });
  const config = ctx.config;
  try {
    while (!stopping) {
      try {
        const report = await pollOnce({
          store: ctx.store,
          matcher: ctx.matcher,
          config,
          clock: systemClock,
          logger,
        });
        const fresh = new Set(report.events.filter((e) => e.kind === 'new').map((e) => e.story.id));
        for (const id of fresh) {
          const story = await ctx.store.story(id);
          if (story) io.stdout(`${renderAlertText(await ctx.roster(), story)}\n\n`);
        }
        // A later outlet for a story already printed: one line, as the Slack alert's "also covered by".
        for (const e of report.events)
          if (e.kind === 'source-added' && !fresh.has(e.story.id))
            io.stdout(
              `  + also covered by ${e.story.sources.at(-1)?.outlet}: ${e.item.title} (story: ${e.story.title})\n`,
            );
      } catch (err) {
        // A failed poll (disk full, database locked…) saved nothing: the next cycle does it again.
        logger.error({ err: (err as Error).message }, 'poll failed; retrying next cycle');
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, config.pollSeconds * 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    await ctx.close();
  }
  return EXIT_OK;
}

export { realConfigPath };
