import { loadForEvent, visibleRows } from '../../realtime/visible';
import { changes } from '../../realtime/streams';
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { ConflictError, NotFoundError, ValidationError } from '../../graphql/errors';
import type { Context } from '../../graphql/context';
import { parseCriteria, programIdsOf, type Criteria } from './criteria';
import { evaluateBadgesWithinBudget } from './evaluation.service';
import { requireTenant } from '../../graphql/guards';
import { fromGlobalId, optionalGlobalId, toGlobalId } from '../../graphql/ids';
import { prismaFor } from '../../graphql/tenant';
import {
  definedOnly,
  jsonObject,
  optionalText,
  parseInput,
  text,
  z,
  likeText,
  validateAll,
} from '../../graphql/validation';
import { DateRangeInput, timeRange } from '../shared/enums';

builder.prismaNode('Badge', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    criteria: t.expose('criteria', {
      type: 'JSONObject',
      description:
        'The rule that awards the badge automatically ({} = by hand only). One of {type: "program_completed", programId}, {type: "programs_completed", count}, {type: "interactions", interactionType, count, windowDays?}, {type: "messages_sent", count}, {type: "points_total", atLeast}, {type: "streak", days}, or {allOf: [...]} / {anyOf: [...]} of those.',
    }),
    design: t.expose('design', { type: 'JSONObject' }),
    isActive: t.exposeBoolean('isActive'),
    awardedCount: t.exposeInt('awardedCount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    awards: t.relatedConnection('awards', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ earnedAt: 'desc' }, { id: 'asc' }] }),
    }),
  }),
});

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

builder.prismaNode('Achievement', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  fields: (t) => ({
    user: t.relation('user'),
    program: t.relation('program', { nullable: true }),
    achievementType: t.exposeString('achievementType'),
    achievementData: t.expose('achievementData', { type: 'JSONObject' }),
    points: t.exposeInt('points'),
    earnedAt: t.expose('earnedAt', { type: 'DateTime' }),
  }),
});

const BadgeFilter = builder.inputType('BadgeFilter', {
  fields: (t) => ({ isActive: t.boolean(), search: t.string() }),
});
const badgeWhere = (f: typeof BadgeFilter.$inferInput | null | undefined) => ({
  ...(f?.isActive !== null && f?.isActive !== undefined ? { isActive: f.isActive } : {}),
  ...(f?.search?.trim() ? { name: { contains: likeText(f.search.trim()), mode: 'insensitive' as const } } : {}),
});

builder.queryField('badges', (t) =>
  t.prismaConnection({
    type: 'Badge',
    cursor: 'id',
    args: { filter: t.arg({ type: BadgeFilter }) },
    ...tenantList('badge', (args: { filter?: typeof BadgeFilter.$inferInput | null }) => badgeWhere(args.filter), [
      { name: 'asc' },
      { id: 'asc' },
    ]),
  }),
);

const UserBadgeFilter = builder.inputType('UserBadgeFilter', {
  fields: (t) => ({ userId: t.id(), badgeId: t.id(), earned: t.field({ type: DateRangeInput }) }),
});
const userBadgeWhere = (f: typeof UserBadgeFilter.$inferInput | null | undefined) => ({
  ...(f?.userId ? { userId: fromGlobalId(String(f.userId), 'User', 'filter.userId') } : {}),
  ...(f?.badgeId ? { badgeId: fromGlobalId(String(f.badgeId), 'Badge', 'filter.badgeId') } : {}),
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

const AchievementFilter = builder.inputType('AchievementFilter', {
  fields: (t) => ({
    achievementType: t.string(),
    userId: t.id(),
    programId: t.id(),
    earned: t.field({ type: DateRangeInput }),
  }),
});
const achievementWhere = (f: typeof AchievementFilter.$inferInput | null | undefined) => ({
  ...(f?.achievementType ? { achievementType: f.achievementType } : {}),
  ...(f?.userId ? { userId: fromGlobalId(String(f.userId), 'User', 'filter.userId') } : {}),
  ...(f?.programId ? { programId: fromGlobalId(String(f.programId), 'Program', 'filter.programId') } : {}),
  ...(f?.earned ? { earnedAt: timeRange(f.earned) } : {}),
});

builder.queryField('achievements', (t) =>
  t.prismaConnection({
    type: 'Achievement',
    cursor: 'id',
    description: 'Achievements, newest first.',
    args: { filter: t.arg({ type: AchievementFilter }) },
    ...tenantList(
      'achievement',
      (args: { filter?: typeof AchievementFilter.$inferInput | null }) => achievementWhere(args.filter),
      [{ earnedAt: 'desc' }, { id: 'asc' }],
    ),
  }),
);

const BadgeInput = builder.inputType('BadgeInput', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    criteria: t.field({ type: 'JSONObject' }),
    design: t.field({ type: 'JSONObject' }),
    isActive: t.boolean(),
  }),
});
const badgeFields = {
  name: text(100),
  description: optionalText(1000),
  criteria: jsonObject.nullish(),
  design: jsonObject.nullish(),
  isActive: z.boolean().nullish(),
};

/** The badge input with its criteria checked, and every program it names found in this tenant. */
async function badgeData(ctx: Context, input: Record<string, unknown>, schema: z.ZodType<Record<string, unknown>>) {
  const [data, criteria] = validateAll(
    () => parseInput(schema, input),
    () => (input.criteria == null ? undefined : parseCriteria(input.criteria)),
  );
  if (criteria) {
    const ids = [...new Set(programIdsOf(criteria as Criteria))];
    const found = ids.length ? await prismaFor(ctx).program.count({ where: { id: { in: ids } } }) : 0;
    if (found < ids.length)
      throw new ValidationError([{ path: 'input.criteria', message: 'names a program that does not exist' }]);
  }
  return definedOnly({ ...data, ...(criteria ? { criteria } : {}) }) as never;
}

