/**
 * `caisi-watch start` (what `npm start` runs): validate the environment, start the bot (src/app),
 * and turn how it ended into an exit code.
 */
import { startApp } from '../app/start.js';
import { EnvError, parseEnv } from '../config/env.js';
import { type CliIO, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io.js';

export async function startCommand(args: string[], io: CliIO): Promise<number> {
  if (args.length) {
    io.stderr(
      `caisi-watch start: unexpected argument "${args[0]}"; configure with environment variables (see README)\n`,
    );
    return EXIT_USAGE;
  }
  let env: ReturnType<typeof parseEnv>;
  try {
    env = parseEnv(io.env);
  } catch (err) {
    if (err instanceof EnvError) {
      for (const p of err.problems) io.stderr(`caisi-watch start: ${p}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  const outcome = await startApp(env, io);
  switch (outcome.kind) {
    case 'stopped':
      return EXIT_OK;
    case 'refused':
      for (const p of outcome.problems) io.stderr(`caisi-watch start: ${p}\n`);
      return EXIT_USAGE;
    case 'failed':
      io.stderr(`caisi-watch start: ${outcome.problem}\n`);
      return EXIT_FAILURE;
  }
}
