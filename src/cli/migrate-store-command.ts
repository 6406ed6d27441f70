/**
 * `caisi-watch migrate-store --from <sqlite file> --to <postgres url>`: move an existing install
 * onto Postgres. Every table is copied in one transaction on the target, then counted on both
 * sides; the counts are printed, and any difference is a failure (exit 1).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CopyRefused, copyStore } from '../store/copy.js';
import { openStore } from '../store/open.js';
import { redactUrl } from '../store/postgres/store.js';
import type { Store } from '../store/store.js';
import { parseFlags } from './commands.js';
import { type CliIO, EXIT_FAILURE, EXIT_OK, UserError } from './io.js';

export async function migrateStoreCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags('migrate-store', args, {
    from: { type: 'string' },
    to: { type: 'string' },
  });
  if (positionals.length) throw new UserError(`migrate-store: unexpected argument "${positionals[0]}"`);
  const usage = 'usage: caisi-watch migrate-store --from <sqlite file> --to <postgres url>';
  if (!values.from || !values.to) throw new UserError(`migrate-store: ${usage}`);
  const file = path.resolve(io.cwd, values.from);
  if (!existsSync(file)) throw new UserError(`migrate-store: no SQLite database at ${values.from}`);
  if (!/^postgres(ql)?:\/\//.test(values.to))
    throw new UserError(`migrate-store: --to must be a postgres:// URL (${usage})`);
  const stores: Store[] = [];
  try {
    const from = await openStore({ dbFile: file });
    stores.push(from);
    const to = await openStore({ dbFile: file, databaseUrl: values.to });
    stores.push(to);
    io.stdout(`migrate-store: ${values.from} → ${redactUrl(values.to)}\n`);
    let counts: Awaited<ReturnType<typeof copyStore>>;
    try {
      counts = await copyStore(from, to, (c) =>
        io.stdout(
          `  ${c.table.padEnd(14)} ${String(c.from).padStart(9)} → ${String(c.to).padStart(9)}${c.from === c.to ? '' : '  MISMATCH'}\n`,
        ),
      );
    } catch (err) {
      if (err instanceof CopyRefused) throw new UserError(`migrate-store: ${err.message}`);
      throw err;
    }
    const bad = counts.filter((c) => c.from !== c.to);
    if (bad.length) {
      io.stderr(`migrate-store: counts differ for ${bad.map((c) => c.table).join(', ')}\n`);
      return EXIT_FAILURE;
    }
    const total = counts.reduce((n, c) => n + c.to, 0);
    io.stdout(
      `migrate-store: copied ${total} rows in ${counts.length} tables; counts match. Start the replicas with CAISI_DATABASE_URL set.\n`,
    );
    return EXIT_OK;
  } finally {
    for (const s of stores) await s.close();
  }
}
