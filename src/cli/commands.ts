/**
 * The CLI's commands: the same answers as the slash command, as text, and the pipeline without
 * Slack (`demo`, `poll --once`). Each returns an exit code; none calls process.exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveLab } from '../answers/answer.js';
import { lookup, parseRecentArgs } from '../answers/lookup.js';
import { createContext, DEFAULT_DB, dbExists } from '../app/context.js';
import { demoConfigPath, loadConfig } from '../config/config-file.js';
import { type PollReport, pollOnce } from '../pipeline/poll.js';
import { alertJson, renderAlertText } from '../render/alert.js';
import { renderAnswerText } from '../render/answer-text.js';
import { loadRoster } from '../roster/load.js';
import type { Roster } from '../roster/schema.js';
import type { Store } from '../store/store.js';
import type { StoryRow } from '../store/types.js';
import { systemClock } from '../util/clock.js';
import { type CliIO, EXIT_OK, UserError } from './io.js';

type Flags = Record<string, { type: 'boolean' | 'string'; short?: string }>;

/** Parse flags strictly: an unknown flag is a usage error with one clear line. */
export function parseFlags<F extends Flags>(command: string, args: string[], options: F) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UserError(`${command}: ${(err as Error).message.split('\n')[0]}`);
  }
}

const dbFile = (io: CliIO, flag?: string) => flag ?? io.env.CAISI_DB ?? DEFAULT_DB;

/** `CAISI_ROSTER`, resolved against the working directory; undefined leaves it to the config file. */
export const rosterEnv = (io: CliIO): string | undefined =>
  io.env.CAISI_ROSTER ? path.resolve(io.cwd, io.env.CAISI_ROSTER) : undefined;

/** The roster a command works with: `CAISI_ROSTER`, else the config file's `roster:`, else the bundled one. */
export function teamRoster(io: CliIO): Roster {
  const fromEnv = rosterEnv(io);
  if (fromEnv) return loadRoster(fromEnv);
  const configFile = io.env.CAISI_CONFIG ? path.resolve(io.cwd, io.env.CAISI_CONFIG) : null;
  const fromConfig = configFile ? loadConfig(configFile).roster : undefined;
  return loadRoster(fromConfig);
}

/** The roster and, when a database exists, its edits and matched news; nothing is created. */
async function withLookupContext<T>(
  io: CliIO,
  dbFlag: string | undefined,
  fn: (r: Roster, store: Store | null) => Promise<T>,
): Promise<T> {
  const file = dbFile(io, dbFlag);
  const databaseUrl = dbFlag ? null : databaseUrlOf(io);
  if (!databaseUrl && !dbExists(file)) return fn(teamRoster(io), null);
  const ctx = await createContext({
    dbFile: path.resolve(io.cwd, file),
    databaseUrl,
    configFile: io.env.CAISI_CONFIG || null,
    rosterFile: rosterEnv(io),
  });
  try {
    return await fn(await ctx.roster(), ctx.store);
  } finally {
    await ctx.close();
  }
}

/** `CAISI_DATABASE_URL`: Postgres instead of the SQLite file. */
const databaseUrlOf = (io: CliIO) => io.env.CAISI_DATABASE_URL?.trim() || null;

/**
 * `status <lab>`, `roster [program]`, `timeline [lab|program]`, `recent [lab] [n]`, `history <lab>`:
 * the same answers as `/caisi`, as text (or `--json`).
 */