builder.mutationField('createBadge', (t) =>
  t.prismaField({
    type: 'Badge',
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: BadgeInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      requireTenant(ctx);
      return prismaFor(ctx).badge.create({ ...query, data: await badgeData(ctx, input, z.object(badgeFields)) });
    },
  }),
);

builder.mutationField('updateBadge', (t) =>
  t.prismaField({
    type: 'Badge',
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: BadgeInput, required: true }) },
    resolve: async (query, _root, args, ctx) => {
      requireTenant(ctx);
      const id = fromGlobalId(String(args.id), 'Badge', 'id');
      return prismaFor(ctx).badge.update({
        ...query,
        where: { id },
        data: await badgeData(ctx, args.input, z.object({ ...badgeFields, name: text(100).nullish() })),
      });
    },
  }),
);

deleteMutation(
  'deleteBadge',
  'Badge',
  'badge',
  'Deletes a badge and every award of it. Set isActive to false to retire it instead.',
);

builder.mutationField('awardBadge', (t) =>
  t.prismaField({
    type: 'UserBadge',
    description: 'Gives a user a badge by hand. A user holds each badge at most once (CONFLICT otherwise).',
    errors: { types: WRITE_ERRORS },
    args: { userId: t.arg.id({ required: true }), badgeId: t.arg.id({ required: true }), reason: t.arg.string() },
    resolve: async (query, _root, args, ctx) => {
      requireTenant(ctx);
      const userId = fromGlobalId(String(args.userId), 'User', 'userId');
      const badgeId = fromGlobalId(String(args.badgeId), 'Badge', 'badgeId');
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
  t.prismaField({
    type: ['UserBadge'],
    description:
      "Checks every active rule badge against a user now, and awards those met. Returns the new awards (none if nothing changed). One evaluation has a budget (BADGE_EVALUATION_BUDGET_MS): past it the answer is a REQUEST_TIMEOUT error and nothing is awarded. It costs 5,000 query-cost units, for its worst case: up to the plan's badges of 32 rules each are checked. Badges are also evaluated automatically, by a background job, shortly after what their rules count happens (badgeAwarded tells when).",
    extensions: { cost: 5_000 },
    errors: { types: WRITE_ERRORS },
    args: { userId: t.arg.id({ required: true }) },
    resolve: async (query, _root, args, ctx) => {
      const creatorId = requireTenant(ctx);
      const userId = fromGlobalId(String(args.userId), 'User', 'userId');
      const awarded = await evaluateBadgesWithinBudget(
        ctx.db.app,
        creatorId,
        userId,
        ctx.fairness.badgeEvaluationBudgetMs,
      );
      if (awarded.length === 0) return [];
      return prismaFor(ctx).userBadge.findMany({ ...query, where: { id: { in: awarded } }, orderBy: { id: 'asc' } });
    },
  }),
);

builder.mutationField('revokeBadge', (t) =>
  t.field({
    type: 'ID',
    description: "Takes a badge back from a user. Returns the removed award's id.",
    errors: { types: WRITE_ERRORS },
    args: { userId: t.arg.id({ required: true }), badgeId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const creatorId = requireTenant(ctx);
      const userId = fromGlobalId(String(args.userId), 'User', 'userId');
      const badgeId = fromGlobalId(String(args.badgeId), 'Badge', 'badgeId');
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

/**
 * The most points one achievement grants. Totals are 64-bit sums (User.pointsTotal, the
 * leaderboard), so the bound is not about overflow: it keeps one grant from dwarfing every
 * other and keeps each value far inside the int4 column.
 */
const MAX_POINTS_PER_ACHIEVEMENT = 1_000_000;

const GrantAchievementInput = builder.inputType('GrantAchievementInput', {
  fields: (t) => ({
    userId: t.id({ required: true }),
    achievementType: t.string({ required: true }),
    points: t.int({
      required: true,
      description: `0 to ${MAX_POINTS_PER_ACHIEVEMENT} (VALIDATION_FAILED on input.points otherwise).`,
    }),
    programId: t.id(),
    achievementData: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('grantAchievement', (t) =>
  t.prismaField({
    type: 'Achievement',
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: GrantAchievementInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      requireTenant(ctx);
      const [data, userId, programId] = validateAll(
        () =>
          parseInput(
            z.object({
              achievementType: z.string().regex(/^[a-z][a-z0-9_.]{0,62}$/, 'must be lower_snake_case'),
              points: z
                .number()
                .int()
                .min(0, 'must not be negative')
                .max(MAX_POINTS_PER_ACHIEVEMENT, `must be at most ${MAX_POINTS_PER_ACHIEVEMENT}`),
              achievementData: jsonObject.nullish(),
            }),
            input,
          ),
        () => fromGlobalId(String(input.userId), 'User', 'input.userId'),
        () => optionalGlobalId(input.programId, 'Program', 'input.programId'),
      );
      return prismaFor(ctx).achievement.create({
        ...query,
        data: {
          userId,
          programId,
          achievementType: data.achievementType,
          points: data.points,
          achievementData: (data.achievementData ?? {}) as object,
        },
      });
    },
  }),
);

deleteMutation('deleteAchievement', 'Achievement', 'achievement');

builder.subscriptionField('badgeAwarded', (t) =>
  t.prismaField({
    type: 'UserBadge',
    nullable: true,
    description: 'A user earned a badge (awarded by hand or by the rules).',
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
