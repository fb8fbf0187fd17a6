// Reads of what is really stored, through a connection as the owner role (BYPASSRLS): what a
// test checks a request did or did not write, whatever row-level security would show a tenant.
// `Row` is the type a row is read as when a call does not say (useApiHarness passes its Json).
import type pg from 'pg';

export function ownerQueries<Row = Record<string, unknown>>(owner: () => pg.Client) {
  async function sql<T = Row>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await owner().query(text, params)).rows as T[];
  }
  async function one<T = Row>(text: string, params: unknown[] = []): Promise<T | undefined> {
    return (await sql<T>(text, params))[0];
  }
  /** The `n` column of a query's only row. */
  const countOf = async (text: string, params: unknown[] = []) => (await one<{ n: number }>(text, params))!.n;
  /** The rows in `from` (a table, with any joins and WHERE clause). */
  const count = (from: string, params: unknown[] = []) => countOf(`SELECT count(*)::int AS n FROM ${from}`, params);
  const rowOf = (table: string, id: string) => one(`SELECT * FROM ${table} WHERE id = $1`, [id]);

  /** Every row of each table, by id: for "the database is unchanged" checks. */
  async function snapshot<K extends string>(tables: Record<K, string>): Promise<Record<K, Row[]>> {
    const state = {} as Record<K, Row[]>;
    for (const [key, table] of Object.entries(tables) as [K, string][])
      state[key] = await sql(`SELECT * FROM ${table} ORDER BY id`);
    return state;
  }
  /** The number of rows of each table (all tenants), in one query. */
  async function tableCounts<K extends string>(tables: Record<K, string>): Promise<Record<K, number>> {
    const columns = (Object.entries(tables) as [K, string][]).map(
      ([key, table]) => `(SELECT count(*) FROM ${table})::int AS ${key}`,
    );
    return (await one<Record<K, number>>(`SELECT ${columns.join(',\n')}`))!;
  }

  return { sql, one, countOf, count, rowOf, snapshot, tableCounts };
}
