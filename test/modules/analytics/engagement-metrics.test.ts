// engagementMetrics over the real server: by type, by day range and by dimensions containment,
// equal to what is really stored, as each actor.
import { useApiHarness, gid, uuidOf, day, type Json } from '../../helpers/api';
import { METRIC_COLUMNS, METRICS, PROGRAM_ANALYTICS, analyticsFixtures } from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count } = api;
const { read } = api.withTokens;

const { allMetrics } = analyticsFixtures(api);

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
