// Tenant isolation, proved table by table as the application role: tenant B (Grace) against
// tenant A (Ada), both seeded with a row in every table. The table list and foreign keys come
// from the catalog, so a new table is covered without touching this file. Each test collects
// every failing table and reports them together.
import crypto from 'node:crypto';
import pg from 'pg';
import type { TestDatabase } from '../../helpers/database';
import { asTenant, connect } from '../../helpers/fixtures';
import { useDatabase } from '../../helpers/harness';
import { foreignKeys, grantedColumns, tenantTables, type TableInfo } from './catalog';

const database = useDatabase();
let db: TestDatabase;
let owner: pg.Client;
let app: pg.Client;
let tables: TableInfo[];
let A: string;
let B: string;

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

beforeAll(async () => {
  ({ db, owner } = database);
  ({ creatorA: A, creatorB: B } = database.tenants);
  app = await connect(db.appUrl);
  database.onTeardown(() => app.end());
  tables = await tenantTables(owner);
});

async function ownerCount(table: TableInfo, creatorId: string): Promise<number> {
  const { rows } = await owner.query(
    `SELECT count(*)::int AS n FROM ${q(table.name)} WHERE ${q(table.tenantColumn)} = $1`,
    [creatorId],
  );
  return rows[0].n;
}

async function oneRow(table: string, tenantColumn: string, creatorId: string): Promise<Record<string, unknown>> {
  const { rows } = await owner.query(
    `SELECT to_jsonb(t) AS row FROM ${q(table)} t WHERE ${q(tenantColumn)} = $1 LIMIT 1`,
    [creatorId],
  );
  if (!rows[0]) throw new Error(`fixture has no ${table} row for ${creatorId}`);
  return rows[0].row;
}

/** Runs `sql` as tenant B inside a rolled-back transaction and returns its outcome. */
async function asB(
  sql: string,
  params: unknown[] = [],
): Promise<{ rowCount: number | null; code?: string; message?: string; constraint?: string }> {
  return asTenant(app, B, async (client) => {
    await client.query('SAVEPOINT attempt');
    try {
      const result = await client.query(sql, params);
      return { rowCount: result.rowCount };
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT attempt');
      const e = error as pg.DatabaseError;
      return { rowCount: null, code: e.code, message: e.message, constraint: e.constraint };
    }
  });
}

function insertSql(table: string, columns: string[]): string {
  const cols = columns.map(q).join(', ');
  return `INSERT INTO ${q(table)} (${cols}) SELECT ${cols} FROM jsonb_populate_record(NULL::${q(table)}, $1::jsonb)`;
}

test('the fixture gives both tenants rows in every tenant table (so no check below is vacuous)', async () => {
  const empty: string[] = [];
  for (const table of tables) {
    if ((await ownerCount(table, A)) === 0) empty.push(`${table.name} (A)`);
    if ((await ownerCount(table, B)) === 0) empty.push(`${table.name} (B)`);
  }
  expect(empty).toEqual([]);
});

test("asCreatorB reads 0 of creator A's rows, and exactly its own, in every tenant table", async () => {
  const failures: string[] = [];
  for (const table of tables) {
    const seen = await asTenant(app, B, async (c) => {
      const total = await c.query(`SELECT count(*)::int AS n FROM ${q(table.name)}`);
      const ofA = await c.query(`SELECT count(*)::int AS n FROM ${q(table.name)} WHERE ${q(table.tenantColumn)} = $1`, [
        A,
      ]);
      return { total: total.rows[0].n as number, ofA: ofA.rows[0].n as number };
    });
    const own = await ownerCount(table, B);
    if (seen.ofA !== 0) failures.push(`${table.name}: B read ${seen.ofA} of A's rows`);
    if (seen.total !== own) failures.push(`${table.name}: B read ${seen.total} rows, owns ${own}`);
  }
  expect(failures).toEqual([]);
});

test('with no tenant set, the application role reads 0 rows from every tenant table', async () => {
  const failures: string[] = [];
  for (const table of tables) {
    const { rows } = await app.query(`SELECT count(*)::int AS n FROM ${q(table.name)}`);
    if (rows[0].n !== 0) failures.push(`${table.name}: ${rows[0].n} rows visible without a tenant`);
  }
  expect(failures).toEqual([]);
});

test("asCreatorB cannot update creator A's rows in any tenant table (and can update its own)", async () => {
  const failures: string[] = [];
  for (const table of tables) {
    const columns = (await grantedColumns(owner, table.name, 'UPDATE')).filter((c) => c !== 'updated_at');
    const column = columns[0] ?? table.tenantColumn;
    const againstA = await asB(
      `UPDATE ${q(table.name)} SET ${q(column)} = ${q(column)} WHERE ${q(table.tenantColumn)} = $1`,
      [A],
    );
    if (columns.length === 0) {
      if (againstA.code !== '42501')
        failures.push(`${table.name}: append-only table accepted an UPDATE (${JSON.stringify(againstA)})`);
      continue;
    }
    if (againstA.rowCount !== 0)
      failures.push(`${table.name}: B updated ${againstA.rowCount ?? againstA.code} of A's rows`);
    const everything = await asB(`UPDATE ${q(table.name)} SET ${q(column)} = ${q(column)}`);
    const own = await ownerCount(table, B);
    if (everything.rowCount !== own)
      failures.push(
        `${table.name}: an unfiltered UPDATE by B touched ${everything.rowCount ?? everything.code} rows, B owns ${own}`,
      );
  }
  expect(failures).toEqual([]);
});

