// User badges: the UserBadge type (a badge a user holds), its list query, awarding by hand or by the
// rules, revoking, and the badgeAwarded subscription.
import { loadForEvent, visibleRows } from '../../realtime/visible';
import { changes } from '../../realtime/streams';
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { tenantList } from '../../graphql/crud';
import { ConflictError, NotFoundError } from '../../graphql/errors';
import { evaluateBadgesWithinBudget } from './evaluation.service';
import { toGlobalId } from '../../graphql/ids';
import { prismaFor } from '../../graphql/tenant';
import { parseInput, z } from '../../graphql/validation';
import { DateRangeInput, timeRange } from '../shared/enums';

builder.prismaNode('UserBadge', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  fields: (t) => ({
    user: t.relation('user'),
    badge: t.relation('badge'),
    earnedAt: t.expose('earnedAt', { type: 'DateTime' }),
    criteriaMet: t.expose('criteriaMet', { type: 'JSONObject' }),
    notified: t.exposeBoolean('notified'),
  }),
});

const UserBadgeFilter = builder.inputType('UserBadgeFilter', {
  fields: (t) => ({ userId: t.idOf('User'), badgeId: t.idOf('Badge'), earned: t.field({ type: DateRangeInput }) }),
});
const userBadgeWhere = (f: typeof UserBadgeFilter.$inferInput | null | undefined) => ({
  ...(f?.userId ? { userId: f.userId } : {}),
  ...(f?.badgeId ? { badgeId: f.badgeId } : {}),
  ...(f?.earned ? { earnedAt: timeRange(f.earned) } : {}),
});

builder.queryField('userBadges', (t) =>
  t.prismaConnection({
    type: 'UserBadge',
    cursor: 'id',
    description: 'Badges held by users, newest first.',
    args: { filter: t.arg({ type: UserBadgeFilter }) },
    ...tenantList(
      'userBadge',
      (args: { filter?: typeof UserBadgeFilter.$inferInput | null }) => userBadgeWhere(args.filter),
      [{ earnedAt: 'desc' }, { id: 'asc' }],
    ),
  }),
);

builder.mutationField('awardBadge', (t) =>
  t.prismaField({
    type: 'UserBadge',
    description: 'Gives a user a badge by hand. A user holds each badge at most once (CONFLICT otherwise).',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: {
      userId: t.arg.idOf('User', { required: true }),
      badgeId: t.arg.idOf('Badge', { required: true }),
      reason: t.arg.string(),
    },
    resolve: async (query, _root, { userId, badgeId, ...args }, ctx) => {
      const reason = parseInput(z.string().trim().max(500).nullish(), args.reason, 'reason');
      const db = prismaFor(ctx);
      const badge = await db.badge.findUniqueOrThrow({ where: { id: badgeId }, select: { isActive: true } });
      if (!badge.isActive) throw new ConflictError('This badge is retired (isActive is false)');
      try {
        return await db.userBadge.create({
          ...query,
          data: { userId, badgeId, criteriaMet: { manual: true, ...(reason ? { reason } : {}) } },
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'P2002') throw new ConflictError('The user already holds this badge');
        throw error;
      }
    },
  }),
);

builder.mutationField('evaluateBadges', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: ['UserBadge'],
    description:
      "Checks every active rule badge against a user now, and awards those met. Returns the new awards (none if nothing changed). One evaluation has a budget (BADGE_EVALUATION_BUDGET_MS): past it the answer is a REQUEST_TIMEOUT error and nothing is awarded. It costs 5,000 query-cost units, for its worst case: up to the plan's badges of 32 rules each are checked. Badges are also evaluated automatically, by a background job, shortly after what their rules count happens (badgeAwarded tells when).",
    extensions: { cost: 5_000 },
    errors: { types: WRITE_ERRORS },
    args: { userId: t.arg.idOf('User', { required: true }) },
    resolve: async (query, _root, { userId }, ctx) => {
      const awarded = await evaluateBadgesWithinBudget(
        { app: ctx.db.app, budgetMs: ctx.fairness.badgeEvaluationBudgetMs },
        ctx.tenantId,
        userId,
      );
      if (awarded.length === 0) return [];
      return prismaFor(ctx).userBadge.findMany({ ...query, where: { id: { in: awarded } }, orderBy: { id: 'asc' } });
    },
  }),
);

builder.mutationField('revokeBadge', (t) =>
  t.withAuth({ tenant: true }).field({
    type: 'ID',
    description: "Takes a badge back from a user. Returns the removed award's id.",
    errors: { types: WRITE_ERRORS },
    args: { userId: t.arg.idOf('User', { required: true }), badgeId: t.arg.idOf('Badge', { required: true }) },
    resolve: async (_root, { userId, badgeId }, ctx) => {
      const creatorId = ctx.tenantId;
      const removed = await prismaFor(ctx)
        .userBadge.delete({ where: { creatorId_userId_badgeId: { creatorId, userId, badgeId } }, select: { id: true } })
        .catch((error: { code?: string }) => {
          if (error.code === 'P2025') throw new NotFoundError('Award');
          throw error;
        });
      return toGlobalId('UserBadge', removed.id);
    },
  }),
);

builder.subscriptionField('badgeAwarded', (t) =>
  t.prismaField({
    type: 'UserBadge',
    nullable: true,
    description: 'A user earned a badge (awarded by hand or by the rules).',
    authScopes: { tenant: true },
    subscribe: (_root, _args, ctx) =>
      visibleRows(
        ctx,
        'userBadge',
        changes(ctx, (e) => e.entity === 'user_badges' && e.op === 'insert'),
        async (since) =>
          (
            await prismaFor(ctx).userBadge.findMany({
              where: { earnedAt: { gte: since } },
              select: { id: true },
              orderBy: { earnedAt: 'asc' },
              take: 500,
            })
          ).map((b) => b.id),
        true,
      ),
    resolve: (query, event, _args, ctx) =>
      loadForEvent(event, 'userBadge', query, () =>
        prismaFor(ctx).userBadge.findUnique({ ...query, where: { id: event.id } }),
      ),
  }),
);
