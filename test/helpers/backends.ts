/**
 * The store backends a test runs against: SQLite always; Postgres when CAISI_TEST_DATABASE_URL
 * points at a server (`.ci/with-postgres` starts one; `.ci/run` does so in CI). In CI a missing
 * URL is an error, never a silent skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/store.js';
import { SqliteStore } from '../../src/store/sqlite/store.js';
import type { Store } from '../../src/store/store.js';

export const PG_URL = process.env.CAISI_TEST_DATABASE_URL || undefined;
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
if (IN_CI && !PG_URL)
  throw new Error('CI is set but CAISI_TEST_DATABASE_URL is not: run the suite under .ci/with-postgres');

/** A new, empty database on the test server, and its URL. */
export async function freshPostgresUrl(): Promise<string> {
  if (!PG_URL) throw new Error('CAISI_TEST_DATABASE_URL is not set');
  const name = `caisi_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A new, empty store. */
  open(): Promise<Store>;
  /** A new, empty place for a store, and how to open it (again, as after a restart). */
  place(): Promise<() => Promise<Store>>;
}

let files = 0;
const tmp = mkdtempSync(path.join(tmpdir(), 'caisi-backends-'));

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    open: async () => SqliteStore.open(':memory:'),
    place: async () => {
      const file = path.join(tmp, `store-${process.pid}-${++files}.db`);
      return async () => SqliteStore.open(file);
    },
  },
  ...(PG_URL
    ? [
        {
          name: 'postgres' as const,
          open: async () => PostgresStore.open(await freshPostgresUrl()),
          place: async () => {
            const url = await freshPostgresUrl();
            return () => PostgresStore.open(url);
          },
        },
      ]
    : []),
];
