/**
 * The CLI's commands: the same answers as the slash command, as text, and the pipeline without
 * Slack (`demo`, `poll --once`). Each returns an exit code; none calls process.exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { recentAnswer, resolveLab, rosterAnswer, statusAnswer, timelineAnswer } from '../answers/answer.js';
import { demoConfigPath } from '../config/config-file.js';
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

/** The roster and, when a database exists, its edits and matched news; nothing is created. */
function withLookupContext<T>(
  io: CliIO,
  dbFlag: string | undefined,
  fn: (r: Roster, store: SqliteStore | null) => T,
): T {
  const file = dbFile(io, dbFlag);
  if (!dbExists(file)) return fn(loadRoster(), null);
  const ctx = createContext({ dbFile: path.resolve(io.cwd, file), configFile: io.env.CAISI_CONFIG || null });
  try {
    return fn(ctx.roster(), ctx.store);
  } finally {
    ctx.close();
  }
}

export async function statusCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('status', args, {
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  const query = positionals.join(' ').trim();
  if (!query)
    throw new UserError(
      `status: which lab? Usage: caisi-watch status <lab> (known: ${loadRoster()
        .labs.map((l) => l.id)
        .join(', ')})`,
    );
  withLookupContext(io, values.db, (r, store) => {
    const lab = resolveLab(r, query);
    const latest = store?.latestStories(3, lab.id) ?? [];
    const answer = statusAnswer(r, query, latest, new Date(systemClock.now()));
    io.stdout(values.json ? `${JSON.stringify(answer)}\n` : renderAnswerText(answer));
  });
  return EXIT_OK;
}

export async function rosterCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('roster', args, {
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  withLookupContext(io, values.db, (r) => {
    const answer = rosterAnswer(r, positionals.join(' ').trim() || undefined);
    io.stdout(values.json ? `${JSON.stringify(answer)}\n` : renderAnswerText(answer));
  });
  return EXIT_OK;
}

export async function timelineCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('timeline', args, {
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  withLookupContext(io, values.db, (r) => {
    const answer = timelineAnswer(r, positionals.join(' ').trim() || undefined);
    io.stdout(values.json ? `${JSON.stringify(answer)}\n` : renderAnswerText(answer));
  });
  return EXIT_OK;
}

export async function recentCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('recent', args, {
    db: { type: 'string' },
    json: { type: 'boolean' },
  });
  const { lab, n } = parseRecentArgs(positionals);
  withLookupContext(io, values.db, (r, store) => {
    const found = lab ? resolveLab(r, lab) : undefined;
    const stories = store?.latestStories(n, found?.id) ?? [];
    io.stdout(
      values.json
        ? `${JSON.stringify(stories.map((s) => alertJson(r, s)))}\n`
        : renderAnswerText(recentAnswer(stories, found?.name)),
    );
  });
  return EXIT_OK;
}

/** `recent [lab] [n]`: a trailing number is the count (1–50, default 5). */
export function parseRecentArgs(words: string[]): { lab: string | undefined; n: number } {
  const rest = [...words];
  let n = 5;
  const last = rest[rest.length - 1];
  if (last && /^\d+$/.test(last)) {
    n = Number(rest.pop());
    if (n < 1 || n > 50) throw new UserError('recent: the count must be between 1 and 50');
  }
  return { lab: rest.join(' ').trim() || undefined, n };
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
    feedsEnv: io.env.CAISI_FEEDS,
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
