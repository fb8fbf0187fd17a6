import { tenantList } from '../../graphql/crud';
import { builder } from '../../graphql/builder';
import { DateRangeFilter, dayRange } from '../shared/enums';

builder.prismaNode('BillingSubscription', {
  id: { field: 'id' },
  nullable: true,
  description: "A period of the creator's plan. Written by billing; read-only here.",
  fields: (t) => ({
    tier: t.exposeString('tier'),
    status: t.exposeString('status'),
    currentPeriodStart: t.expose('currentPeriodStart', { type: 'DateTime' }),
    currentPeriodEnd: t.expose('currentPeriodEnd', { type: 'DateTime' }),
    cancelAtPeriodEnd: t.exposeBoolean('cancelAtPeriodEnd'),
    canceledAt: t.expose('canceledAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('UsageRecord', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    usageType: t.exposeString('usageType'),
    quantity: t.expose('quantity', { type: 'BigInt' }),
    date: t.expose('date', { type: 'Date' }),
  }),
});

builder.queryField('subscriptions', (t) =>
  t.prismaConnection({
    type: 'BillingSubscription',
    cursor: 'id',
    description: 'Billing periods, newest first.',
    ...tenantList<object>('billingSubscription', () => ({}), [{ currentPeriodEnd: 'desc' }, { id: 'asc' }]),
  }),
);

const UsageFilter = builder.inputType('UsageFilter', {
  fields: (t) => ({ usageType: t.string(), dates: t.field({ type: DateRangeFilter }) }),
});
const usageWhere = (f: typeof UsageFilter.$inferInput | null | undefined) => ({
  ...(f?.usageType ? { usageType: f.usageType } : {}),
  ...(f?.dates ? { date: dayRange(f.dates) } : {}),
});

builder.queryField('usage', (t) =>
  t.prismaConnection({
    type: 'UsageRecord',
    cursor: 'id',
    description: 'Daily usage of metered resources, newest day first.',
    args: { filter: t.arg({ type: UsageFilter }) },
    ...tenantList(
      'usageRecord',
      (args: { filter?: typeof UsageFilter.$inferInput | null }) => usageWhere(args.filter),
      [{ date: 'desc' }, { usageType: 'asc' }, { id: 'asc' }],
    ),
  }),
);

const RateLimitUsage = builder
  .objectRef<{ requests: number; cost: number; limits: { requestsPerMinute: number; costPerMinute: number } }>(
    'RateLimitUsage',
  )
  .implement({
    description:
      "The tenant's use of its per-minute rates right now (a sliding minute, across instances when they share Redis).",
    fields: (t) => ({
      requestsLastMinute: t.int({ resolve: (u) => u.requests }),
      costLastMinute: t.float({ description: 'Query cost units (see the README: limits).', resolve: (u) => u.cost }),
      requestsPerMinute: t.float({
        nullable: true,
        description: "The plan's limit; null: none.",
        resolve: (u) => (Number.isFinite(u.limits.requestsPerMinute) ? u.limits.requestsPerMinute : null),
      }),
      costPerMinute: t.float({
        nullable: true,
        resolve: (u) => (Number.isFinite(u.limits.costPerMinute) ? u.limits.costPerMinute : null),
      }),
    }),
  });

builder.queryField('rateLimitUsage', (t) =>
  t.withAuth({ tenant: true }).field({
    type: RateLimitUsage,
    description:
      "Requests and query cost in the last minute against the plan's per-minute rates (HTTP 429 RATE_LIMITED past them).",
    resolve: async (_root, _args, ctx) => {
      if (!ctx.rateLimiter)
        return { requests: 0, cost: 0, limits: { requestsPerMinute: Infinity, costPerMinute: Infinity } };
      return ctx.rateLimiter.usage(ctx, ctx.tenantId);
    },
  }),
);
