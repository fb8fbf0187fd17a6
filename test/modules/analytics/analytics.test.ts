// Analytics over the real server: daily engagement metrics (by type, by day range, by
// dimensions containment), program analytics (by program, type and days), and the two
// "record" mutations, which are upserts. Every write is checked against what is really stored
// (read through the owner role, which bypasses row-level security), and every operation is
// attempted by the other tenant.
import {
  useApiHarness,
  gid,
  uuidOf,
  day,
  expectValidation,
  expectNotFound,
  ERRORS,
  type Json,
} from '../../helpers/api';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count, snapshot } = api;
const { read, mutate, readAll } = api.withTokens;

let programsA: string[];
let programsB: string[];

beforeAll(async () => {
  // Programs that have analytics (the published and archived ones).
  const withAnalytics = async (creatorId: string) =>
    (
      await api.owner.query<{ id: string }>(
        `SELECT p.id FROM programs p WHERE p.creator_id = $1 AND EXISTS (SELECT 1 FROM program_analytics a WHERE a.program_id = p.id) ORDER BY p.created_at, p.id`,
        [creatorId],
      )
    ).rows.map((r) => r.id);
  programsA = await withAnalytics(api.tenants.creatorA);
  programsB = await withAnalytics(api.tenants.creatorB);
});

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/** Metric rows with the day as text (no time-zone games in the pg client). */
const METRIC_COLUMNS = `id, creator_id, metric_type, metric_value, dimensions, to_char(date, 'YYYY-MM-DD') AS day, updated_at`;
const ANALYTIC_COLUMNS = `id, creator_id, program_id, metric_type, metric_value, to_char(date, 'YYYY-MM-DD') AS day, updated_at`;
const analyticsState = () => snapshot({ metrics: 'engagement_metrics', analytics: 'program_analytics' });

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

const METRIC_FIELDS = `id metricType metricValue dimensions date updatedAt`;
const METRICS = /* GraphQL */ `query Metrics($filter: EngagementMetricFilter, $first: Int, $after: String) {
  engagementMetrics(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { ${METRIC_FIELDS} }
  }
}`;
const ANALYTIC_FIELDS = `id metricType metricValue date updatedAt program { id }`;
const PROGRAM_ANALYTICS = /* GraphQL */ `query ProgramAnalytics($filter: ProgramAnalyticFilter, $first: Int, $after: String) {
  programAnalytics(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { ${ANALYTIC_FIELDS} }
  }
}`;
const RECORD_METRIC = /* GraphQL */ `mutation RecordMetric($input: RecordEngagementMetricInput!) {
  recordEngagementMetric(input: $input) { __typename ... on RecordEngagementMetricSuccess { data { ${METRIC_FIELDS} } } ${ERRORS} }
}`;
const RECORD_ANALYTIC = /* GraphQL */ `mutation RecordAnalytic($input: RecordProgramAnalyticInput!) {
  recordProgramAnalytic(input: $input) { __typename ... on RecordProgramAnalyticSuccess { data { ${ANALYTIC_FIELDS} } } ${ERRORS} }
}`;
const DELETE_METRIC = /* GraphQL */ `mutation DeleteMetric($id: ID!) {
  deleteEngagementMetric(id: $id) { __typename ... on DeleteEngagementMetricSuccess { data } ${ERRORS} }
}`;
const DELETE_ANALYTIC = /* GraphQL */ `mutation DeleteAnalytic($id: ID!) {
  deleteProgramAnalytic(id: $id) { __typename ... on DeleteProgramAnalyticSuccess { data } ${ERRORS} }
}`;
const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on EngagementMetric {
        metricType
        metricValue
      }
      ... on ProgramAnalytic {
        metricType
        program {
          id
          name
        }
      }
      ... on Program {
        name
        analytics(first: 100) {
          totalCount
          nodes {
            id
            program {
              id
            }
          }
        }
      }
    }
  }
