// Checks that refuse to serve on an unsafe database: row-level security only protects tenants
// if the server's role is subject to it and every tenant table forces it.
import pg from 'pg';
import type { Database } from './database';

/**
 * A start-up failure that the operator can fix (a setting, a port, a directory, another
 * process): main.ts prints its message as one line, without a stack, and exits 1. The message
 * names the setting and the fix.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export class UnsafeDatabaseError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeDatabaseError';
  }
}

export async function checkDatabaseSafety(db: Database): Promise<void> {
  const { rows: roles } = await db.appPool.query<{
    role: string;
    rolsuper: boolean;
    rolbypassrls: boolean;
    member: boolean;
  }>(
    `SELECT r.rolname AS role, r.rolsuper, r.rolbypassrls, pg_has_role(current_user, 'app_user', 'MEMBER') AS member
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const role = roles[0]!;
  if (role.rolsuper)
    throw new UnsafeDatabaseError(
      `DATABASE_URL connects as "${role.role}", a superuser: row-level security would not apply. Use a login role that is a member of app_user.`,
    );
  if (role.rolbypassrls)
    throw new UnsafeDatabaseError(
      `DATABASE_URL connects as "${role.role}", which has BYPASSRLS: row-level security would not apply. Use a login role that is a member of app_user.`,
    );
  if (!role.member)
    throw new UnsafeDatabaseError(`DATABASE_URL connects as "${role.role}", which is not a member of app_user.`);

  // Every table with a tenant column (and the tenant root) must enable and force RLS.
  const { rows: open } = await db.ownerPool.query<{ table: string }>(
    `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        AND (c.relname = 'creators' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'creator_id' AND NOT a.attisdropped))
        AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
      ORDER BY 1`,
  );
  if (open.length > 0)
    throw new UnsafeDatabaseError(
      `Row-level security is not enabled and forced on: ${open.map((r) => r.table).join(', ')}. Refusing to serve.`,
    );
}

/**
 * The configured databases answer, with the credentials given: checked before the migrations,
 * so that a wrong host, port, password or database name is one line naming the variable
 * (DATABASE_OWNER_URL or DATABASE_URL) and the fix, not a stack from deep inside a migration.
 */
export async function checkDatabasesReachable(urls: { owner: string; app: string }): Promise<void> {
  for (const [name, url] of [
    ['DATABASE_OWNER_URL', urls.owner],
    ['DATABASE_URL', urls.app],
  ] as const) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined); // a drop after the check is the pool's business, not ours
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (error) {
      throw new StartupError(unreachable(name, url, error));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function unreachable(name: string, url: string, error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  let where = 'the server';
  let user = 'the user';
  let database = 'the database';
  try {
    const parsed = new URL(url);
    where = `${parsed.hostname}:${parsed.port || '5432'}`;
    user = decodeURIComponent(parsed.username) || user;
    database = decodeURIComponent(parsed.pathname.slice(1)) || database;
  } catch {
    /* config.ts validated the URL; keep the generic words */
  }
  switch (code) {
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${name}: nothing answers at ${where} (${code}): start PostgreSQL there, or fix the host and port in ${name}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${name}: the host of ${where} is not known (${code}): fix the host in ${name}`;
    case '28P01':
    case '28000':
      return `${name}: PostgreSQL at ${where} refused ${user} (${code}: ${message ?? 'authentication failed'}): fix the user or password in ${name}`;
    case '3D000':
      return `${name}: database "${database}" does not exist at ${where}: create it, or fix the database name in ${name}`;
    default:
      if (/timeout/i.test(message ?? ''))
        return `${name}: ${where} did not answer within 10 s: check the host and port in ${name}, and that PostgreSQL is running`;
      return `${name}: cannot connect to ${where} (${code ?? message ?? 'unknown error'}): check ${name}`;
  }
}
