// The only ways a resolver reaches data. Next to the request context (context.ts), and built once
// per process by server/context.ts from the database handles, which stay private to it:
// - the tenant-scoped client, prismaFor(ctx) in tenant.ts: every statement behind the request's
//   tenant settings, row-level security deciding;
// - a tenant transaction, tenantTransaction(ctx, fn) below, for multi-step writes;
// - the schema owner's client, for platform admins only: adminClient(ctx) checks the role itself;
// - the sign-in lookups (creators and admins by email, the security log), made before any tenant
//   is known: `accounts`, a narrow view of the owner's client.
// The owner connection itself is not on the context.
import type { Database } from '../db/database';
import type { PrismaClient } from '../db/clients';
import { withTenantTransaction, type TenantTransaction, type TenantTransactionOptions } from '../db/tenant';
import type { Viewer } from '../auth/viewer';
import { refusal } from './refusal';

/** What platform admins read across tenants. */
export type AdminClient = Pick<PrismaClient, 'creator' | 'auditLog'>;
/** What sign-in reads and records before a tenant is known. */
export type AccountsClient = Pick<PrismaClient, 'creator' | 'platformAdmin' | 'securityAuditLog'>;

export interface DataAccess {
  /** The application role's client (no tenant set: row-level security shows nothing). */
  readonly app: PrismaClient;
  /** Creators and admins by email, and the security log. */
  readonly accounts: AccountsClient;
  /** The owner's client, for the viewer if it is a platform admin; a refusal otherwise. */
  admin(viewer: Viewer): AdminClient;
  /** Whether the application role reaches the database (one round trip). */
  ping(): Promise<void>;
}

export function dataAccess(db: Pick<Database, 'app' | 'appPool' | 'owner'>): DataAccess {
  const owner = db.owner;
  return {
    app: db.app,
    accounts: owner,
    admin(viewer) {
      if (viewer.kind !== 'admin') throw refusal(viewer, 'admin');
      return owner;
    },
    async ping() {
      await db.appPool.query('SELECT 1');
    },
  };
}

/** The owner's client for a platform admin's request (FORBIDDEN or UNAUTHENTICATED otherwise). */
export function adminClient(ctx: { db: DataAccess; viewer: Viewer }): AdminClient {
  return ctx.db.admin(ctx.viewer);
}

/**
 * Runs `fn` in one transaction of the request's tenant (a field that calls it declares the
 * `tenant` scope). Use it for every multi-step write, so the steps commit or roll back together.
 */
export function tenantTransaction<T>(
  ctx: { db: DataAccess; tenantId: string },
  fn: (tx: TenantTransaction) => Promise<T>,
  options?: TenantTransactionOptions,
): Promise<T> {
  return withTenantTransaction(ctx.db.app, ctx.tenantId, fn, options);
}
