/**
 * `caisi-watch` command line. Every failure ends in one line on stderr and an exit code
 * (2 for bad input or usage, 1 for a runtime failure); never a stack trace.
 */

import { demoCommand, lookupCommand, pollCommand, teamRoster } from './cli/commands.js';
import { feedsCommand } from './cli/feeds-command.js';
import { type CliIO, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIO } from './cli/io.js';
import { matchCommand } from './cli/match-command.js';
import { migrateStoreCommand } from './cli/migrate-store-command.js';
import { parseCommand } from './cli/parse-command.js';
import { AppError } from './errors.js';

export const USAGE = `caisi-watch — watch the news for government review of frontier AI labs

Usage: caisi-watch <command> [options]

  demo [--json]                     run the bundled demo feeds through the whole pipeline
  parse <file|url> [--json]         parse one feed and print its normalised items
  match [--json]                    JSON lines {"id","title","summary"} on stdin → one match per line
  poll --once [--dry-run] [--json]  poll the configured feeds once (CAISI_CONFIG, CAISI_FEEDS, CAISI_DB)
  feeds check [--config f] [--json] fetch every configured feed once, now: status, format, items,
                                    validators, verdict; exit 1 if any feed is unusable
  status <lab>                      where a lab stands in each program, with sources
  roster [program]                  who has signed what
  timeline [lab|program]            dated events with sources
  recent [lab] [n]                  latest matched stories in the store
  history <lab>                     roster changes made in Slack: who, when, old → new, source
  start                             run the bot (Slack when tokens are set, else local mode)
  migrate-store --from <sqlite file> --to <postgres url>
                                    copy an install into an empty Postgres; counts printed and checked
  help                              this text

Lookups accept --db <file> (default: CAISI_DB or ./data/caisi.db); with CAISI_DATABASE_URL set they
read Postgres instead.
`;

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'demo':
        return await demoCommand(args, io);
      case 'parse':
        return await parseCommand(args, io);
      case 'match':
        return await matchCommand(args, io, teamRoster(io));
      case 'poll':
        return await pollCommand(args, io);
      case 'feeds':
        return await feedsCommand(args, io);
      case 'status':
      case 'roster':
      case 'timeline':
      case 'recent':
      case 'history':
        return await lookupCommand(command, args, io);
      case 'migrate-store':
        return await migrateStoreCommand(args, io);
      case 'start': {
        const { startCommand } = await import('./cli/start-command.js');
        return await startCommand(args, io);
      }
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return EXIT_OK;
      case undefined:
        io.stderr(USAGE);
        return EXIT_USAGE;
      default:
        io.stderr(`caisi-watch: unknown command "${command.slice(0, 40)}"; try \`caisi-watch help\`\n`);
        return EXIT_USAGE;
    }
  } catch (err) {
    return reportError(err, command ?? '', io);
  }
}

/** One line for the user; the exit code says whether it was their input or our failure. */
export function reportError(err: unknown, command: string, io: CliIO): number {
  const oneLine = (s: string) => s.replace(/\s*\n\s*/g, '; ').slice(0, 500);
  if (err instanceof AppError && err.audience !== 'bug') {
    // A usage message names its command itself ("poll: …"); the others get it in front.
    io.stderr(`caisi-watch ${err.code === 'usage' ? '' : `${command}: `}${oneLine(err.message)}\n`);
    return (err as { exitCode?: number }).exitCode ?? EXIT_USAGE;
  }
  io.stderr(
    `caisi-watch ${command}: unexpected error: ${oneLine(err instanceof Error ? err.message : String(err))}\n`,
  );
  return EXIT_FAILURE;
}

/** Run the CLI in this process: what `bin/caisi-watch.js` calls. */
export function main(): void {
  // Output piped into `head` must not crash the process.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  runCli(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportError(err, process.argv[2] ?? '', processIO());
    },
  );
}
