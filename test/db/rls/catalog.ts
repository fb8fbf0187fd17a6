// Reads the tenant tables from PostgreSQL's catalog, never from a hand-kept list: a table added
// later without creator_id, RLS or grants shows up here and fails the suites that use it.
import type pg from 'pg';

export interface TableInfo {
  name: string;
  /** The column the policy compares with the tenant: `id` for creators, else `creator_id`. */
  tenantColumn: 'id' | 'creator_id';
  hasId: boolean;
}

/** Tables that hold no tenant data; the application role must have no access to them. */
export const NON_TENANT_TABLES = new Set(['_prisma_migrations', 'platform_admins']);

/** Shared reference data (the same for every tenant): the application role may only read it. */
export const REFERENCE_TABLES = new Set(['plan_limits']);

export async function publicTables(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('public', 'app') AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  return rows.map((r) => r.relname);
}

export async function tenantTables(client: pg.ClientBase): Promise<TableInfo[]> {
  const { rows } = await client.query<{ relname: string; has_creator_id: boolean; has_id: boolean }>(
    `SELECT c.relname,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'creator_id' AND NOT a.attisdropped) AS has_creator_id,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped) AS has_id
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  return rows
    .filter((r) => !NON_TENANT_TABLES.has(r.relname) && !REFERENCE_TABLES.has(r.relname))
    .map((r) => ({ name: r.relname, tenantColumn: r.relname === 'creators' ? 'id' : 'creator_id', hasId: r.has_id }));
}

/** Columns app_user holds the given privilege on (column-level or through a table grant). */
export async function grantedColumns(
  client: pg.ClientBase,
  table: string,
  privilege: 'INSERT' | 'UPDATE' | 'SELECT',
): Promise<string[]> {
  const { rows } = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND has_column_privilege('app_user', a.attrelid, a.attnum, $2)
      ORDER BY a.attnum`,
    [`public.${table}`, privilege],
  );
  return rows.map((r) => r.attname);
}

export interface ForeignKey {
  name: string;
  table: string;
  columns: string[];
  parent: string;
  parentColumns: string[];
}

export async function foreignKeys(client: pg.ClientBase): Promise<ForeignKey[]> {
  const { rows } = await client.query<ForeignKey>(
    `SELECT con.conname AS name, child.relname AS table, parent.relname AS parent,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(attnum, i)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.i)::text[] AS columns,
            ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(attnum, i)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.i)::text[] AS "parentColumns"
       FROM pg_constraint con
       JOIN pg_class child ON child.oid = con.conrelid
       JOIN pg_class parent ON parent.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = child.relnamespace
      WHERE con.contype = 'f' AND n.nspname = 'public'
      ORDER BY child.relname, con.conname`,
  );
  return rows;
}
