// The process's database handles: one pool and Prisma client per role.
import type pg from 'pg';
import type { Logger } from '../logger';
import { createPool, createPrismaClient, type PrismaClient } from './clients';
import { setTenantShare } from './tenant';
import type { TenantShareOptions } from './tenant-share';

export interface Database {
  /** Member of app_user: every request, through the tenant client. */
  app: PrismaClient;
  appPool: pg.Pool;
  /** Schema owner: migrations, seed, jobs, log-in lookup. */
  owner: PrismaClient;
  ownerPool: pg.Pool;
  close(): Promise<void>;
}

export function openDatabase(
  urls: { app: string; owner: string },
  options: {
    poolMax: number;
    log: Logger;
    preparedStatements?: boolean;
    /** Compile nested reads of the application role's tenant clients (db/sql-read/). */
    sqlReads?: boolean;
    tenantShare?: TenantShareOptions;
  },
): Database {
  const onError = (error: Error) => options.log.warn({ err: error.message }, 'idle database connection lost');
  const appPool = createPool(urls.app, { max: options.poolMax, applicationName: 'creatorgraph', onError });
  // The job queue holds one connection for LISTEN and runs two jobs at once; the rest is for
  // log-in lookups, readiness and admin lists.
  const ownerPool = createPool(urls.owner, { max: 6, applicationName: 'creatorgraph-owner', onError });
  const app = createPrismaClient(appPool, {
    preparedStatements: options.preparedStatements,
    sqlReads: options.sqlReads,
  });
  const owner = createPrismaClient(ownerPool, { preparedStatements: options.preparedStatements });
  // Each tenant's share of the application pool (tenant-share.ts); the owner pool serves no tenant.
  if (options.tenantShare) setTenantShare(app, options.tenantShare);
  return {
    app,
    appPool,
    owner,
    ownerPool,
    async close() {
      await Promise.allSettled([app.$disconnect(), owner.$disconnect()]);
      await Promise.allSettled([appPool.end(), ownerPool.end()]);
    },
  };
}
