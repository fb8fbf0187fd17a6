// What the catalog must say about every tenant table and about the application role. These
// are the properties a reviewer would otherwise have to check by eye in each migration.
import type pg from 'pg';
import { connect } from '../../helpers/fixtures';
import { useDatabase } from '../../helpers/harness';
import {
  foreignKeys,
  NON_TENANT_TABLES,
  publicTables,
  REFERENCE_TABLES,
  tenantTables,
  type TableInfo,
} from './catalog';

const database = useDatabase({ seed: false });
let owner: pg.Client;
let app: pg.Client;
let tables: TableInfo[];

beforeAll(async () => {
  owner = database.owner;
  app = await connect(database.db.appUrl);
  database.onTeardown(() => app.end());
  tables = await tenantTables(owner);
});

test('the catalog lists the tenant tables (sanity: the derived list is not empty)', () => {
  expect(tables.length).toBeGreaterThanOrEqual(24);
  expect(tables.map((t) => t.name)).toEqual(
    expect.arrayContaining(['creators', 'users', 'messages', 'user_badges', 'document_chunks', 'api_keys']),
  );
});

test('every table in public and app is a tenant table: a new table without creator_id fails here', async () => {
  const all = (await publicTables(owner)).filter((t) => !NON_TENANT_TABLES.has(t) && !REFERENCE_TABLES.has(t));
  const tenant = new Set(tables.map((t) => t.name));
  expect(all.filter((t) => !tenant.has(t))).toEqual([]);
  const { rows } = await owner.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname NOT IN ('creators', '_prisma_migrations', 'platform_admins', 'plan_limits')
        AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'creator_id')`,
  );
  expect(rows).toEqual([]);
});

test('creator_id is NOT NULL and defaults to the tenant setting everywhere (security logs may be system-wide)', async () => {
  const { rows } = await owner.query<{ table_name: string; is_nullable: string; column_default: string | null }>(
    `SELECT table_name, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'creator_id' ORDER BY table_name`,
  );
  for (const row of rows) {
    expect({ table: row.table_name, default: row.column_default }).toEqual({
      table: row.table_name,
      default: 'app.current_creator_id()',
    });
    if (row.table_name !== 'security_audit_logs')
      expect({ table: row.table_name, nullable: row.is_nullable }).toEqual({ table: row.table_name, nullable: 'NO' });
  }
});

test('every tenant table has row-level security enabled AND forced', async () => {
  const { rows } = await owner.query<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
    `SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
      WHERE c.oid = ANY($1::regclass[])`,
    [tables.map((t) => `public.${t.name}`)],
  );
  expect(rows).toHaveLength(tables.length);
  const weak = rows.filter((r) => !r.relrowsecurity || !r.relforcerowsecurity).map((r) => r.relname);
  expect(weak).toEqual([]);
});

test('every tenant table has exactly the tenant policy, for all commands, keyed on (SELECT app.current_creator_id())', async () => {
  const { rows } = await owner.query<{
    tablename: string;
    policyname: string;
    permissive: string;
    roles: string[];
    cmd: string;
    qual: string;
    with_check: string;
  }>(
    `SELECT tablename, policyname, permissive, roles::text[] AS roles, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public'`,
  );
  for (const table of tables) {
    const policies = rows.filter((r) => r.tablename === table.name);
    expect({ table: table.name, count: policies.length }).toEqual({ table: table.name, count: 1 });
    const policy = policies[0]!;
    const expected = new RegExp(
      `^\\(${table.tenantColumn} = \\( SELECT app\\.current_creator_id\\(\\) AS current_creator_id\\)\\)$`,
    );
    expect({ table: table.name, cmd: policy.cmd, permissive: policy.permissive, roles: policy.roles }).toEqual({
      table: table.name,
      cmd: 'ALL',
      permissive: 'PERMISSIVE',
      roles: ['public'],
    });
    expect({ table: table.name, qual: policy.qual }).toEqual({
      table: table.name,
      qual: expect.stringMatching(expected),
    });
    expect({ table: table.name, check: policy.with_check }).toEqual({
      table: table.name,
      check: expect.stringMatching(expected),
    });
  }
});

test('every tenant table has an index led by its tenant column', async () => {
  const { rows } = await owner.query<{ table: string; first_column: string }>(
    `SELECT t.relname AS table, a.attname AS first_column
       FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
      WHERE t.oid = ANY($1::regclass[])`,
    [tables.map((t) => `public.${t.name}`)],
  );
  const missing = tables
    .filter((t) => !rows.some((r) => r.table === t.name && r.first_column === t.tenantColumn))
    .map((t) => t.name);
  expect(missing).toEqual([]);
});

test('every foreign key between tenant tables includes creator_id on both sides', async () => {
  const fks = await foreignKeys(owner);
  const tenantToTenant = fks.filter((fk) => fk.parent !== 'creators');
  expect(tenantToTenant.length).toBeGreaterThan(15);
  for (const fk of tenantToTenant) {
    expect({ fk: fk.name, child: fk.columns[0], parent: fk.parentColumns[0] }).toEqual({
      fk: fk.name,
      child: 'creator_id',
      parent: 'creator_id',
    });
  }
  for (const fk of fks.filter((f) => f.parent === 'creators')) {
    expect({ fk: fk.name, columns: fk.columns }).toEqual({ fk: fk.name, columns: ['creator_id'] });
  }
});

