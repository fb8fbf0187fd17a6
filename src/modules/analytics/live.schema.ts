// Live analytics for dashboards (subscriptions over WebSocket).
import { builder } from '../../graphql/builder';
import { NotFoundError } from '../../graphql/errors';
import { requireTenant } from '../../graphql/guards';
import { fromGlobalId } from '../../graphql/ids';
import { prismaFor } from '../../graphql/tenant';
import { sharedSnapshots, type Snapshot } from '../../realtime/shared';
import { changes } from '../../realtime/streams';
import { loadForEvent, visibleRows } from '../../realtime/visible';
import { DashboardSummary, ProgramFunnel } from './insights.schema';
import { daySummary, EMPTY_FUNNEL, programFunnels, type DaySummary, type Funnel } from './insights.service';

const today = () => new Date().toISOString().slice(0, 10);

builder.subscriptionField('engagementMetricUpdated', (t) =>
  t.prismaField({
    type: 'EngagementMetric',
    nullable: true,
    description: 'A daily metric was written (by the rollup job, recordEngagementMetric, or anyone else).',
    args: { metricType: t.arg.string() },
    subscribe: (_root, args, ctx) =>
      visibleRows(ctx, 'engagementMetric', changes(ctx, (e) => e.entity === 'engagement_metrics' && e.op !== 'delete' && (!args.metricType || e.parent === args.metricType)), async (since) =>
        (await prismaFor(ctx).engagementMetric.findMany({ where: { updatedAt: { gte: since }, ...(args.metricType ? { metricType: args.metricType } : {}) }, select: { id: true }, orderBy: { updatedAt: 'asc' }, take: 500 })).map((m) => m.id),
      ),
    resolve: (query, event, _args, ctx) => loadForEvent(event, 'engagementMetric', query, () => prismaFor(ctx).engagementMetric.findUnique({ ...query, where: { id: event.id } })),
  }),
);

builder.subscriptionField('programStatsUpdated', (t) =>
  t.field({
    type: ProgramFunnel,
    description: "The program's funnel, now and again after each burst of enrollment changes (debounced: a burst of 1,000 writes gives a handful of pushes).",
    args: { programId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      requireTenant(ctx);
      const programId = fromGlobalId(String(args.programId), 'Program', 'programId');
      // Another tenant's program is not yours to watch: it does not exist as far as you know.
      if (!(await prismaFor(ctx).program.findUnique({ where: { id: programId }, select: { id: true } }))) throw new NotFoundError('Program');
      // One funnel per burst for all of the tenant's watchers of this program.
      return sharedSnapshots<Funnel>(ctx, `programStatsUpdated:${programId}`, {
        match: (e) => e.entity === 'program_enrollments' && e.parent === programId,
        compute: async (c) => (await programFunnels(prismaFor(c), [programId])).get(programId) ?? EMPTY_FUNNEL,
      });
    },
    resolve: (snapshot: Snapshot<Funnel>) => snapshot.value,
  }),
);

const SUMMARY_ENTITIES = new Set(['users', 'messages', 'conversations', 'user_badges', 'program_enrollments']);

builder.subscriptionField('dashboardSummary', (t) =>
  t.field({
    type: DashboardSummary,
    description: "Today's numbers, now and again after each burst of changes.",
    // Computed once per burst for all of the tenant's dashboards on this instance.
    subscribe: (_root, _args, ctx) =>
      sharedSnapshots<DaySummary>(ctx, 'dashboardSummary', {
        match: (e) => SUMMARY_ENTITIES.has(e.entity),
        compute: (c) => daySummary(prismaFor(c), new Date(today())),
        stamp: today,
      }),
    resolve: (snapshot: Snapshot<DaySummary>) => snapshot.value,
  }),
);