`;

/** Every page (at most 50) of a metrics query (the server caps a page at 100). */
const allMetrics = (token: string, filter: Record<string, unknown> = {}) =>
  readAll(token, METRICS, 'engagementMetrics', filter, 50);
const allAnalytics = (token: string, filter: Record<string, unknown> = {}) =>
  readAll(token, PROGRAM_ANALYTICS, 'programAnalytics', filter, 50);

// ------------------------------------------------------------------------------------------
// engagementMetrics
// ------------------------------------------------------------------------------------------

describe('engagementMetrics', () => {
  test('asCreatorA: by metricType, every row of that type, oldest day first; totalCount equals the DB', async () => {
    const { nodes, totalCount } = await allMetrics(asCreatorA(), { metricType: 'messages' });
    const expected = await sql<{ id: string; day: string; metric_value: number }>(
      `SELECT ${METRIC_COLUMNS} FROM engagement_metrics WHERE creator_id = $1 AND metric_type = 'messages' ORDER BY date, metric_type, id`,
      [api.tenants.creatorA],
    );
    expect(expected.length).toBe(60);
    expect(totalCount).toBe(expected.length);
    expect(nodes.map((n) => [n.id, n.date, n.metricValue])).toEqual(
      expected.map((r) => [gid('EngagementMetric', r.id), r.day, r.metric_value]),
    );
    expect(nodes.every((n) => n.metricType === 'messages')).toBe(true);
  });

  test('asCreatorA: by an inclusive range of days', async () => {
    const from = day(-6);
    const to = day(-3);
    const { nodes, totalCount } = await allMetrics(asCreatorA(), { dates: { from, to } });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM engagement_metrics WHERE creator_id = $1 AND date BETWEEN $2::date AND $3::date`,
      [api.tenants.creatorA, from, to],
    );
    expect(totalCount).toBe(expected.length);
    expect(nodes.map((n) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
    // Both ends are included: 4 days of 6 rows each (3 overall metrics + 3 channels).
    expect(new Set(nodes.map((n) => n.date))).toEqual(new Set([day(-6), day(-5), day(-4), day(-3)]));
    expect(totalCount).toBe(4 * 6);

    const onlyFrom = await allMetrics(asCreatorA(), { dates: { from: day(-1) } });
    expect(onlyFrom.totalCount).toBe(
      await count(`engagement_metrics WHERE creator_id = $1 AND date >= $2::date`, [api.tenants.creatorA, day(-1)]),
    );
    expect(onlyFrom.nodes.every((n) => n.date >= day(-1))).toBe(true);
  });

  test('asCreatorA: dimensions {channel: "web"} returns only rows whose dimensions have channel web', async () => {
    const { nodes, totalCount } = await allMetrics(asCreatorA(), { dimensions: { channel: 'web' } });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM engagement_metrics WHERE creator_id = $1 AND dimensions @> '{"channel": "web"}'`,
      [api.tenants.creatorA],
    );
    expect(expected.length).toBe(60);
    expect(totalCount).toBe(expected.length);
    expect(nodes.map((n) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
    expect(nodes.every((n) => n.dimensions.channel === 'web')).toBe(true);
  });

  test('asCreatorA: dimensions combine with metricType and dates; {} matches every row', async () => {
    const combined = await allMetrics(asCreatorA(), {
      metricType: 'active_users',
      dimensions: { channel: 'telegram' },
      dates: { from: day(-9), to: day(0) },
    });
    expect(combined.totalCount).toBe(10);
    expect(
      combined.nodes.every(
        (n) =>
          n.metricType === 'active_users' &&
          n.dimensions.channel === 'telegram' &&
          n.date >= day(-9) &&
          n.date <= day(0),
      ),
    ).toBe(true);

    const none = await allMetrics(asCreatorA(), { metricType: 'messages', dimensions: { channel: 'web' } });
    expect(none).toEqual({ nodes: [], totalCount: 0 });

    const everything = await read(asCreatorA(), METRICS, { filter: { dimensions: {} }, first: 1 });
    expect(everything.engagementMetrics.totalCount).toBe(
      await count(`engagement_metrics WHERE creator_id = $1`, [api.tenants.creatorA]),
    );
  });

  test('asCreatorA: dimensions with a key no row has, or a null value, match nothing (and are not an error)', async () => {
    expect((await allMetrics(asCreatorA(), { dimensions: { region: 'eu' } })).totalCount).toBe(0);
    // {channel: null} asks for rows whose channel is JSON null; no row has one.
    const { body } = await api.server.gql<Json>(
      METRICS,
      { filter: { dimensions: { channel: null } } },
      { token: asCreatorA() },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.engagementMetrics).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
  });

  test('asCreatorA: a page holds at most 100 rows, whatever first asks; paging reaches every row once', async () => {
    const total = await count(`engagement_metrics WHERE creator_id = $1`, [api.tenants.creatorA]);
    expect(total).toBeGreaterThan(100);
    const page = await read(asCreatorA(), METRICS, { first: 500 });
    expect(page.engagementMetrics.nodes).toHaveLength(100);
    expect(page.engagementMetrics.pageInfo.hasNextPage).toBe(true);
    expect(page.engagementMetrics.totalCount).toBe(total);
    const { nodes } = await allMetrics(asCreatorA());
    expect(nodes).toHaveLength(total);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(total);
  });

  test("asCreatorB: sees only B's metrics; a channel only A has matches nothing", async () => {
    const { nodes, totalCount } = await allMetrics(asCreatorB());
    const expected = await sql<{ id: string }>(`SELECT id FROM engagement_metrics WHERE creator_id = $1`, [
      api.tenants.creatorB,
    ]);
    expect(totalCount).toBe(expected.length);
    expect(nodes.map((n) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
    // Ada has a Telegram channel, Grace does not.
    expect((await allMetrics(asCreatorB(), { dimensions: { channel: 'telegram' } })).totalCount).toBe(0);
  });

  test('asAnonymous: engagementMetrics and programAnalytics are UNAUTHENTICATED', async () => {
    await expectUnauthenticated(METRICS);
    await expectUnauthenticated(PROGRAM_ANALYTICS);
  });

  test('asAnonymous: asking only for totalCount is UNAUTHENTICATED too, not a count of 0', async () => {
    await expectUnauthenticated(`{ engagementMetrics { totalCount } }`);
    await expectUnauthenticated(`{ programAnalytics { totalCount } }`);
  });
});

// ------------------------------------------------------------------------------------------
// recordEngagementMetric
// ------------------------------------------------------------------------------------------

describe('recordEngagementMetric', () => {
  const metricRows = (type: string, date: string) =>
    sql(
      `SELECT ${METRIC_COLUMNS} FROM engagement_metrics WHERE creator_id = $1 AND metric_type = $2 AND date = $3::date ORDER BY id`,
      [api.tenants.creatorA, type, date],
    );

  test('asCreatorA: the same type, day and dimensions twice is one row, with the value replaced', async () => {
    const date = day(-100);
    const first = await mutate(asCreatorA(), RECORD_METRIC, 'recordEngagementMetric', {
      input: { metricType: 'lessons_viewed', date, value: 12, dimensions: { channel: 'web', program: 'x' } },
    });
    expect(first.__typename).toBe('RecordEngagementMetricSuccess');
    expect(first.data).toEqual(
      expect.objectContaining({
        metricType: 'lessons_viewed',
        date,
        metricValue: 12,
        dimensions: { channel: 'web', program: 'x' },
      }),
    );
    // Same dimensions, keys in another order.
    const second = await mutate(asCreatorA(), RECORD_METRIC, 'recordEngagementMetric', {
      input: { metricType: 'lessons_viewed', date, value: 30.5, dimensions: { program: 'x', channel: 'web' } },
    });
    expect(second.__typename).toBe('RecordEngagementMetricSuccess');
    expect(second.data.id).toBe(first.data.id);
    expect(second.data.metricValue).toBe(30.5);

    const stored = await metricRows('lessons_viewed', date);
    expect(stored).toEqual([
      expect.objectContaining({
        id: uuidOf(first.data.id),
        creator_id: api.tenants.creatorA,
        metric_value: 30.5,
        dimensions: { channel: 'web', program: 'x' },
        day: date,
      }),
    ]);

    // Other dimensions are another row.
    const other = await mutate(asCreatorA(), RECORD_METRIC, 'recordEngagementMetric', {
      input: { metricType: 'lessons_viewed', date, value: 1, dimensions: { channel: 'whatsapp' } },
    });
    expect(other.data.id).not.toBe(first.data.id);
    expect(await metricRows('lessons_viewed', date)).toHaveLength(2);
  });

  test('asCreatorA: without dimensions it replaces the seeded overall row for that day, not a new row', async () => {
    const date = day(-2);
    const before = await sql(
      `SELECT ${METRIC_COLUMNS} FROM engagement_metrics WHERE creator_id = $1 AND metric_type = 'new_users' AND date = $2::date AND dimensions = '{}'`,
      [api.tenants.creatorA, date],
    );
    expect(before).toHaveLength(1);
    const result = await mutate(asCreatorA(), RECORD_METRIC, 'recordEngagementMetric', {
      input: { metricType: 'new_users', date, value: 42 },
    });
    expect(result.__typename).toBe('RecordEngagementMetricSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({ id: gid('EngagementMetric', before[0]!.id), metricValue: 42, dimensions: {} }),
    );
    const after = await sql(
      `SELECT ${METRIC_COLUMNS} FROM engagement_metrics WHERE creator_id = $1 AND metric_type = 'new_users' AND date = $2::date`,
      [api.tenants.creatorA, date],
    );
    expect(after).toEqual([expect.objectContaining({ id: before[0]!.id, metric_value: 42, dimensions: {} })]);
  });

  test('asCreatorA: the same record sent concurrently still ends as one row, and every call succeeds', async () => {
    const date = day(-120);
    const results = await Promise.all(
      [1, 2, 3, 4].map((value) =>
        mutate(asCreatorA(), RECORD_METRIC, 'recordEngagementMetric', {
          input: { metricType: 'concurrent_writes', date, value },
        }),
      ),
    );
    expect(results.map((r) => r.__typename)).toEqual(Array(4).fill('RecordEngagementMetricSuccess'));
    expect(await metricRows('concurrent_writes', date)).toHaveLength(1);
  });

  test('asCreatorA: a metricType that is not lower_snake_case is a ValidationError naming input.metricType; nothing written', async () => {
    const before = await analyticsState();
    expectValidation(
      await mutate(asCreatorA(), RECORD_METRIC, 'recordEngagementMetric', {
        input: { metricType: 'Active Users', date: day(0), value: 1 },
      }),
      ['input.metricType'],
    );
    expectValidation(
      await mutate(asCreatorA(), RECORD_METRIC, 'recordEngagementMetric', {
        input: { metricType: '', date: day(0), value: 1 },
      }),
      ['input.metricType'],
    );
    expect(await analyticsState()).toEqual(before);
  });

  test('asCreatorA: an impossible date or non-object dimensions is refused before anything runs', async () => {
    const before = await analyticsState();
    for (const input of [
      { metricType: 'ok', date: '2026-02-30', value: 1 },
      { metricType: 'ok', date: '2026-01-01T00:00:00Z', value: 1 },
      { metricType: 'ok', date: day(0), value: 1, dimensions: ['web'] },
    ]) {
      const { body } = await api.server.gql(RECORD_METRIC, { input }, { token: asCreatorA() });
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(await analyticsState()).toEqual(before);
  });

  test('asCreatorA: deleteEngagementMetric removes the row; a second delete is a NotFoundError', async () => {
    const created = await mutate(asCreatorA(), RECORD_METRIC, 'recordEngagementMetric', {
      input: { metricType: 'to_delete', date: day(-1), value: 3 },
    });
    expect(await mutate(asCreatorA(), DELETE_METRIC, 'deleteEngagementMetric', { id: created.data.id })).toEqual({
      __typename: 'DeleteEngagementMetricSuccess',
      data: created.data.id,
    });
    expect(await count(`engagement_metrics WHERE id = $1`, [uuidOf(created.data.id)])).toBe(0);
    expectNotFound(await mutate(asCreatorA(), DELETE_METRIC, 'deleteEngagementMetric', { id: created.data.id }));
    expectValidation(
      await mutate(asCreatorA(), DELETE_METRIC, 'deleteEngagementMetric', {
        id: gid('ProgramAnalytic', uuidOf(created.data.id)),
      }),
      ['id'],
    );
  });

  test('asAnonymous: record and delete are UNAUTHENTICATED and write nothing', async () => {
    const before = await analyticsState();
    const someMetric = (
      await sql<{ id: string }>(`SELECT id FROM engagement_metrics WHERE creator_id = $1 LIMIT 1`, [
        api.tenants.creatorA,
      ])
    )[0]!.id;
    await expectUnauthenticated(RECORD_METRIC, { input: { metricType: 'anon', date: day(0), value: 1 } });
    await expectUnauthenticated(DELETE_METRIC, { id: gid('EngagementMetric', someMetric) });
    await expectUnauthenticated(RECORD_ANALYTIC, {
      input: { programId: gid('Program', programsA[0]!), metricType: 'anon', date: day(0), value: 1 },
    });
    expect(await analyticsState()).toEqual(before);
  });
});

// ------------------------------------------------------------------------------------------
// programAnalytics / recordProgramAnalytic
// ------------------------------------------------------------------------------------------

describe('programAnalytics', () => {
  test('asCreatorA: by program, by metricType and by an inclusive day range, each equal to the DB', async () => {
    const program = programsA[0]!;
    const byProgram = await allAnalytics(asCreatorA(), { programId: gid('Program', program) });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM program_analytics WHERE program_id = $1 ORDER BY date, metric_type, id`,
      [program],
    );
    expect(byProgram.totalCount).toBe(expected.length);
    expect(byProgram.nodes.map((n) => n.id)).toEqual(expected.map((r) => gid('ProgramAnalytic', r.id)));
    expect(byProgram.nodes.every((n) => n.program.id === gid('Program', program))).toBe(true);

    const byType = await allAnalytics(asCreatorA(), { metricType: 'completions' });
    expect(byType.totalCount).toBe(
      await count(`program_analytics WHERE creator_id = $1 AND metric_type = 'completions'`, [api.tenants.creatorA]),
    );
    expect(byType.nodes.every((n) => n.metricType === 'completions')).toBe(true);

    const from = day(-4);
    const to = day(-2);
    const combined = await allAnalytics(asCreatorA(), {
      programId: gid('Program', program),
      metricType: 'enrollments',
      dates: { from, to },
    });
    expect(combined.totalCount).toBe(3);
    expect(combined.nodes.map((n) => n.date)).toEqual([day(-4), day(-3), day(-2)]);
  });

  test("asCreatorA: Program.analytics lists the program's rows", async () => {
    const program = programsA[1]!;
    const data = await read(asCreatorA(), NODE, { id: gid('Program', program) });
    expect(data.node.analytics.totalCount).toBe(await count(`program_analytics WHERE program_id = $1`, [program]));
    expect(data.node.analytics.nodes.every((n: any) => n.program.id === gid('Program', program))).toBe(true);
  });

  test("asCreatorB: sees only B's program analytics; filtering by A's program finds nothing", async () => {
    const all = await allAnalytics(asCreatorB());
    const expected = await sql<{ id: string }>(`SELECT id FROM program_analytics WHERE creator_id = $1`, [
      api.tenants.creatorB,
    ]);
    expect(all.totalCount).toBe(expected.length);
    expect(all.nodes.map((n) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
    expect(await allAnalytics(asCreatorB(), { programId: gid('Program', programsA[0]!) })).toEqual({
      nodes: [],
      totalCount: 0,
    });
  });

  test('asCreatorA: a programId filter that is not a Program id is a client error naming filter.programId', async () => {
    const { body } = await api.server.gql(
      PROGRAM_ANALYTICS,
      { filter: { programId: 'junk' } },
      { token: asCreatorA() },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body.errors![0])).toContain('filter.programId');
  });
});

