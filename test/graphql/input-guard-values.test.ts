// Client mistakes at the edge: days and instants outside the scalars' range, impossible page sizes,
// and mistakes graphql-js reports in its own words each get a typed answer naming the argument
// (never INTERNAL_SERVER_ERROR), and nothing is written. Values at the edges still work end to end.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { useApiHarness, type Json } from '../helpers/api';
import { RECORD_METRIC, topError, inputGuardFixtures } from './input-guard-fixtures';

const api = useApiHarness();
const { send, mutate, query } = api;

const { counts } = inputGuardFixtures(api);

describe('days and instants outside 1900-01-01 .. 9999-12-31 (UTC)', () => {
  test.each([
    [
      'dashboardSummary, a year-0 day',
      `query($d: Date) { dashboardSummary(date: $d) { __typename } }`,
      { d: '0000-01-01' },
    ],
    [
      'engagementSeries, a year-0 start',
      `query($d: Date!) { engagementSeries(metricType: "x", from: $d, to: "2026-01-01") { value } }`,
      { d: '0000-01-01' },
    ],
    [
      'leaderboard, a year-0 period',
      `query($p: DateTimeRange) { leaderboard(period: $p) { __typename } }`,
      { p: { from: '0000-01-01T00:00:00Z' } },
    ],
    [
      'users, activeSince in year 1 that is year 0 in UTC',
      `query($f: UserFilter) { users(filter: $f) { totalCount } }`,
      { f: { activeSince: '0001-01-01T00:30:00+01:00' } },
    ],
    [
      'users, activeSince before 1900',
      `query($f: UserFilter) { users(filter: $f) { totalCount } }`,
      { f: { activeSince: '1899-12-31T23:59:59Z' } },
    ],
    [
      'conversation messages, a year-0 nested filter',
      `query($p: DateTimeRange) { conversations(first: 1) { nodes { messages(sent: $p) { totalCount } } } }`,
      { p: { to: '0000-06-01T00:00:00Z' } },
    ],
  ])('asCreatorA: %s is BAD_USER_INPUT naming the variable and the range', async (_what, document, variables) => {
    const { status, body } = await send('asCreatorA', document, variables);
    const error = topError(body);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/Variable "\$[a-z]+"/);
    expect(error.message).toContain('1900-01-01');
    expect(status).toBe(400);
  });

  test('asCreatorA: a year-0 day as a literal is refused before execution, naming the range', async () => {
    const { body } = await send('asCreatorA', `query { dashboardSummary(date: "0000-01-01") { __typename } }`);
    expect(body.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors![0]!.message).toContain('9999-12-31');
  });

  test('asCreatorA: recordEngagementMetric for a year-0 day is refused; nothing is written', async () => {
    const before = await counts();
    const { body } = await send('asCreatorA', RECORD_METRIC, {
      input: { date: '0000-01-01', metricType: 'edge_metric', value: 1 },
    });
    expect(topError(body).code).toBe('BAD_USER_INPUT');
    expect(await counts()).toEqual(before);
  });

  test('asCreatorA: the first and last days of the range work wherever the server does date arithmetic', async () => {
    for (const date of ['1900-01-01', '9999-12-31']) {
      expect(
        (await query('asCreatorA', `query($d: Date) { dashboardSummary(date: $d) { __typename } }`, { d: date }))
          .dashboardSummary.__typename,
      ).toBe('DashboardSummary');
      expect(
        (
          await mutate('asCreatorA', RECORD_METRIC, 'recordEngagementMetric', {
            input: { date, metricType: 'edge_metric', value: 2 },
          })
        ).__typename,
      ).toBe('RecordEngagementMetricSuccess');
    }
    for (const granularity of ['DAY', 'WEEK', 'MONTH']) {
      const first = await query(
        'asCreatorA',
        `query($g: Granularity) { engagementSeries(metricType: "edge_metric", from: "1900-01-01", to: "1900-03-01", granularity: $g) { value } }`,
        { g: granularity },
      );
      expect(first.engagementSeries[0].value).toBe(2);
      const last = await query(
        'asCreatorA',
        `query($g: Granularity) { engagementSeries(metricType: "edge_metric", from: "9999-11-01", to: "9999-12-31", granularity: $g) { value } }`,
        { g: granularity },
      );
      expect(last.engagementSeries[last.engagementSeries.length - 1].value).toBe(2);
    }
    const board = await query(
      'asCreatorA',
      `query { leaderboard(period: { from: "1900-01-01T00:00:00Z", to: "9999-12-31T23:59:59.999Z" }) { __typename } }`,
    );
    expect(Array.isArray(board.leaderboard)).toBe(true);
    expect(
      (await query('asCreatorA', `query { users(filter: { activeSince: "1900-01-01T00:00:00Z" }) { totalCount } }`))
        .users.totalCount,
    ).toBeGreaterThanOrEqual(0);
  });
});

describe('page sizes a connection cannot serve', () => {
  test.each([
    ['first: -1 on a root connection', `query { users(first: -1) { totalCount } }`, /"first"/],
    ['last: -1 on a root connection', `query { programs(last: -1) { totalCount } }`, /"last"/],
    [
      'first: -1 on a nested connection',
      `query { programs(first: 1) { nodes { enrollments(first: -1) { totalCount } } } }`,
      /"first"/,
    ],
  ])('asCreatorA: %s is BAD_USER_INPUT with a clear message', async (_what, document, message) => {
    const { body } = await send('asCreatorA', document);
    const error = topError(body);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(message);
  });
});

describe('mistakes graphql-js reports in its own words', () => {
  test('asCreatorA: more than 50 bad values in one variable is BAD_USER_INPUT throughout (graphql-js adds an error of its own after 50)', async () => {
    const { status, body } = await send('asCreatorA', `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: Array(51).fill(null),
    });
    expect(status).toBe(400);
    const codes = new Set((body.errors ?? []).map((e) => e.extensions?.code));
    expect(body.errors!.length).toBe(51);
    expect([...codes]).toEqual(['BAD_USER_INPUT']);
  });

  test.each([
    ['a syntax error', `subscription {`, 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', `subscription { nope }`, 'GRAPHQL_VALIDATION_FAILED'],
    [
      'a null literal for a required argument',
      `subscription { programStatsUpdated(programId: null) { enrolled } }`,
      'GRAPHQL_VALIDATION_FAILED',
    ],
  ])('asCreatorA: over WebSocket, %s carries the same code as over HTTP', async (_what, query, code) => {
    const client = createClient({
      url: api.server.url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${api.asCreatorA()}` },
      retryAttempts: 0,
    });
    try {
      const errors = await new Promise<Json[]>((resolve, reject) => {
        client.subscribe(
          { query },
          {
            next: () => reject(new Error('answered with data')),
            error: (error) => resolve(error as Json[]),
            complete: () => reject(new Error('completed without an error')),
          },
        );
      });
      expect(errors.map((e) => e.extensions?.code)).toEqual(errors.map(() => code));
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await client.dispose();
    }
    expect(topError((await send('asCreatorA', query)).body).code).toBe(code);
  });
});
