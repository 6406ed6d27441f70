/**
 * Copy every row of one store into another, empty one (moving an install from SQLite to Postgres),
 * in one transaction on the target: it gets all of it or nothing. Then count both sides.
 */
import { type Store, TABLES, type TableName } from './store.js';

export interface TableCount {
  table: TableName;
  from: number;
  to: number;
}

export class CopyRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyRefused';
  }
}

export async function copyStore(
  from: Store,
  to: Store,
  onTable?: (c: TableCount) => void,
): Promise<TableCount[]> {
  const busy: string[] = [];
  for (const table of TABLES) if ((await to.countRows(table)) > 0) busy.push(table);
  if (busy.length)
    throw new CopyRefused(
      `the target already holds data (${busy.join(', ')}); copy only into an empty database`,
    );
  // Read the source as one consistent picture, write the target in one transaction.
  const snapshot = await from.tx(async (t) => {
    const rows = new Map<TableName, Record<string, unknown>[]>();
    for (const table of TABLES) rows.set(table, await t.tableRows(table));
    return rows;
  });
  await to.tx(async (t) => {
    for (const table of TABLES) await t.importRows(table, snapshot.get(table) ?? []);
  });
  const counts: TableCount[] = [];
  for (const table of TABLES) {
    const c = { table, from: snapshot.get(table)?.length ?? 0, to: await to.countRows(table) };
    counts.push(c);
    onTable?.(c);
  }
  return counts;
}
