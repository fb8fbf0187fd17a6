// Client mistakes at the edge: text PostgreSQL cannot store (NUL, unpaired surrogates), days and
// instants outside the scalars' range, and impossible page sizes are the client's mistake, so
// each gets a typed answer naming the argument (never INTERNAL_SERVER_ERROR), and nothing is
// written. Clean values near the edges still work end to end.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { useApiHarness, gid, expectValidation, ERRORS, type Json } from '../helpers/api';

const api = useApiHarness();
const { send, mutate, query, tableCounts, one } = api;

const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

const counts = () =>
  tableCounts({
    users: 'users',
    programs: 'programs',
    messages: 'messages',
    creators: 'creators',
    metrics: 'engagement_metrics',
  });

const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ${ERRORS} } }`;
const CREATE_PROGRAM = `mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename ${ERRORS} } }`;
const SEND_MESSAGE = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ${ERRORS} } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { __typename ${ERRORS} } }`;
const RECORD_METRIC = `mutation($input: RecordEngagementMetricInput!) { recordEngagementMetric(input: $input) { __typename ${ERRORS} } }`;

/** A top-level error of a query: its code and the field paths it names. */
function topError(body: { errors?: { message: string; extensions?: Record<string, unknown> }[] }) {
  expect(body.errors).toHaveLength(1);
  const error = body.errors![0]!;
  return {
    code: error.extensions?.code,
    message: error.message,
    paths: ((error.extensions?.fields as { path: string }[] | undefined) ?? []).map((f) => f.path),
  };
}