test("asCreatorB cannot delete creator A's rows from any tenant table", async () => {
  const failures: string[] = [];
  for (const table of tables) {
    const result = await asB(`DELETE FROM ${q(table.name)} WHERE ${q(table.tenantColumn)} = $1`, [A]);
    if (!(result.rowCount === 0 || result.code === '42501'))
      failures.push(`${table.name}: B deleted ${result.rowCount} of A's rows`);
    const unfiltered = await asB(`DELETE FROM ${q(table.name)} WHERE ${q(table.tenantColumn)} <> $1`, [B]);
    if (!(unfiltered.rowCount === 0 || unfiltered.code === '42501'))
      failures.push(`${table.name}: B deleted ${unfiltered.rowCount} rows of other tenants`);
  }
  expect(
    (await ownerCount(
      tables.find((t) => t.name === 'users')!,
      A,
    )) > 0,
  ).toBe(true);
  expect(failures).toEqual([]);
});

test('asCreatorB cannot insert a row into creator A in any tenant table', async () => {
  const failures: string[] = [];
  for (const table of tables) {
    const columns = await grantedColumns(owner, table.name, 'INSERT');
    const row = await oneRow(table.name, table.tenantColumn, A);
    if (table.hasId) row.id = crypto.randomUUID();
    if (columns.length === 0) {
      const denied = await asB(`INSERT INTO ${q(table.name)} DEFAULT VALUES`);
      if (denied.code !== '42501')
        failures.push(`${table.name}: read-only table accepted an INSERT (${JSON.stringify(denied)})`);
      continue;
    }
    const result = await asB(insertSql(table.name, columns), [JSON.stringify(row)]);
    if (result.code !== '42501' || !/row-level security/.test(result.message ?? '')) {
      failures.push(`${table.name}: expected a row-level security violation, got ${JSON.stringify(result)}`);
    }
  }
  expect(failures).toEqual([]);
});

test("asCreatorB cannot create a child row that points at creator A's parent, even knowing its id", async () => {
  const fks = (await foreignKeys(owner)).filter((fk) => fk.parent !== 'creators');
  const uniques = async (table: string) =>
    (
      await owner.query<{ columns: string[] }>(
        `SELECT ARRAY(SELECT a.attname FROM unnest(i.indkey) k JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k)::text[] AS columns
           FROM pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique`,
        [`public.${table}`],
      )
    ).rows.map((r) => r.columns);
  const failures: string[] = [];
  const tried: string[] = [];
  for (const fk of fks) {
    const parentRow = await oneRow(fk.parent, 'creator_id', A);
    const child = await oneRow(fk.table, 'creator_id', B);
    child.id = crypto.randomUUID();
    // Point every key column except creator_id at A's parent (creator_id stays B's).
    const pairs = fk.columns
      .map((column, i) => [column, fk.parentColumns[i]!] as const)
      .filter(([column]) => column !== 'creator_id');
    const pointed = pairs.map(([column]) => column);
    for (const [column, parentColumn] of pairs) child[column] = parentRow[parentColumn];
    // Keep other unique keys unique, so that only the foreign key can object.
    for (const columns of await uniques(fk.table)) {
      if (columns.some((c) => pointed.includes(c))) continue;
      for (const c of columns) {
        if (c === 'id' || c === 'creator_id') continue;
        if (typeof child[c] === 'string') child[c] = `${child[c]}-${crypto.randomBytes(3).toString('hex')}`;
        else if (typeof child[c] === 'number') child[c] = child[c] + 100_000;
      }
    }
    const columns = await grantedColumns(owner, fk.table, 'INSERT');
    // A table the application cannot insert into at all (written by triggers only) cannot be
    // pointed anywhere by it.
    if (columns.length === 0) continue;
    const result = await asB(insertSql(fk.table, columns), [JSON.stringify(child)]);
    tried.push(fk.name);
    if (result.code !== '23503' || result.constraint !== fk.name) {
      failures.push(
        `${fk.table} -> ${fk.parent} via ${fk.name}: expected a foreign-key violation, got ${JSON.stringify(result)}`,
      );
    }
  }
  expect(tried.length).toBeGreaterThan(15);
  expect(failures).toEqual([]);
});

test('after a scoped transaction commits, the same pooled connection sees nothing', async () => {
  const pool = new pg.Pool({ connectionString: db.appUrl, max: 1 });
  try {
    const client = await pool.connect();
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.current_creator_id', $1, true)`, [A]);
    const inside = await client.query('SELECT count(*)::int AS n FROM users');
    await client.query('COMMIT');
    client.release();

    const again = await pool.connect();
    try {
      const after = await again.query(
        `SELECT pg_backend_pid() AS pid, current_setting('app.current_creator_id', true) AS setting, (SELECT count(*)::int FROM users) AS n`,
      );
      expect(inside.rows[0].n).toBeGreaterThan(0);
      expect(after.rows[0]).toEqual({ pid, setting: '', n: 0 });
    } finally {
      again.release();
    }
  } finally {
    await pool.end();
  }
});
