import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { prismaFor } from '../../graphql/tenant';
import { identifier, jsonObject, parseInput, z } from '../../graphql/validation';
import { changes } from '../../realtime/streams';
import { loadForEvent, visibleRows } from '../../realtime/visible';
import { DateRangeFilter, dayRange } from '../shared/enums';

builder.prismaNode('EngagementMetric', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    metricType: t.exposeString('metricType'),
    metricValue: t.exposeFloat('metricValue'),
    dimensions: t.expose('dimensions', { type: 'JSONObject' }),
    date: t.expose('date', { type: 'Date' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('ProgramAnalytic', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    program: t.relation('program'),
    metricType: t.exposeString('metricType'),
    metricValue: t.exposeFloat('metricValue'),
    date: t.expose('date', { type: 'Date' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const MetricFilter = builder.inputType('EngagementMetricFilter', {
  fields: (t) => ({
    metricType: t.string(),
    dates: t.field({ type: DateRangeFilter }),
    dimensions: t.field({
      type: 'JSONObject',
      description: 'Only rows whose dimensions contain these (JSON containment).',
    }),
  }),
});
const metricWhere = (f: typeof MetricFilter.$inferInput | null | undefined) => ({
  ...(f?.metricType ? { metricType: f.metricType } : {}),
  ...(f?.dates ? { date: dayRange(f.dates) } : {}),
  // Prisma's JSON filter `equals` would be exact; containment needs path filters per key.
  ...(f?.dimensions
    ? {
        AND: Object.entries(f.dimensions).map(([key, value]) => ({
          dimensions: { path: [key], equals: value as never },
        })),
      }
    : {}),
});

builder.queryField('engagementMetrics', (t) =>
  t.prismaConnection({
    type: 'EngagementMetric',
    cursor: 'id',
    description: 'Daily metrics, oldest day first.',
    args: { filter: t.arg({ type: MetricFilter }) },
    ...tenantList(
      'engagementMetric',
      (args: { filter?: typeof MetricFilter.$inferInput | null }) => metricWhere(args.filter),
      [{ date: 'asc' }, { metricType: 'asc' }, { id: 'asc' }],
    ),
  }),
);

const ProgramAnalyticFilter = builder.inputType('ProgramAnalyticFilter', {
  fields: (t) => ({ programId: t.idOf('Program'), metricType: t.string(), dates: t.field({ type: DateRangeFilter }) }),
});
const analyticWhere = (f: typeof ProgramAnalyticFilter.$inferInput | null | undefined) => ({
  ...(f?.programId ? { programId: f.programId } : {}),
  ...(f?.metricType ? { metricType: f.metricType } : {}),
  ...(f?.dates ? { date: dayRange(f.dates) } : {}),
});

builder.queryField('programAnalytics', (t) =>
  t.prismaConnection({
    type: 'ProgramAnalytic',
    cursor: 'id',
    args: { filter: t.arg({ type: ProgramAnalyticFilter }) },
    ...tenantList(
      'programAnalytic',
      (args: { filter?: typeof ProgramAnalyticFilter.$inferInput | null }) => analyticWhere(args.filter),
      [{ date: 'asc' }, { metricType: 'asc' }, { id: 'asc' }],
    ),
  }),
);

/**
 * What a metric value may be: finite and within ±1e15 (the CHECK constraints of the
 * bounded_totals migration hold every writer to the same range). Exact for whole numbers
 * (1e15 < 2^53), and far enough below the float range that no sum of any number of values,
 * nor avg's sum of squares, can overflow in engagementSeries.
 */
const METRIC_VALUE_BOUND = 1e15;
const VALUE_DESCRIPTION = 'A finite number from -1e15 to 1e15 (VALIDATION_FAILED on `value` otherwise).';
const metricValue = z
  .number()
  .finite('must be a finite number')
  .min(-METRIC_VALUE_BOUND, 'must be at least -1e15')
  .max(METRIC_VALUE_BOUND, 'must be at most 1e15');

const RecordMetricInput = builder.inputType('RecordEngagementMetricInput', {
  fields: (t) => ({
    metricType: t.string({ required: true }),
    date: t.field({ type: 'Date', required: true }),
    value: t.float({ required: true, description: VALUE_DESCRIPTION }),
    dimensions: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('recordEngagementMetric', (t) =>
  t.prismaField({
    type: 'EngagementMetric',
    description: 'Sets the value of a metric for a day (and dimensions): creates it or replaces the value.',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: RecordMetricInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const data = parseInput(
        z.object({ metricType: identifier, value: metricValue, dimensions: jsonObject.nullish() }),
        input,
      );
      const db = prismaFor(ctx);
      // One atomic statement: Prisma emulates upsert on a key with a JSON column as
      // read-then-insert, which concurrent calls for the same key would race.
      const [row] = await db.$queryRaw<{ id: string }[]>`
        INSERT INTO engagement_metrics (metric_type, date, metric_value, dimensions)
        VALUES (${data.metricType}, ${input.date}::date, ${data.value}, ${JSON.stringify(data.dimensions ?? {})}::jsonb)
        ON CONFLICT (creator_id, metric_type, date, dimensions)
        DO UPDATE SET metric_value = EXCLUDED.metric_value, updated_at = now()
        RETURNING id::text`;
      return db.engagementMetric.findUniqueOrThrow({ ...query, where: { id: row!.id } });
    },
  }),
);

const RecordProgramAnalyticInput = builder.inputType('RecordProgramAnalyticInput', {
  fields: (t) => ({
    programId: t.idOf('Program', { required: true }),
    metricType: t.string({ required: true }),
    date: t.field({ type: 'Date', required: true }),
    value: t.float({ required: true, description: VALUE_DESCRIPTION }),
  }),
});

builder.mutationField('recordProgramAnalytic', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'ProgramAnalytic',
    description: 'Sets the value of a program metric for a day: creates it or replaces the value.',
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: RecordProgramAnalyticInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const creatorId = ctx.tenantId;
      const programId = input.programId;
      const data = parseInput(z.object({ metricType: identifier, value: metricValue }), input);
      return prismaFor(ctx).programAnalytic.upsert({
        ...query,
        where: {
          creatorId_programId_metricType_date: { creatorId, programId, metricType: data.metricType, date: input.date },
        },
        create: { programId, metricType: data.metricType, date: input.date, metricValue: data.value },
        update: { metricValue: data.value },
      });
    },
  }),
);

deleteMutation('deleteEngagementMetric', 'EngagementMetric', 'engagementMetric');
deleteMutation('deleteProgramAnalytic', 'ProgramAnalytic', 'programAnalytic');

builder.subscriptionField('engagementMetricUpdated', (t) =>
  t.prismaField({
    type: 'EngagementMetric',
    nullable: true,
    description: 'A daily metric was written (by the rollup job, recordEngagementMetric, or anyone else).',
    authScopes: { tenant: true },
    args: { metricType: t.arg.string() },
    subscribe: (_root, args, ctx) =>
      visibleRows(
        ctx,
        'engagementMetric',
        changes(
          ctx,
          (e) =>
            e.entity === 'engagement_metrics' &&
            e.op !== 'delete' &&
            (!args.metricType || e.parent === args.metricType),
        ),
        async (since) =>
          (
            await prismaFor(ctx).engagementMetric.findMany({
              where: { updatedAt: { gte: since }, ...(args.metricType ? { metricType: args.metricType } : {}) },
              select: { id: true },
              orderBy: { updatedAt: 'asc' },
              take: 500,
            })
          ).map((m) => m.id),
      ),
    resolve: (query, event, _args, ctx) =>
      loadForEvent(event, 'engagementMetric', query, () =>
        prismaFor(ctx).engagementMetric.findUnique({ ...query, where: { id: event.id } }),
      ),
  }),
);
