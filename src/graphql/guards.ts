// Who may call what. Row-level security decides which rows a request reaches; these decide
// whether a field may run at all, with a clear error instead of an empty result.
import { tenantOf } from '../auth/viewer';
import type { Context } from '../server/context';
import { ForbiddenError, unauthenticated } from './errors';

/** The tenant this request acts for: a creator, or an admin acting on one. */
export function requireTenant(ctx: Context): string {
  const creatorId = tenantOf(ctx.viewer);
  if (creatorId) return creatorId;
  if (ctx.viewer.kind === 'admin') throw new ForbiddenError('Choose a creator to act on (X-Act-As-Creator header and X-Admin-Reason)');
  throw unauthenticated();
}

export function requireAdmin(ctx: Context): string {
  if (ctx.viewer.kind === 'admin') return ctx.viewer.adminId;
  if (ctx.viewer.kind === 'anonymous') throw unauthenticated();
  throw new ForbiddenError('Only platform admins may do this');
}