describe('text PostgreSQL cannot store', () => {
  test.each([
    ['a NUL in a name', { channel: 'WEB', externalId: 'nul-1', displayName: NUL }, ['input.displayName']],
    [
      'a NUL in a JSON value, deep down',
      { channel: 'WEB', externalId: 'nul-2', profileData: { a: [{ b: NUL }] } },
      ['input.profileData.a.0.b'],
    ],
    [
      'a NUL in a JSON key',
      { channel: 'WEB', externalId: 'nul-3', preferences: { nested: { ['k\u0000']: 1 } } },
      ['input.preferences.nested'],
    ],
    [
      'an unpaired surrogate in a name (it would be stored as U+FFFD)',
      { channel: 'WEB', externalId: 'lone-1', displayName: LONE },
      ['input.displayName'],
    ],
    [
      'an unpaired surrogate in a JSON value',
      { channel: 'WEB', externalId: 'lone-2', profileData: { a: LONE } },
      ['input.profileData.a'],
    ],
    [
      'NULs in two fields at once',
      { channel: 'WEB', externalId: NUL, email: `x${NUL}@example.com` },
      ['input.externalId', 'input.email'],
    ],
  ])(
    'asCreatorA: createUser with %s is a ValidationError naming the field; nothing is written',
    async (_what, input, paths) => {
      const before = await counts();
      expectValidation(await mutate('asCreatorA', CREATE_USER, 'createUser', { input }), paths);
      expect(await counts()).toEqual(before);
    },
  );

  test('asCreatorA: a JSON number past the double range (1e999, stored as null before) is refused; nothing is written', async () => {
    const before = await counts();
    const document = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ${ERRORS} } }`;
    // Sent as raw JSON: JSON.stringify cannot write 1e999, and JSON.parse reads it as Infinity.
    const response = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${api.asCreatorA()}` },
      body: `{"query":${JSON.stringify(document)},"variables":{"input":{"channel":"WEB","externalId":"inf-1","profileData":{"a":[1e999]}}}}`,
    });
    expectValidation(((await response.json()) as Json).data.createUser, ['input.profileData.a.0']);
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['null', '{"context":{"__proto__":null}}'],
    ['an object, deep down', '{"context":{"a":[{"__proto__":{"polluted":true}}]}}'],
  ])(
    'asCreatorA: a JSON key "__proto__" (%s) is refused naming the object; nothing is written (Prisma turned it into a 500)',
    async (_what, input) => {
      const conversation = (await one(`SELECT id, context::text FROM conversations WHERE creator_id = $1 LIMIT 1`, [
        api.tenants.creatorA,
      ]))!;
      const result = await mutate(
        'asCreatorA',
        `mutation($id: ID!, $input: UpdateConversationInput!) { updateConversation(id: $id, input: $input) { __typename ${ERRORS} } }`,
        'updateConversation',
        { id: gid('Conversation', conversation.id), input: JSON.parse(input) },
      );
      expectValidation(result, [input.includes('"a"') ? 'input.context.a.0' : 'input.context']);
      expect((await one(`SELECT context::text FROM conversations WHERE id = $1`, [conversation.id]))!.context).toBe(
        conversation.context,
      );
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  test('asCreatorA: a surrogate pair (an emoji) is fine', async () => {
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { channel: 'WEB', externalId: 'emoji-1', displayName: 'Ana 😀', profileData: { '😀': '😀' } },
    });
    expect(result.__typename).toBe('CreateUserSuccess');
    expect((await one(`SELECT display_name FROM users WHERE external_id = 'emoji-1'`))!.display_name).toBe('Ana 😀');
  });

  test('asCreatorA: a NUL in a program name, written as a literal in the document, is refused; nothing is written', async () => {
    const before = await counts();
    const { body } = await send(
      'asCreatorA',
      `mutation { createProgram(input: { name: "x\\u0000y" }) { __typename ${ERRORS} } }`,
    );
    expectValidation((body.data as Json).createProgram, ['input.name']);
    expectValidation(
      await mutate('asCreatorA', CREATE_PROGRAM, 'createProgram', { input: { name: 'ok', settings: { [NUL]: true } } }),
      ['input.settings'],
    );
    expect(await counts()).toEqual(before);
  });

  test('asCreatorA: a NUL in message content is refused; nothing is written', async () => {
    const conversation = (await one(`SELECT id FROM conversations WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!.id as string;
    const before = await counts();
    const result = await mutate('asCreatorA', SEND_MESSAGE, 'sendMessage', {
      input: { conversationId: gid('Conversation', conversation), content: `hello ${NUL}` },
    });
    expectValidation(result, ['input.content']);
    expect(await counts()).toEqual(before);
  });

  test('anonymous: signUp with a NUL in the company name is refused; no creator is made', async () => {
    const before = await counts();
    const result = await mutate('asAnonymous', SIGN_UP, 'signUp', {
      input: { email: 'nul-company@example.com', password: 'long enough password', companyName: `Acme${NUL}` },
    });
    expectValidation(result, ['input.companyName']);
    expect(await counts()).toEqual(before);
    expect(await one(`SELECT id FROM creators WHERE email = 'nul-company@example.com'`)).toBeUndefined();
  });

  test('asCreatorA: a NUL in a search string or in JSON dimensions of a query is VALIDATION_FAILED naming the argument', async () => {
    const search = await send('asCreatorA', `query($f: UserFilter) { users(filter: $f) { totalCount } }`, {
      f: { search: NUL },
    });
    expect(topError(search.body)).toMatchObject({ code: 'VALIDATION_FAILED', paths: ['filter.search'] });
    const series = await send(
      'asCreatorA',
      `query($d: JSONObject) { engagementSeries(metricType: "x", from: "2026-01-01", to: "2026-01-02", dimensions: $d) { value } }`,
      { d: { a: NUL } },
    );
    expect(topError(series.body)).toMatchObject({ code: 'VALIDATION_FAILED', paths: ['dimensions.a'] });
  });

  test('asCreatorA: a subscription whose argument holds a NUL is refused with VALIDATION_FAILED over WebSocket', async () => {
    const client = createClient({
      url: api.server.url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${api.asCreatorA()}` },
      retryAttempts: 0,
    });
    try {
      const answer = await new Promise<unknown>((resolve) => {
        // Only a bound on a missing answer (well inside the test's own 30 s): a busy machine
        // may take seconds to connect and answer.
        const timer = setTimeout(() => resolve('no answer'), 20_000);
        client.subscribe(
          {
            query: `subscription($t: String) { engagementMetricUpdated(metricType: $t) { id } }`,
            variables: { t: NUL },
          },
          {
            next: (value) => (clearTimeout(timer), resolve(value)),
            error: (error) => (clearTimeout(timer), resolve({ errors: error })),
            complete: () => undefined,
          },
        );
      });
      expect(topError(answer as Json)).toMatchObject({ code: 'VALIDATION_FAILED', paths: ['metricType'] });
    } finally {
      await client.dispose();
    }
  });
});

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