test('the application login role is neither superuser nor BYPASSRLS, and reaches data only through app_user', async () => {
  const { rows } = await app.query(
    `SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
            pg_has_role(current_user, 'app_user', 'MEMBER') AS member
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  expect(rows[0]).toEqual({
    rolsuper: false,
    rolbypassrls: false,
    rolcreaterole: false,
    rolcreatedb: false,
    member: true,
  });
  const group = await app.query(`SELECT rolcanlogin, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'app_user'`);
  expect(group.rows[0]).toEqual({ rolcanlogin: false, rolsuper: false, rolbypassrls: false });
  // Not the owner of the tables either (an owner without FORCE would bypass the policies).
  const owned = await app.query(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'app') AND pg_has_role(current_user, c.relowner, 'MEMBER')`,
  );
  expect(owned.rows[0].n).toBe(0);
});

test('app_user owns nothing and has no rights on the migration history', async () => {
  const { rows } = await owner.query(
    `SELECT (SELECT count(*) FROM pg_class WHERE relowner = 'app_user'::regrole)::int AS relations,
            (SELECT count(*) FROM pg_proc WHERE proowner = 'app_user'::regrole)::int AS functions,
            (SELECT count(*) FROM pg_namespace WHERE nspowner = 'app_user'::regrole)::int AS schemas,
            (SELECT count(*) FROM pg_type WHERE typowner = 'app_user'::regrole)::int AS types,
            has_table_privilege('app_user', 'public._prisma_migrations', 'SELECT, INSERT, UPDATE, DELETE') AS migrations`,
  );
  expect(rows[0]).toEqual({ relations: 0, functions: 0, schemas: 0, types: 0, migrations: false });
});

test('no known RLS bypass exists: definer functions pin search_path, views are security_invoker', async () => {
  const definers = await owner.query<{ proname: string }>(
    `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname IN ('public', 'app') AND p.prosecdef
        AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) c WHERE c LIKE 'search_path=%')`,
  );
  expect(definers.rows).toEqual([]);
  const views = await owner.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN ('public', 'app') AND c.relkind IN ('v', 'm')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
        AND NOT coalesce('security_invoker=true' = ANY(c.reloptions), false)`,
  );
  expect(views.rows).toEqual([]);
});

test('app_user cannot update counters, ids or creator_id on any table', async () => {
  const { rows } = await owner.query<{ table: string; column: string }>(
    `SELECT c.relname AS table, a.attname AS column
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = 'public' AND c.relkind = 'r'
        AND a.attname IN ('id', 'creator_id', 'enrollment_count', 'awarded_count', 'message_count', 'last_message_at', 'user_count', 'document_count', 'chunk_count')
        AND has_column_privilege('app_user', c.oid, a.attnum, 'UPDATE')`,
  );
  expect(rows).toEqual([]);
});

// Unique checks ignore row-level security and run before foreign-key checks, so a unique key
// without the tenant column lets one tenant learn whether another's id exists. The exceptions
// are primary keys (random UUIDs) and keys that must be global by nature.
const GLOBAL_UNIQUE_KEYS = new Set([
  'creators_email_key', // log-in is by email across all tenants
  'creators_stripe_customer_id_key', // Stripe's id, unique across its account
  'subscriptions_stripe_subscription_id_key',
  'user_sessions_session_token_hash_key', // hash of a random secret, looked up before the tenant is known
  'api_keys_key_prefix_key', // a partner key is identified before its tenant is known
  'api_keys_key_hash_key',
]);

test('every unique key on a tenant table leads with the tenant column (no cross-tenant existence oracle)', async () => {
  const { rows } = await owner.query<{ table: string; index: string; first_column: string; primary: boolean }>(
    `SELECT t.relname AS table, ic.relname AS index, a.attname AS first_column, i.indisprimary AS primary
       FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
      WHERE i.indisunique AND t.oid = ANY($1::regclass[])`,
    [tables.map((t) => `public.${t.name}`)],
  );
  const tenantColumn = new Map(tables.map((t) => [t.name, t.tenantColumn]));
  const offenders = rows
    .filter((r) => !r.primary && !GLOBAL_UNIQUE_KEYS.has(r.index) && r.first_column !== tenantColumn.get(r.table))
    .map((r) => r.index);
  expect(offenders).toEqual([]);
});

test('reference tables are read-only for the application role', async () => {
  for (const table of REFERENCE_TABLES) {
    const { rows } = await owner.query(
      `SELECT has_table_privilege('app_user', $1, 'SELECT') AS can_read,
              has_table_privilege('app_user', $1, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES') AS can_change`,
      [`public.${table}`],
    );
    expect({ table, ...rows[0] }).toEqual({ table, can_read: true, can_change: false });
  }
});

test('the non-tenant tables are closed to the application role, and still force RLS', async () => {
  for (const table of NON_TENANT_TABLES) {
    const { rows } = await owner.query(
      `SELECT has_table_privilege('app_user', $1, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES') AS any_right`,
      [`public.${table}`],
    );
    expect({ table, anyRight: rows[0].any_right }).toEqual({ table, anyRight: false });
  }
  const admins = await owner.query(
    `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'public.platform_admins'::regclass`,
  );
  expect(admins.rows[0]).toEqual({ relrowsecurity: true, relforcerowsecurity: true });
});