export async function lookupCommand(sub: string, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(sub, args, {
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  await withLookupContext(io, values.db, async (r, store) => {
    const deps = { roster: async () => r, clock: systemClock, store };
    if (sub === 'recent' && values.json) {
      // Stories as alerts, the same shape as `demo --json`.
      const { lab, n } = parseRecentArgs(positionals);
      const found = lab ? resolveLab(r, lab) : undefined;
      io.stdout(
        `${JSON.stringify(((await store?.latestStories(n, found?.id)) ?? []).map((s) => alertJson(r, s)))}\n`,
      );
      return;
    }
    const answer = await lookup([sub, ...positionals], deps);
    io.stdout(values.json ? `${JSON.stringify(answer)}\n` : renderAnswerText(answer));
  });
  return EXIT_OK;
}

function printAlerts(r: Roster, stories: StoryRow[], io: CliIO, json: boolean): void {
  if (json) {
    io.stdout(
      `${JSON.stringify(
        stories.map((s) => alertJson(r, s)),
        null,
        2,
      )}\n`,
    );
    return;
  }
  if (stories.length === 0) io.stdout('No alerts.\n');
  for (const s of stories) io.stdout(`${renderAlertText(r, s)}\n\n`);
}

/** Stories touched in a poll, in the order they were first created. */
const storiesOf = async (store: Store, report: PollReport, sorted = true): Promise<StoryRow[]> => {
  const ids = [...new Set(report.events.map((e) => e.story.id))];
  if (sorted) ids.sort((a, b) => a - b);
  const rows: StoryRow[] = [];
  for (const id of ids) {
    const s = await store.story(id);
    if (s) rows.push(s);
  }
  return rows;
};

export async function demoCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('demo', args, { json: { type: 'boolean' } });
  if (positionals.length) throw new UserError(`demo: unexpected argument "${positionals[0]}"`);
  const dir = mkdtempSync(path.join(tmpdir(), 'caisi-demo-'));
  const ctx = await createContext({
    dbFile: path.join(dir, 'demo.db'),
    configFile: demoConfigPath(),
    rosterFile: rosterEnv(io),
    syncFeeds: true,
  });
  try {
    const report = await pollOnce({
      store: ctx.store,
      matcher: ctx.matcher,
      config: ctx.config,
      clock: systemClock,
    });
    if (!values.json)
      io.stdout(
        `caisi-watch demo: ${report.feeds} bundled feeds, ${report.newItems} items, ${report.alerts} alert(s), ${report.failed} feed error(s)\n` +
          'Alerts as the Slack channel would show them:\n\n',
      );
    printAlerts(await ctx.roster(), await storiesOf(ctx.store, report), io, !!values.json);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return EXIT_OK;
}

export async function pollCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('poll', args, {
    once: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    db: { type: 'string' },
    config: { type: 'string' },
  });
  if (!values.once)
    throw new UserError('poll: only `poll --once` is supported here; `caisi-watch start` polls continuously');
  if (positionals.length) throw new UserError(`poll: unexpected argument "${positionals[0]}"`);
  const ctx = await createContext({
    dbFile: path.resolve(io.cwd, dbFile(io, values.db)),
    databaseUrl: values.db ? null : databaseUrlOf(io),
    configFile: values.config ?? (io.env.CAISI_CONFIG || null),
    env: { CAISI_FEEDS: io.env.CAISI_FEEDS },
    rosterFile: rosterEnv(io),
    syncFeeds: true,
  });
  // A dry run is a transaction that is rolled back: it shows what would alert, changes nothing.
  const run = async (store: Store) => {
    const report = await pollOnce({ store, matcher: ctx.matcher, config: ctx.config, clock: systemClock });
    const stories = await storiesOf(store, report, false);
    const failed = (await store.listFeeds()).filter(
      (x) => x.lastErrorAt && x.lastErrorAt >= report.startedAt,
    );
    return { report, stories, failed, roster: await ctx.roster() };
  };
  try {
    const { report, stories, failed, roster } = values['dry-run']
      ? await ctx.store.dryRun(run)
      : await run(ctx.store);
    if (!values.json)
      io.stdout(
        `poll${values['dry-run'] ? ' (dry run, nothing saved)' : ''}: ${report.feeds} feeds due, ${report.fetched} fetched, ${report.notModified} unchanged, ${report.failed} failed, ${report.newItems} new items, ${report.alerts} new stories, ${report.updates} updated\n`,
      );
    if (values.json)
      io.stdout(
        `${JSON.stringify({ ...summaryOf(report), alerts: stories.map((s) => alertJson(roster, s)) }, null, 2)}\n`,
      );
    else printAlerts(roster, stories, io, false);
    for (const f of failed) io.stderr(`feed ${f.id} ${f.url}: ${f.lastErrorCode}: ${f.lastError}\n`);
  } finally {
    await ctx.close();
  }
  return EXIT_OK;
}

const summaryOf = (r: PollReport) => ({
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
  feeds: r.feeds,
  fetched: r.fetched,
  notModified: r.notModified,
  failed: r.failed,
  newItems: r.newItems,
  newStories: r.alerts,
  updatedStories: r.updates,
});
