// recordEngagementMetric (an upsert) and deleteEngagementMetric over the real server: the answer
// and what is really stored.
import { useApiHarness, gid, uuidOf, day, expectValidation, expectNotFound } from '../../helpers/api';
import {
  METRIC_COLUMNS,
  RECORD_METRIC,
  RECORD_ANALYTIC,
  DELETE_METRIC,
  analyticsFixtures,
  programsWithAnalytics,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });
const { asCreatorA, expectUnauthenticated, sql, count } = api;
const { mutate } = api.withTokens;

const { analyticsState } = analyticsFixtures(api);
let programsA: string[];
beforeAll(async () => ({ programsA } = await programsWithAnalytics(api)));

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
