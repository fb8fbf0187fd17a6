// Observability. No secret reaches a log line: with logging at its most verbose, a session that signs up, logs
// in, refreshes, issues an API key, calls as a partner, and fails in every way it can, leaves
// none of its passwords, tokens or keys in the logs. And each request is logged once, with its
// id, creator, operation, duration and outcome.
import { Writable } from 'node:stream';
import { print } from 'graphql';
import { HealthDocument, MeDocument } from '../../../src/generated/graphql/graphql';
import type { Json } from '../../helpers/api';
import { useDatabase, useServer } from '../../helpers/harness';
import { callAsPartner } from '../../helpers/partner';

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    done();
  },
});
const api = useServer(useDatabase(), { env: { LOG_LEVEL: 'trace' }, logDestination: capture });

test('passwords, access and refresh tokens, and API keys never appear in the logs', async () => {
  const password = 'Sup3r-secret-passphrase-for-logs';
  const signUp = await api.server.gql<Json>(
    `mutation($input: SignUpInput!) { signUp(input: $input) { ... on AuthPayload { accessToken refreshToken creator { id } } ... on Error { code } } }`,
    {
      input: { email: 'logs@example.com', password },
    },
  );
  const { accessToken, refreshToken } = signUp.body.data!.signUp;
  expect(accessToken).toEqual(expect.any(String));
  // Wrong passwords (logged as failures), a right one, a refresh, a reuse of the old refresh token.
  await api.server.gql(`mutation($p: String!) { logIn(email: "logs@example.com", password: $p) { __typename } }`, {
    p: `${password}-wrong`,
  });
  const login = await api.server.gql<Json>(
    `mutation($p: String!) { logIn(email: "logs@example.com", password: $p) { ... on AuthPayload { accessToken refreshToken } } }`,
    { p: password },
  );
  const refreshed = await api.server.gql<Json>(
    `mutation($t: String!) { refreshSession(refreshToken: $t) { ... on AuthPayload { accessToken refreshToken } } }`,
    { t: login.body.data!.logIn.refreshToken },
  );
  await api.server.gql(`mutation($t: String!) { refreshSession(refreshToken: $t) { __typename } }`, {
    t: login.body.data!.logIn.refreshToken,
  });
  // An API key, used well and badly.
  const key = await api.server.gql<Json>(
    `mutation { createApiKey(input: { name: "logs", scopes: [READ, WRITE] }) { ... on CreateApiKeySuccess { data { secret } } } }`,
    {},
    { token: accessToken },
  );
  const secret = key.body.data!.createApiKey.data.secret as string;
  await callAsPartner(api.server.url, secret, 'PartnerPrograms');
  await callAsPartner(api.server.url, secret, undefined, {}, { extra: { query: '{ __typename }' } });
  await callAsPartner(api.server.url, `${secret.slice(0, -3)}xyz`, 'PartnerPrograms');
  // Bad and expired-looking tokens, a syntax error, an unexpected error path.
  await api.server.gql(`{ me { email } }`, {}, { token: `${accessToken.slice(0, -4)}AAAA` });
  await api.server.gql(`{ me { email `, {}, { token: accessToken });
  await fetch(api.server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: '{"query": ',
  });

  const log = lines.join('\n');
  expect(lines.filter((l) => l.includes('"graphql request"')).length).toBeGreaterThanOrEqual(8);
  const secrets = {
    password,
    accessToken,
    refreshToken,
    secondAccess: refreshed.body.data!.refreshSession.accessToken,
    secondRefresh: refreshed.body.data!.refreshSession.refreshToken,
    apiKey: secret,
  };
  for (const [name, value] of Object.entries(secrets)) {
    expect({ name, found: log.includes(value) }).toEqual({ name, found: false });
    // Not even the part after the public prefix (or a JWT's signature).
    expect({ name, found: log.includes(value.slice(-24)) }).toEqual({ name, found: false });
  }
});

test('each GraphQL request is logged once with its id, creator, operation, duration and outcome', async () => {
  lines.length = 0;
  const creatorId = (
    await api.server.app.db.owner.creator.findFirstOrThrow({
      where: { email: 'ada@demo.creatorgraph.dev' },
      select: { id: true },
    })
  ).id;
  const token = api.server.tokenFor(creatorId);
  await api.server.gql(
    `query MyPrograms { programs(first: 1) { totalCount } }`,
    {},
    { token, headers: { 'x-request-id': 'req-logging-test-1' } },
  );
  await api.server.gql(`query Broken { nope }`, {}, { token, headers: { 'x-request-id': 'req-logging-test-2' } });
  const entries = lines.map((l) => JSON.parse(l) as Json).filter((e) => e.msg === 'graphql request');
  const ok = entries.find((e) => e.requestId === 'req-logging-test-1');
  expect(ok).toEqual(
    expect.objectContaining({
      level: 'info',
      viewer: 'creator',
      creatorId,
      operationName: 'MyPrograms',
      operationType: 'query',
      outcome: 'ok',
      status: 200,
      durationMs: expect.any(Number),
    }),
  );
  const bad = entries.find((e) => e.requestId === 'req-logging-test-2');
  expect(bad).toEqual(
    expect.objectContaining({
      operationName: 'Broken',
      operationType: 'query',
      outcome: 'rejected',
      status: 400,
      errorCodes: ['GRAPHQL_VALIDATION_FAILED'],
    }),
  );
  expect(entries.filter((e) => e.requestId === 'req-logging-test-1')).toHaveLength(1);
});

