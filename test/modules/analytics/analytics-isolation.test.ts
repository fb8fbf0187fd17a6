// Creator B against creator A's analytics: by global id through node(), through nested relations
// and through each mutation.
import { useApiHarness, gid, uuidOf, day, expectNotFound } from '../../helpers/api';
import {
  METRIC_COLUMNS,
  RECORD_METRIC,
  RECORD_ANALYTIC,
  DELETE_METRIC,
  DELETE_ANALYTIC,
  NODE,
  analyticsFixtures,
  programsWithAnalytics,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });
const { asCreatorA, asCreatorB, sql } = api;
const { read, mutate } = api.withTokens;

const { analyticsState } = analyticsFixtures(api);
let programsA: string[];
let programsB: string[];
beforeAll(async () => ({ programsA, programsB } = await programsWithAnalytics(api)));

describe("asCreatorB against A's analytics", () => {
  let aMetric: { id: string; metric_type: string; day: string; dimensions: object };
  let aAnalytic: string;
  beforeAll(async () => {
    aMetric = (
      await sql<any>(
        `SELECT ${METRIC_COLUMNS} FROM engagement_metrics WHERE creator_id = $1 AND metric_type = 'messages' ORDER BY date DESC LIMIT 1`,
        [api.tenants.creatorA],
      )
    )[0];
    aAnalytic = (
      await sql<{ id: string }>(`SELECT id FROM program_analytics WHERE creator_id = $1 LIMIT 1`, [
        api.tenants.creatorA,
      ])
    )[0]!.id;
  });

  test("node() and nodes() with A's global ids are null for B, and resolve for A", async () => {
    const ids = [gid('EngagementMetric', aMetric.id), gid('ProgramAnalytic', aAnalytic), gid('Program', programsA[0]!)];
    for (const id of ids) {
      expect(await read(asCreatorB(), NODE, { id })).toEqual({ node: null });
      expect((await read(asCreatorA(), NODE, { id })).node.id).toBe(id);
    }
    expect((await read(asCreatorB(), `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids })).nodes).toEqual([
      null,
      null,
      null,
    ]);
  });

  test("nested relations of B's rows reach only B's rows", async () => {
    const data = await read(
      asCreatorB(),
      `{ programs(first: 100) { nodes { id analytics(first: 100) { totalCount nodes { id program { id } } } } } }`,
    );
    const bAnalytics = new Set(
      (await sql<{ id: string }>(`SELECT id FROM program_analytics WHERE creator_id = $1`, [api.tenants.creatorB])).map(
        (r) => gid('ProgramAnalytic', r.id),
      ),
    );
    let seen = 0;
    for (const program of data.programs.nodes) {
      for (const a of program.analytics.nodes) {
        seen++;
        expect(bAnalytics.has(a.id)).toBe(true);
        expect(a.program.id).toBe(program.id);
      }
    }
    expect(seen).toBeGreaterThan(0);
    expect(programsB.length).toBeGreaterThan(0);
  });

  test("every mutation on A's rows is a NotFoundError; recording A's key writes B's own row; A's rows are unchanged", async () => {
    const before = await analyticsState();
    const aRows = {
      metrics: before.metrics.filter((r) => r.creator_id === api.tenants.creatorA),
      analytics: before.analytics.filter((r) => r.creator_id === api.tenants.creatorA),
    };
    expectNotFound(
      await mutate(asCreatorB(), DELETE_METRIC, 'deleteEngagementMetric', { id: gid('EngagementMetric', aMetric.id) }),
    );
    expectNotFound(
      await mutate(asCreatorB(), DELETE_ANALYTIC, 'deleteProgramAnalytic', { id: gid('ProgramAnalytic', aAnalytic) }),
    );
    expectNotFound(
      await mutate(asCreatorB(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: { programId: gid('Program', programsA[0]!), metricType: 'enrollments', date: day(0), value: -1 },
      }),
    );
    expect(await analyticsState()).toEqual(before);

    // The same type, day and dimensions as one of A's rows: B gets a row of its own.
    const own = await mutate(asCreatorB(), RECORD_METRIC, 'recordEngagementMetric', {
      input: { metricType: 'mirrored_metric', date: aMetric.day, value: 5, dimensions: aMetric.dimensions },
    });
    const again = await mutate(asCreatorB(), RECORD_METRIC, 'recordEngagementMetric', {
      input: { metricType: aMetric.metric_type, date: aMetric.day, value: -1, dimensions: aMetric.dimensions },
    });
    expect(own.__typename).toBe('RecordEngagementMetricSuccess');
    expect(again.__typename).toBe('RecordEngagementMetricSuccess');
    expect(again.data.id).not.toBe(gid('EngagementMetric', aMetric.id));
    expect(
      (await sql(`SELECT creator_id FROM engagement_metrics WHERE id = $1`, [uuidOf(again.data.id)]))[0]!.creator_id,
    ).toBe(api.tenants.creatorB);
    const after = await analyticsState();
    expect({
      metrics: after.metrics.filter((r) => r.creator_id === api.tenants.creatorA),
      analytics: after.analytics.filter((r) => r.creator_id === api.tenants.creatorA),
    }).toEqual(aRows);
  });
});
