// Who may call what. Row-level security decides which rows a request reaches; these decide
// whether a field may run at all, with a clear error instead of an empty result.
import { tenantOf } from '../auth/viewer';
import type { Context } from './context';
import { ForbiddenError, unauthenticated } from './errors';
import { prismaFor } from './tenant';

/** The tenant this request acts for: a creator, or an admin acting on one. */
export function requireTenant(ctx: Context): string {
  const creatorId = tenantOf(ctx.viewer);
  if (creatorId) return creatorId;
  if (ctx.viewer.kind === 'admin')
    throw new ForbiddenError('Choose a creator to act on (X-Act-As-Creator header and X-Admin-Reason)');
  throw unauthenticated();
}

export function requireAdmin(ctx: Context): string {
  if (ctx.viewer.kind === 'admin') return ctx.viewer.adminId;
  if (ctx.viewer.kind === 'anonymous') throw unauthenticated();
  throw new ForbiddenError('Only platform admins may do this');
}

/** The tenant client, after checking there is a tenant: for counts and other side fields. */
export function tenantPrisma(ctx: Context) {
  requireTenant(ctx);
  return prismaFor(ctx);
}

/**
 * The tenant, for account management (API keys, sessions): the creator itself or an admin
 * acting on it, never a partner key, whatever its scopes.
 */
export function requireAccountHolder(ctx: Context): string {
  if (ctx.viewer.kind === 'partner') throw new ForbiddenError('An API key cannot manage the account');
  return requireTenant(ctx);
}
