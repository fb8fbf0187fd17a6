// The tenant client for a request, derived from its context and cached per context object
// (never stored on it), as the Pothos docs advise. A viewer without a tenant gets the bare
// application client: with no app.current_creator_id set, row-level security shows it nothing.
import { createContextCache } from '@pothos/core';
import { tenantOf } from '../auth/viewer';
import { tenantClient, type TenantClient } from '../db/tenant';
import type { Context } from './context';

const cache = createContextCache((ctx: Context): TenantClient | Context['db']['app'] => {
  const creatorId = tenantOf(ctx.viewer);
  return creatorId ? tenantClient(ctx.db.app, creatorId) : ctx.db.app;
});

/** The Prisma client every resolver of this request must use. */
export function prismaFor(ctx: Context): TenantClient {
  return cache(ctx) as TenantClient;
}