describe('recordProgramAnalytic', () => {
  test('asCreatorA: the same program, type and day twice is one row, with the value replaced', async () => {
    const program = programsA[0]!;
    const date = day(-200);
    const input = { programId: gid('Program', program), metricType: 'drop_offs', date, value: 7 };
    const first = await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', { input });
    expect(first.__typename).toBe('RecordProgramAnalyticSuccess');
    expect(first.data).toEqual(
      expect.objectContaining({
        metricType: 'drop_offs',
        metricValue: 7,
        date,
        program: { id: gid('Program', program) },
      }),
    );
    const second = await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
      input: { ...input, value: 9.25 },
    });
    expect(second.data.id).toBe(first.data.id);
    expect(second.data.metricValue).toBe(9.25);
    const stored = await sql(
      `SELECT ${ANALYTIC_COLUMNS} FROM program_analytics WHERE program_id = $1 AND metric_type = 'drop_offs' AND date = $2::date`,
      [program, date],
    );
    expect(stored).toEqual([
      expect.objectContaining({
        id: uuidOf(first.data.id),
        creator_id: api.tenants.creatorA,
        metric_value: 9.25,
        day: date,
      }),
    ]);

    // The seeded row for today is replaced in place.
    const seeded = await sql(
      `SELECT id FROM program_analytics WHERE program_id = $1 AND metric_type = 'enrollments' AND date = $2::date`,
      [program, day(0)],
    );
    const replaced = await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
      input: { programId: gid('Program', program), metricType: 'enrollments', date: day(0), value: 99 },
    });
    expect(replaced.data.id).toBe(gid('ProgramAnalytic', seeded[0]!.id));
    expect(
      await count(`program_analytics WHERE program_id = $1 AND metric_type = 'enrollments' AND date = $2::date`, [
        program,
        day(0),
      ]),
    ).toBe(1);
  });

  test('asCreatorA: bad metricType or a malformed programId is a ValidationError naming the field; an unknown program is a NotFoundError; nothing written', async () => {
    const before = await analyticsState();
    expectValidation(
      await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: { programId: gid('Program', programsA[0]!), metricType: 'Bad-Type', date: day(0), value: 1 },
      }),
      ['input.metricType'],
    );
    expectValidation(
      await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: { programId: 'xyz', metricType: 'ok', date: day(0), value: 1 },
      }),
      ['input.programId'],
    );
    expectValidation(
      await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: { programId: gid('User', programsA[0]!), metricType: 'ok', date: day(0), value: 1 },
      }),
      ['input.programId'],
    );
    expectNotFound(
      await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: {
          programId: gid('Program', '00000000-0000-4000-8000-000000000000'),
          metricType: 'ok',
          date: day(0),
          value: 1,
        },
      }),
    );
    expect(await analyticsState()).toEqual(before);
  });

  test('asCreatorA: deleteProgramAnalytic removes the row; a second delete is a NotFoundError', async () => {
    const created = await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
      input: { programId: gid('Program', programsA[0]!), metricType: 'to_delete', date: day(-1), value: 1 },
    });
    expect(await mutate(asCreatorA(), DELETE_ANALYTIC, 'deleteProgramAnalytic', { id: created.data.id })).toEqual({
      __typename: 'DeleteProgramAnalyticSuccess',
      data: created.data.id,
    });
    expect(await count(`program_analytics WHERE id = $1`, [uuidOf(created.data.id)])).toBe(0);
    expectNotFound(await mutate(asCreatorA(), DELETE_ANALYTIC, 'deleteProgramAnalytic', { id: created.data.id }));
  });
});

// ------------------------------------------------------------------------------------------
// Creator B against A's analytics
// ------------------------------------------------------------------------------------------

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
