// Checks that refuse to serve on an unsafe database: row-level security only protects tenants
// if the server's role is subject to it and every tenant table forces it.
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
  const { rows: roles } = await db.appPool.query<{ role: string; rolsuper: boolean; rolbypassrls: boolean; member: boolean }>(
    `SELECT r.rolname AS role, r.rolsuper, r.rolbypassrls, pg_has_role(current_user, 'app_user', 'MEMBER') AS member
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const role = roles[0]!;
  if (role.rolsuper) throw new UnsafeDatabaseError(`DATABASE_URL connects as "${role.role}", a superuser: row-level security would not apply. Use a login role that is a member of app_user.`);
  if (role.rolbypassrls) throw new UnsafeDatabaseError(`DATABASE_URL connects as "${role.role}", which has BYPASSRLS: row-level security would not apply. Use a login role that is a member of app_user.`);
  if (!role.member) throw new UnsafeDatabaseError(`DATABASE_URL connects as "${role.role}", which is not a member of app_user.`);

  // Every table with a tenant column (and the tenant root) must enable and force RLS.
  const { rows: open } = await db.ownerPool.query<{ table: string }>(
    `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        AND (c.relname = 'creators' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'creator_id' AND NOT a.attisdropped))
        AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
      ORDER BY 1`,
  );
  if (open.length > 0) throw new UnsafeDatabaseError(`Row-level security is not enabled and forced on: ${open.map((r) => r.table).join(', ')}. Refusing to serve.`);
}
