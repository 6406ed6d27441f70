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
import { demoConfigPath, loadConfig } from '../config/config-file.js';
import { type Context, createContext, DEFAULT_DB, dbExists } from '../context.js';
import { type PollReport, pollOnce } from '../pipeline/poll.js';
import { alertJson, renderAlertText } from '../render/alert.js';
import { renderAnswerText } from '../render/answer-text.js';
import { loadRoster } from '../roster/load.js';
import type { Roster } from '../roster/schema.js';
import type { SqliteStore } from '../store/sqlite-store.js';
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
function withLookupContext<T>(
  io: CliIO,
  dbFlag: string | undefined,
  fn: (r: Roster, store: SqliteStore | null) => T,
): T {
  const file = dbFile(io, dbFlag);
  if (!dbExists(file)) return fn(teamRoster(io), null);
  const ctx = createContext({
    dbFile: path.resolve(io.cwd, file),
    configFile: io.env.CAISI_CONFIG || null,
    rosterFile: rosterEnv(io),
  });
  try {
    return fn(ctx.roster(), ctx.store);
  } finally {
    ctx.close();
  }
}

/**
 * `status <lab>`, `roster [program]`, `timeline [lab|program]`, `recent [lab] [n]`, `history <lab>`:
 * the same answers as `/caisi`, as text (or `--json`).
 */
export async function lookupCommand(sub: string, args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(sub, args, {
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  withLookupContext(io, values.db, (r, store) => {
    const deps = { roster: () => r, clock: systemClock, store };
    if (sub === 'recent' && values.json) {
      // Stories as alerts, the same shape as `demo --json`.
      const { lab, n } = parseRecentArgs(positionals);
      const found = lab ? resolveLab(r, lab) : undefined;
      io.stdout(
        `${JSON.stringify((store?.latestStories(n, found?.id) ?? []).map((s) => alertJson(r, s)))}\n`,
      );
      return;
    }
    const answer = lookup([sub, ...positionals], deps);
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
const storiesOf = (ctx: Context, report: PollReport): StoryRow[] => {
  const ids = [...new Set(report.events.map((e) => e.story.id))].sort((a, b) => a - b);
  return ids.map((id) => ctx.store.story(id)).filter((s): s is StoryRow => !!s);
};

export async function demoCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('demo', args, { json: { type: 'boolean' } });
  if (positionals.length) throw new UserError(`demo: unexpected argument "${positionals[0]}"`);
  const dir = mkdtempSync(path.join(tmpdir(), 'caisi-demo-'));
  const ctx = createContext({
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
    printAlerts(ctx.roster(), storiesOf(ctx, report), io, !!values.json);
  } finally {
    ctx.close();
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
  const ctx = createContext({
    dbFile: path.resolve(io.cwd, dbFile(io, values.db)),
    configFile: values.config ?? (io.env.CAISI_CONFIG || null),
    env: { CAISI_FEEDS: io.env.CAISI_FEEDS },
    rosterFile: rosterEnv(io),
    syncFeeds: true,
  });
  // A dry run works on an in-memory copy of the database: it shows what would alert, changes nothing.
  const store = values['dry-run'] ? ctx.store.copyInMemory() : ctx.store;
  try {
    const report = await pollOnce({ store, matcher: ctx.matcher, config: ctx.config, clock: systemClock });
    const stories = [...new Set(report.events.map((e) => e.story.id))]
      .map((id) => store.story(id))
      .filter((s): s is StoryRow => !!s);
    if (!values.json)
      io.stdout(
        `poll${values['dry-run'] ? ' (dry run, nothing saved)' : ''}: ${report.feeds} feeds due, ${report.fetched} fetched, ${report.notModified} unchanged, ${report.failed} failed, ${report.newItems} new items, ${report.alerts} new stories, ${report.updates} updated\n`,
      );
    if (values.json)
      io.stdout(
        `${JSON.stringify({ ...summaryOf(report), alerts: stories.map((s) => alertJson(ctx.roster(), s)) }, null, 2)}\n`,
      );
    else printAlerts(ctx.roster(), stories, io, false);
    for (const f of store.listFeeds().filter((x) => x.lastErrorAt && x.lastErrorAt >= report.startedAt))
      io.stderr(`feed ${f.id} ${f.url}: ${f.lastErrorCode}: ${f.lastError}\n`);
  } finally {
    if (store !== ctx.store) store.close();
    ctx.close();
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
