// The dashboard's day summary: the type, the query, and the subscription that pushes it.
import { builder } from '../../graphql/builder';
import { prismaFor } from '../../graphql/tenant';
import { sharedSnapshots, type Snapshot } from '../../realtime/shared';
import { daySummary, type DaySummary } from './insights.service';

/** Today (UTC) as YYYY-MM-DD. */
const today = () => new Date().toISOString().slice(0, 10);

const DashboardSummary = builder.objectRef<DaySummary>('DashboardSummary').implement({
  description: "A day's activity (UTC).",
  fields: (t) => ({
    date: t.field({ type: 'Date', resolve: (s) => s.date }),
    newUsers: t.exposeInt('newUsers'),
    activeUsers: t.exposeInt('activeUsers'),
    messages: t.exposeInt('messages'),
    conversationsEscalated: t.exposeInt('conversationsEscalated'),
    badgesAwarded: t.exposeInt('badgesAwarded'),
    enrollmentsCompleted: t.exposeInt('enrollmentsCompleted'),
  }),
});

builder.queryField('dashboardSummary', (t) =>
  t.field({
    type: DashboardSummary,
    description: "Today's numbers (or another day's).",
    authScopes: { tenant: true },
    args: { date: t.arg({ type: 'Date' }) },
    resolve: (_root, args, ctx) => daySummary(prismaFor(ctx), args.date ?? new Date(today())),
  }),
);

const SUMMARY_ENTITIES = new Set(['users', 'messages', 'conversations', 'user_badges', 'program_enrollments']);

builder.subscriptionField('dashboardSummary', (t) =>
  t.field({
    type: DashboardSummary,
    description: "Today's numbers, now and again after each burst of changes.",
    authScopes: { tenant: true },
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