test('GET /metrics serves Prometheus text: requests by operation and outcome, latency, pools, listeners, events, rate limits', async () => {
  const creatorId = (
    await api.server.app.db.owner.creator.findFirstOrThrow({
      where: { email: 'ada@demo.creatorgraph.dev' },
      select: { id: true },
    })
  ).id;
  // A known operation (operations/admin/Me.graphql) is labelled by its name; a made-up one is "other".
  await api.server.gql(print(MeDocument), {}, { token: api.server.tokenFor(creatorId) });
  await api.server.gql(
    `query MetricsProbe { programs(first: 1) { totalCount } }`,
    {},
    { token: api.server.tokenFor(creatorId) },
  );
  const response = await fetch(api.server.url.replace('/graphql', '/metrics'));
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/text\/plain/);
  const text = await response.text();
  expect(text).toMatch(/creatorgraph_graphql_requests_total\{operation="Me",outcome="ok"\} 1/);
  expect(text).toMatch(
    /creatorgraph_graphql_request_duration_seconds_bucket\{le="[0-9.+Inf]+",operation="Me",outcome="ok"\}/,
  );
  expect(text).toMatch(/creatorgraph_graphql_requests_total\{operation="other",outcome="ok"\} \d+/);
  expect(text).not.toContain('MetricsProbe');
  expect(text).toMatch(/creatorgraph_db_pool_connections\{pool="app",state="total"\} \d+/);
  expect(text).toMatch(/creatorgraph_subscription_listeners \d+/);
  expect(text).toMatch(/creatorgraph_open_subscriptions\{kind="operations"\} \d+/);
  expect(text).toMatch(/creatorgraph_events_fanned_out_total \d+/);
  expect(text).toContain('# TYPE creatorgraph_rate_limited_total counter');
  // A client's made-up operation names never become labels (test/server/metrics.test.ts).
  expect(text).not.toMatch(/operation="[^A-Za-z_]/);
});

test('the process and Node.js metrics carry the prefix once: creatorgraph_process_*, creatorgraph_nodejs_*', async () => {
  const text = await (await fetch(api.server.url.replace('/graphql', '/metrics'))).text();
  const names = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
  for (const name of [
    'creatorgraph_process_cpu_seconds_total',
    'creatorgraph_process_resident_memory_bytes',
    'creatorgraph_nodejs_eventloop_lag_seconds',
    'creatorgraph_nodejs_heap_size_used_bytes',
  ]) {
    expect(names).toContain(name);
  }
  expect(names.filter((name) => !name.startsWith('creatorgraph_'))).toEqual([]);
  // No segment twice in a row (creatorgraph_process_process_...), and the prefix only once.
  expect(
    names.filter((name) => /(?:^|_)([a-z0-9]+)_\1(?:_|$)/.test(name) || name.indexOf('creatorgraph', 1) !== -1),
  ).toEqual([]);
});

test('the open-subscriptions gauge follows subscriptions as they open and end', async () => {
  const { createClient } = await import('graphql-ws');
  const { default: WebSocket } = await import('ws');
  const creatorId = (
    await api.server.app.db.owner.creator.findFirstOrThrow({
      where: { email: 'ada@demo.creatorgraph.dev' },
      select: { id: true },
    })
  ).id;
  const gauge = async () =>
    Number(
      /creatorgraph_open_subscriptions\{kind="operations"\} (\d+)/.exec(
        await (await fetch(api.server.url.replace('/graphql', '/metrics'))).text(),
      )![1],
    );
  const before = await gauge();
  const client = createClient({
    url: api.server.url.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${api.server.tokenFor(creatorId)}` },
    retryAttempts: 0,
    lazy: false,
  });
  const stop = client.subscribe(
    { query: 'subscription { messageCreated { id } }' },
    { next: () => undefined, error: () => undefined, complete: () => undefined },
  );
  for (let i = 0; i < 50 && (await gauge()) !== before + 1; i++) await new Promise((r) => setTimeout(r, 20));
  expect(await gauge()).toBe(before + 1);
  stop();
  for (let i = 0; i < 50 && (await gauge()) !== before; i++) await new Promise((r) => setTimeout(r, 20));
  expect(await gauge()).toBe(before);
  await client.dispose();
});

test('operations over a WebSocket are logged and counted like HTTP requests', async () => {
  const { createClient } = await import('graphql-ws');
  const { default: WebSocket } = await import('ws');
  const creatorId = (
    await api.server.app.db.owner.creator.findFirstOrThrow({
      where: { email: 'ada@demo.creatorgraph.dev' },
      select: { id: true },
    })
  ).id;
  lines.length = 0;
  const client = createClient({
    url: api.server.url.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${api.server.tokenFor(creatorId)}` },
    retryAttempts: 0,
  });
  try {
    await new Promise<void>((resolve, reject) =>
      client.subscribe({ query: print(HealthDocument) }, { next: () => undefined, error: reject, complete: resolve }),
    );
  } finally {
    await client.dispose();
  }
  const entry = lines
    .map((l) => JSON.parse(l) as Json)
    .find((e) => e.msg === 'graphql request' && e.transport === 'ws');
  expect(entry).toEqual(
    expect.objectContaining({
      operationName: 'Health',
      operationType: 'query',
      creatorId,
      outcome: 'ok',
      durationMs: expect.any(Number),
    }),
  );
  const text = await (await fetch(api.server.url.replace('/graphql', '/metrics'))).text();
  expect(text).toMatch(/creatorgraph_graphql_requests_total\{operation="Health",outcome="ok"\} 1/);
});
