// Achievements: the Achievement type, its list query, and granting and deleting achievements.
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { prismaFor } from '../../graphql/tenant';
import { jsonObject, parseInput, z } from '../../graphql/validation';
import { DateRangeInput, timeRange } from '../shared/enums';

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

const AchievementFilter = builder.inputType('AchievementFilter', {
  fields: (t) => ({
    achievementType: t.string(),
    userId: t.idOf('User'),
    programId: t.idOf('Program'),
    earned: t.field({ type: DateRangeInput }),
  }),
});
const achievementWhere = (f: typeof AchievementFilter.$inferInput | null | undefined) => ({
  ...(f?.achievementType ? { achievementType: f.achievementType } : {}),
  ...(f?.userId ? { userId: f.userId } : {}),
  ...(f?.programId ? { programId: f.programId } : {}),
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

/**
 * The most points one achievement grants. Totals are 64-bit sums (User.pointsTotal, the
 * leaderboard), so the bound is not about overflow: it keeps one grant from dwarfing every
 * other and keeps each value far inside the int4 column.
 */
const MAX_POINTS_PER_ACHIEVEMENT = 1_000_000;

const GrantAchievementInput = builder.inputType('GrantAchievementInput', {
  fields: (t) => ({
    userId: t.idOf('User', { required: true }),
    achievementType: t.string({ required: true }),
    points: t.int({
      required: true,
      description: `0 to ${MAX_POINTS_PER_ACHIEVEMENT} (VALIDATION_FAILED on input.points otherwise).`,
    }),
    programId: t.idOf('Program'),
    achievementData: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('grantAchievement', (t) =>
  t.prismaField({
    type: 'Achievement',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: GrantAchievementInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const data = parseInput(
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
      );
      return prismaFor(ctx).achievement.create({
        ...query,
        data: {
          userId: input.userId,
          programId: input.programId ?? null,
          achievementType: data.achievementType,
          points: data.points,
          achievementData: (data.achievementData ?? {}) as object,
        },
      });
    },
  }),
);

deleteMutation('deleteAchievement', 'Achievement', 'achievement');
