/** Choose the backend: a Postgres URL selects Postgres; otherwise SQLite in a file. */

import { SqliteStore } from './sqlite/store.js';
import type { Store } from './store.js';

export interface StoreLocation {
  /** `postgres://…` (CAISI_DATABASE_URL): Postgres. */
  databaseUrl?: string | null;
  /** The SQLite file (CAISI_DB) when no database URL is given. */
  dbFile: string;
  busyTimeoutMs?: number;
}

export async function openStore(o: StoreLocation): Promise<Store> {
  if (o.databaseUrl) {
    // Loaded only when asked for: the SQLite default never needs the Postgres client.
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open(o.databaseUrl);
  }
  return SqliteStore.open(o.dbFile, { busyTimeoutMs: o.busyTimeoutMs });
}
