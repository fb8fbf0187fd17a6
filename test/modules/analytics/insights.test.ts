// Dashboard analytics over HTTP, each number checked against a recomputation from the rows.
import { toGlobalId } from '../../../src/graphql/ids';
import { useDatabase, useServer } from '../../helpers/harness';

const api = useServer(useDatabase());

type Json = Record<string, any>;
async function asCreator(creatorId: string, query: string, variables: Json = {}): Promise<Json> {
  const { body } = await api.server.gql<Json>(query, variables, { token: api.server.tokenFor(creatorId) });
  expect(body.errors).toBeUndefined();
  return body.data!;
}
const day = (d: Date) => d.toISOString().slice(0, 10);

describe('engagementSeries', () => {
  const SERIES = `query($type: String!, $from: Date!, $to: Date!, $g: Granularity, $a: Aggregate, $dims: JSONObject) {
    engagementSeries(metricType: $type, from: $from, to: $to, granularity: $g, aggregate: $a, dimensions: $dims) { bucket value } }`;

  test('asCreatorA: daily values match the overall rows, and days without data are 0', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 70 * 86_400_000); // 10 days before the seeded 60
    const data = await asCreator(api.tenants.creatorA, SERIES, { type: 'active_users', from: day(from), to: day(to) });
    const { rows } = await api.owner.query(
      `SELECT date::text AS d, metric_value AS v FROM engagement_metrics WHERE creator_id = $1 AND metric_type = 'active_users' AND dimensions = '{}'`,
      [api.tenants.creatorA],
    );
    const expected = new Map(rows.map((r) => [r.d, r.v]));
    const series = data.engagementSeries as { bucket: string; value: number }[];
    expect(series).toHaveLength(71);
    expect(series[0]!.bucket).toBe(day(from));
    for (const point of series) expect(point.value).toBe(expected.get(point.bucket) ?? 0);
    expect(series.slice(0, 10).every((p) => p.value === 0)).toBe(true);
  });

  test('asCreatorA: weekly sums and monthly maxima are computed per bucket', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 59 * 86_400_000);
    const weekly = (
      await asCreator(api.tenants.creatorA, SERIES, { type: 'messages', from: day(from), to: day(to), g: 'WEEK' })
    ).engagementSeries;
    const { rows } = await api.owner.query(
      `SELECT date_trunc('week', date)::date::text AS b, sum(metric_value) AS v FROM engagement_metrics
        WHERE creator_id = $1 AND metric_type = 'messages' AND dimensions = '{}' AND date BETWEEN $2 AND $3 GROUP BY 1`,
      [api.tenants.creatorA, day(from), day(to)],
    );
    expect(Object.fromEntries(weekly.map((p: Json) => [p.bucket, p.value]))).toEqual(
      Object.fromEntries(rows.map((r) => [r.b, r.v])),
    );
    const monthly = (
      await asCreator(api.tenants.creatorA, SERIES, {
        type: 'messages',
        from: day(from),
        to: day(to),
        g: 'MONTH',
        a: 'MAX',
      })
    ).engagementSeries;
    expect(monthly.length).toBeGreaterThanOrEqual(2);
    expect(monthly.every((p: Json) => p.bucket.endsWith('-01'))).toBe(true);
  });

  test('asCreatorA: dimensions select the per-channel rows by containment', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 9 * 86_400_000);
    const web = (
      await asCreator(api.tenants.creatorA, SERIES, {
        type: 'active_users',
        from: day(from),
        to: day(to),
        dims: { channel: 'web' },
      })
    ).engagementSeries;
    const { rows } = await api.owner.query(
      `SELECT date::text AS d, metric_value AS v FROM engagement_metrics WHERE creator_id = $1 AND metric_type = 'active_users' AND dimensions @> '{"channel":"web"}' AND date BETWEEN $2 AND $3`,
      [api.tenants.creatorA, day(from), day(to)],
    );
    expect(web.map((p: Json) => p.value)).toEqual(web.map((p: Json) => rows.find((r) => r.d === p.bucket)?.v ?? 0));
    expect(web.some((p: Json) => p.value > 0)).toBe(true);
  });

  test('asCreatorB sees only its own metrics, and bad ranges are refused', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 5 * 86_400_000);
    const b = (await asCreator(api.tenants.creatorB, SERIES, { type: 'active_users', from: day(from), to: day(to) }))
      .engagementSeries;
    const { rows } = await api.owner.query(
      `SELECT date::text AS d, metric_value AS v FROM engagement_metrics WHERE creator_id = $1 AND metric_type = 'active_users' AND dimensions = '{}' AND date BETWEEN $2 AND $3`,
      [api.tenants.creatorB, day(from), day(to)],
    );
    expect(b.map((p: Json) => p.value)).toEqual(b.map((p: Json) => rows.find((r) => r.d === p.bucket)?.v ?? 0));
    const backwards = await api.server.gql(
      SERIES,
      { type: 'active_users', from: day(to), to: day(from) },
      { token: api.server.tokenFor(api.tenants.creatorB) },
    );
    expect(backwards.body.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED' });
    const tooLong = await api.server.gql(
      SERIES,
      { type: 'active_users', from: '2000-01-01', to: day(to) },
      { token: api.server.tokenFor(api.tenants.creatorB) },
    );
    expect(tooLong.body.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

test('asCreatorA: each program funnel matches its enrollments, with the median time to complete', async () => {
  const data = await asCreator(
    api.tenants.creatorA,
    `{ programs(first: 10) { nodes { id name funnel { enrolled active paused dropped completed completionRate medianSecondsToComplete } } } }`,
  );
  const { rows } = await api.owner.query(
    `SELECT program_id::text AS id, count(*)::int AS enrolled, count(*) FILTER (WHERE status = 'completed')::int AS completed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - enrolled_at)) FILTER (WHERE status = 'completed') AS median
       FROM program_enrollments WHERE creator_id = $1 GROUP BY 1`,
    [api.tenants.creatorA],
  );
  for (const program of data.programs.nodes) {
    const row = rows.find((r) => toGlobalId('Program', r.id) === program.id);
    expect(program.funnel.enrolled).toBe(row?.enrolled ?? 0);
    expect(program.funnel.completed).toBe(row?.completed ?? 0);
    expect(program.funnel.completionRate).toBeCloseTo(row ? row.completed / row.enrolled : 0, 10);
    if (row?.median != null) expect(program.funnel.medianSecondsToComplete).toBeCloseTo(Number(row.median), 3);
    else expect(program.funnel.medianSecondsToComplete).toBeNull();
  }
  expect(data.programs.nodes.some((p: Json) => p.funnel.completed > 0)).toBe(true);
});

test('asCreatorA: the leaderboard ranks users by points (ties share a rank), all time and for a period', async () => {
  const all = (
    await asCreator(
      api.tenants.creatorA,
      `{ leaderboard(first: 100) { rank points achievements user { id displayName pointsTotal } } }`,
    )
  ).leaderboard;
  const { rows } = await api.owner.query(
    `SELECT user_id::text AS id, sum(points)::text AS points FROM achievements WHERE creator_id = $1 GROUP BY 1 ORDER BY sum(points) DESC`,
    [api.tenants.creatorA],
  );
  expect(all.map((e: Json) => e.points)).toEqual(rows.map((r) => r.points));
  for (const [i, entry] of all.entries()) {
    expect(entry.user.pointsTotal).toBe(entry.points);
    const expectedRank = 1 + all.filter((e: Json) => BigInt(e.points) > BigInt(entry.points)).length;
    expect(entry.rank).toBe(expectedRank);
    if (i > 0) expect(entry.rank).toBeGreaterThanOrEqual(all[i - 1].rank);
  }
  const since = new Date(Date.now() - 3 * 86_400_000).toISOString();
  const recent = (
    await asCreator(
      api.tenants.creatorA,
      `query($from: DateTime) { leaderboard(period: { from: $from }) { points user { id } } }`,
      { from: since },
    )
  ).leaderboard;
  const recentRows = await api.owner.query(
    `SELECT sum(points)::text AS p FROM achievements WHERE creator_id = $1 AND earned_at >= $2 GROUP BY user_id ORDER BY sum(points) DESC LIMIT 10`,
    [api.tenants.creatorA, since],
  );
  expect(recent.map((e: Json) => e.points)).toEqual(recentRows.rows.map((r) => r.p));
});

test("asCreatorB's leaderboard never includes creator A's users", async () => {
  const board = (await asCreator(api.tenants.creatorB, `{ leaderboard(first: 100) { user { id } } }`)).leaderboard;
  const { rows } = await api.owner.query(`SELECT id::text FROM users WHERE creator_id = $1`, [api.tenants.creatorB]);
  const own = new Set(rows.map((r) => toGlobalId('User', r.id)));
  expect(board.length).toBeGreaterThan(0);
  expect(board.every((e: Json) => own.has(e.user.id))).toBe(true);
});

test("asCreatorA: today's summary counts today's rows", async () => {
  const summary = (
    await asCreator(
      api.tenants.creatorA,
      `{ dashboardSummary { date newUsers activeUsers messages conversationsEscalated badgesAwarded enrollmentsCompleted } }`,
    )
  ).dashboardSummary;
  const today = day(new Date());
  const count = async (sql: string) =>
    (await api.owner.query(sql.replace(/\$day/g, `'${today}'::date`), [api.tenants.creatorA])).rows[0].n;
  expect(summary).toEqual({
    date: today,
    newUsers: await count(
      `SELECT count(*)::int n FROM users WHERE creator_id = $1 AND created_at >= $day AND created_at < $day + 1`,
    ),
    activeUsers: await count(
      `SELECT count(*)::int n FROM users WHERE creator_id = $1 AND last_active_at >= $day AND last_active_at < $day + 1`,
    ),
    messages: await count(
      `SELECT count(*)::int n FROM messages WHERE creator_id = $1 AND created_at >= $day AND created_at < $day + 1`,
    ),
    conversationsEscalated: await count(
      `SELECT count(*)::int n FROM conversations WHERE creator_id = $1 AND escalated_at >= $day AND escalated_at < $day + 1`,
    ),
    badgesAwarded: await count(
      `SELECT count(*)::int n FROM user_badges WHERE creator_id = $1 AND earned_at >= $day AND earned_at < $day + 1`,
    ),
    enrollmentsCompleted: await count(
      `SELECT count(*)::int n FROM program_enrollments WHERE creator_id = $1 AND completed_at >= $day AND completed_at < $day + 1`,
    ),
  });
  expect(summary.newUsers).toBeGreaterThan(0);
  expect(summary.messages).toBeGreaterThan(0);
});

test("asCreatorA: plan usage compares today's use with the pro plan's limits", async () => {
  const usage = (
    await asCreator(api.tenants.creatorA, `{ planUsage { tier lines { resource used limit remaining percentUsed } } }`)
  ).planUsage;
  expect(usage.tier).toBe('pro');
  const users = usage.lines.find((l: Json) => l.resource === 'users');
  const n = (await api.owner.query(`SELECT count(*)::int n FROM users WHERE creator_id = $1`, [api.tenants.creatorA]))
    .rows[0].n;
  expect(users).toEqual({
    resource: 'users',
    used: String(n),
    limit: '10000',
    remaining: String(10_000 - n),
    percentUsed: Math.round((n / 10_000) * 1000) / 10,
  });
});

test('asAnonymous: analytics need credentials', async () => {
  const { body } = await api.server.gql(`{ dashboardSummary { newUsers } }`);
  expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(body.data).toBeNull();
});
