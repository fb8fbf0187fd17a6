import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { builder } from '../../graphql/builder';
import { ValidationError } from '../../graphql/errors';
import { prismaFor } from '../../graphql/tenant';
import { identifier, parseInput } from '../../graphql/validation';
import type { Context } from '../../graphql/context';
import { DateRangeInput } from '../shared/enums';
import {
  engagementSeries,
  leaderboard,
  usageAgainstPlan,
  type LeaderboardRow,
  type UsageLine,
} from './insights.service';

const GranularityEnum = builder.enumType('Granularity', {
  values: { DAY: { value: 'day' }, WEEK: { value: 'week' }, MONTH: { value: 'month' } } as const,
});
const AggregateEnum = builder.enumType('Aggregate', {
  values: { SUM: { value: 'sum' }, AVG: { value: 'avg' }, MAX: { value: 'max' } } as const,
});

const SeriesPoint = builder.objectRef<{ bucket: Date; value: number }>('SeriesPoint').implement({
  fields: (t) => ({
    bucket: t.field({ type: 'Date', description: 'First day of the bucket.', resolve: (p) => p.bucket }),
    value: t.exposeFloat('value'),
  }),
});

const MAX_BUCKETS = { day: 400, week: 260, month: 120 } as const;

builder.queryField('engagementSeries', (t) =>
  t.field({
    type: [SeriesPoint],
    description:
      'A metric over time, one point per day, week or month from `from` to `to` (inclusive); buckets without data are 0.',
    authScopes: { tenant: true },
    args: {
      metricType: t.arg.string({ required: true }),
      from: t.arg({ type: 'Date', required: true }),
      to: t.arg({ type: 'Date', required: true }),
      granularity: t.arg({ type: GranularityEnum, defaultValue: 'day' }),
      aggregate: t.arg({ type: AggregateEnum, defaultValue: 'sum', description: 'How days combine into a bucket.' }),
      dimensions: t.arg({
        type: 'JSONObject',
        description: 'Only rows whose dimensions contain these; without it, the overall rows.',
      }),
    },
    resolve: (_root, args, ctx) => {
      const metricType = parseInput(identifier, args.metricType, 'metricType');
      const granularity = args.granularity ?? 'day';
      const days = (args.to.getTime() - args.from.getTime()) / 86_400_000;
      const buckets = granularity === 'day' ? days : granularity === 'week' ? days / 7 : days / 30;
      if (days < 0) throw new ValidationError([{ path: 'to', message: 'must not be before from' }]);
      if (buckets > MAX_BUCKETS[granularity])
        throw new ValidationError([
          { path: 'to', message: `spans more than ${MAX_BUCKETS[granularity]} ${granularity}s` },
        ]);
      return engagementSeries(prismaFor(ctx), {
        metricType,
        from: args.from,
        to: args.to,
        granularity,
        aggregate: args.aggregate ?? 'sum',
        dimensions: args.dimensions,
      });
    },
  }),
);

// The users of a leaderboard page in one query.
const usersFor = createContextCache(
  (ctx: Context) =>
    new DataLoader(
      async (ids: readonly string[]) => {
        const users = await prismaFor(ctx).user.findMany({ where: { id: { in: [...ids] } } });
        const byId = new Map(users.map((u) => [u.id, u]));
        return ids.map((id) => byId.get(id) ?? new Error('user not found'));
      },
      { cache: false },
    ),
);

const LeaderboardEntry = builder.objectRef<LeaderboardRow>('LeaderboardEntry').implement({
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: 'Competition ranking: equal points share a rank.' }),
    points: t.expose('points', {
      type: 'BigInt',
      description: 'Sum of the points of the achievements counted (64-bit: it can pass 2^31).',
    }),
    achievements: t.expose('achievements', {
      type: 'BigInt',
      description: 'Achievements counted (64-bit, like points).',
    }),
    user: t.prismaField({ type: 'User', resolve: (_query, entry, _args, ctx) => usersFor(ctx).load(entry.userId) }),
  }),
});

builder.queryField('leaderboard', (t) =>
  t.field({
    type: [LeaderboardEntry],
    description: 'Users by achievement points, all time or earned within a period.',
    authScopes: { tenant: true },
    args: {
      period: t.arg({ type: DateRangeInput }),
      first: t.arg.int({ defaultValue: 10, description: 'At most 100.' }),
    },
    resolve: (_root, args, ctx) => {
      const first = args.first ?? 10;
      if (first < 1 || first > 100)
        throw new ValidationError([{ path: 'first', message: 'must be between 1 and 100' }]);
      return leaderboard(prismaFor(ctx), { from: args.period?.from, to: args.period?.to, limit: first });
    },
  }),
);

const PlanUsageLine = builder.objectRef<UsageLine>('PlanUsageLine').implement({
  description: 'One limit of the plan. Amounts are 64-bit (storage is bytes: past 2^31 from the pro plan up).',
  fields: (t) => ({
    resource: t.exposeString('resource'),
    used: t.expose('used', { type: 'BigInt' }),
    limit: t.expose('limit', { type: 'BigInt' }),
    remaining: t.field({ type: 'BigInt', resolve: (l) => (l.limit > l.used ? l.limit - l.used : 0n) }),
    // Tenths of a percent, rounded half up, in bigint: two 64-bit amounts are never rounded before their ratio is small.
    percentUsed: t.float({
      resolve: (l) => (l.limit > 0n ? Number((l.used * 2000n + l.limit) / (2n * l.limit)) / 10 : 0),
    }),
  }),
});

builder.queryField('planUsage', (t) =>
  t.withAuth({ tenant: true }).field({
    type: builder.objectRef<{ tier: string; lines: UsageLine[] }>('PlanUsage').implement({
      description: "The creator's use of each limit of its plan.",
      fields: (u) => ({
        tier: u.exposeString('tier'),
        lines: u.field({ type: [PlanUsageLine], resolve: (p) => p.lines }),
      }),
    }),
    resolve: (_root, _args, ctx) => usageAgainstPlan(prismaFor(ctx), ctx.tenantId),
  }),
);
