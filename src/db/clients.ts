// Prisma clients over node-postgres pools (Prisma 7: TypeScript query compiler + driver adapter).
//
// Two roles, two pools:
//   app   - DATABASE_URL, a login role that is a member of app_user: every request, always
//           through the tenant client (tenant.ts), so row-level security decides what it sees;
//   owner - DATABASE_OWNER_URL: migrations, the seed, jobs over every tenant, and the log-in
//           lookup by email. Never handed to a resolver.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { installTenantScopes } from './tenant';

export type { PrismaClient };

export interface PoolOptions {
  max: number;
  applicationName: string;
  /** Fail fast instead of queueing forever when the database is unreachable. */
  connectionTimeoutMillis?: number;
  onError?: (error: Error) => void;
}

export function createPool(connectionString: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max,
    application_name: options.applicationName,
    // Fail fast when the database is unreachable: a request answers SERVICE_UNAVAILABLE in
    // seconds rather than queueing.
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 2_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  // An idle client that loses its connection emits 'error' on the pool; unhandled, that
  // would crash the process. The pool discards the client and opens a new one when needed.
  pool.on('error', (error) => options.onError?.(error));
  return pool;
}

export function createPrismaClient(pool: pg.Pool, options: { preparedStatements?: boolean } = {}): PrismaClient {
  // Tenant operations get their connection and transaction from the pool (tenant.ts).
  installTenantScopes(pool, { preparedStatements: options.preparedStatements ?? true });
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  runEveryOperationInItsCallersContext(client);
  return client;
}

/**
 * Prisma merges the findUnique calls made in one tick into one query, and sends every request of
 * that tick from the async context of the tick's first caller. A tenant's scope lives in that
 * context (tenant.ts), so merging would run one tenant's lookup in another tenant's transaction.
 * Turning the merge off sends each operation from its caller's context; our own DataLoaders do
 * the batching that matters. This reaches into Prisma's request handler, so it fails loudly if
 * that ever moves (test/db/tenant-client.test.ts checks the cross-tenant case).
 */
function runEveryOperationInItsCallersContext(client: PrismaClient): void {
  const options = (client as unknown as { _requestHandler?: { dataloader?: { options?: { batchBy?: unknown } } } })._requestHandler?.dataloader?.options;
  if (!options || typeof options.batchBy !== 'function') {
    throw new Error('Prisma internals changed: cannot turn off request merging (see src/db/clients.ts); tenant isolation depends on it');
  }
  options.batchBy = () => undefined;
}
