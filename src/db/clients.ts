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
import { disablePrismaRequestMerging, installTenantWire } from './tenant-wire';
import { registerReadPool } from './sql-read/read';

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

export function createPrismaClient(
  pool: pg.Pool,
  options: { preparedStatements?: boolean; sqlReads?: boolean } = {},
): PrismaClient {
  // Tenant operations send their settings with each statement (tenant-wire.ts), and each
  // operation from its caller's async context, where its tenant's wire scope lives.
  installTenantWire(pool, { preparedStatements: options.preparedStatements ?? true });
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  disablePrismaRequestMerging(client);
  // Nested reads of its tenant clients compiled to one statement go through the same pool.
  if (options.sqlReads ?? true) registerReadPool(client, pool);
  return client;
}
