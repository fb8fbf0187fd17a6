// Live subscriptions over WebSocket with graphql-ws's own client, as a dashboard would use it.
// Writes come through the API, through raw SQL on the owner connection, and through another
// server instance; each tenant must hear only its own.
import crypto from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { toGlobalId } from '../../src/graphql/ids';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

jest.setTimeout(60_000);

let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
const clients: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
  server = await startTestServer(db);
  owner = await connect(db.ownerUrl);
});
afterAll(async () => {
  for (const c of clients) void c.dispose();
  await owner?.end();
  await server?.stop();
  await db?.drop();
});

type Json = Record<string, any>;
const wsUrl = (s: TestServer) => s.url.replace('http://', 'ws://');

interface Stream {
  results: Json[];
  errors: unknown[];
  /** Resolves with the n-th result (1-based), or rejects after `ms`. */
  nth(n: number, ms?: number): Promise<Json>;
  /**
   * Resolves once the server's hub has `listeners` more than when this stream was opened: the
   * subscription is registered, so a write from now on reaches it. (A fixed sleep stood in for
   * this and lost the race on a busy machine.)
   */
  registered(listeners?: number): Promise<void>;
  /** Resolves with the first thing the server answered (a result, an error or a close). */
  answered(): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Bounds on waits for events that should come (well inside jest's 60 s for this file). */
const EVENT_MS = 20_000;

function subscribe(target: TestServer, token: string | undefined, query: string, variables: Json = {}): Stream {
  const hub = target.app.listener.hub;
  const listenersBefore = hub.subscriberCount;
  let closedResolve: (v: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((r) => (closedResolve = r));
  const client = createClient({
    url: wsUrl(target),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    on: {
      closed: (event) =>
        closedResolve({ code: (event as { code: number }).code, reason: String((event as { reason: string }).reason) }),
    },
  });
  clients.push(client);
  const results: Json[] = [];
  const errors: unknown[] = [];
  const waiters: { n: number; resolve: (v: Json) => void }[] = [];
  client.subscribe<Json>(
    { query, variables },
    {
      next: (value) => {
        results.push(value);
        for (const w of waiters.filter((w) => results.length >= w.n)) w.resolve(results[w.n - 1]!);
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    results,
    errors,
    closed,
    nth(n, ms = EVENT_MS) {
      if (results.length >= n) return Promise.resolve(results[n - 1]!);
      return new Promise((resolve, reject) => {
        waiters.push({ n, resolve });
        setTimeout(
          () =>
            reject(
              new Error(
                `timed out waiting for result ${n}; got ${results.length}: ${JSON.stringify(results).slice(0, 300)} errors ${JSON.stringify(errors).slice(0, 300)}`,
              ),
            ),
          ms,
        ).unref();
      });
    },
    async registered(listeners = 1) {
      await until(
        () => hub.subscriberCount >= listenersBefore + listeners,
        `${listeners} hub listener(s) for ${query.slice(0, 60)}`,
      );
    },
    async answered() {
      let closedYet = false;
      void closed.then(() => (closedYet = true));
      await until(() => closedYet || results.length + errors.length > 0, `an answer to ${query.slice(0, 60)}`);
    },
  };
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + EVENT_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${EVENT_MS} ms: ${what}`);
    await sleep(20);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MESSAGES = `subscription { messageCreated { id content conversation { id } } }`;

async function conversationOf(creatorId: string): Promise<string> {
  return (await owner.query(`SELECT id FROM conversations WHERE creator_id = $1 ORDER BY id LIMIT 1`, [creatorId]))
    .rows[0].id;
}

test('asCreatorA and asCreatorB each hear only their own messages, whether written through the API or raw SQL', async () => {
  const a = subscribe(server, server.tokenFor(tenants.creatorA), MESSAGES);
  const b = subscribe(server, server.tokenFor(tenants.creatorB), MESSAGES);
  await a.registered(2); // a's and b's
  const convA = await conversationOf(tenants.creatorA);
  const convB = await conversationOf(tenants.creatorB);
  const sent = await server.gql(
    `mutation($c: ID!) { sendMessage(input: { conversationId: $c, content: "from A via the API" }) { __typename } }`,
    { c: toGlobalId('Conversation', convA) },
    { token: server.tokenFor(tenants.creatorA) },
  );
  expect(sent.body.data).toEqual({ sendMessage: { __typename: 'SendMessageSuccess' } });
  await owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'from B via raw SQL')`,
    [tenants.creatorB, convB],
  );

  expect((await a.nth(1)).data.messageCreated).toMatchObject({
    content: 'from A via the API',
    conversation: { id: toGlobalId('Conversation', convA) },
  });
  expect((await b.nth(1)).data.messageCreated).toMatchObject({
    content: 'from B via raw SQL',
    conversation: { id: toGlobalId('Conversation', convB) },
  });
  await sleep(500);
  expect(a.results.map((r) => r.data.messageCreated.content)).toEqual(['from A via the API']);
  expect(b.results.map((r) => r.data.messageCreated.content)).toEqual(['from B via raw SQL']);
});

test("asCreatorB cannot watch creator A's program or conversation: NOT_FOUND, and nothing streams", async () => {
  const programOfA = (
    await owner.query(`SELECT id FROM programs WHERE creator_id = $1 AND status = 'published' LIMIT 1`, [
      tenants.creatorA,
    ])
  ).rows[0].id;
  const stats = subscribe(
    server,
    server.tokenFor(tenants.creatorB),
    `subscription($p: ID!) { programStatsUpdated(programId: $p) { enrolled } }`,
    { p: toGlobalId('Program', programOfA) },
  );
  const messages = subscribe(
    server,
    server.tokenFor(tenants.creatorB),
    `subscription($c: ID!) { messageCreated(conversationId: $c) { id } }`,
    { c: toGlobalId('Conversation', await conversationOf(tenants.creatorA)) },
  );
  for (const stream of [stats, messages]) {
    await stream.answered();
    // The refusal arrives as the operation's only result: errors, no data.
    expect(stream.results.every((r) => r.data == null)).toBe(true);
    expect(JSON.stringify([...stream.results, ...stream.errors])).toMatch(/"code":"NOT_FOUND"/);
  }
});

test('a missing or bad credential closes the socket with 4403', async () => {
  const none = subscribe(server, undefined, MESSAGES);
  expect((await none.closed).code).toBe(4403);
  const forged = subscribe(
    server,
    server.tokenFor(tenants.creatorA).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    MESSAGES,
  );
  expect((await forged.closed).code).toBe(4403);
  expect(none.results).toEqual([]);
});

test('a token that expires mid-stream closes the socket with 4403', async () => {
  const shortLived = server.app.tokens.sign({ sub: tenants.creatorA, role: 'creator' }, 2).token;
  const stream = subscribe(server, shortLived, MESSAGES);
  const started = Date.now();
  const { code } = await stream.closed;
  expect(code).toBe(4403);
  expect(Date.now() - started).toBeGreaterThan(1_000);
  expect(Date.now() - started).toBeLessThan(6_000);
});

test('programStatsUpdated pushes the funnel now, then a handful of times for a burst of 1,000 writes', async () => {
  const program = (
    await owner.query(
      `INSERT INTO programs (creator_id, name, status, published_at) VALUES ($1, 'Burst', 'published', now()) RETURNING id`,
      [tenants.creatorA],
    )
  ).rows[0].id;
  const stream = subscribe(
    server,
    server.tokenFor(tenants.creatorA),
    `subscription($p: ID!) { programStatsUpdated(programId: $p) { enrolled completed } }`,
    { p: toGlobalId('Program', program) },
  );
  expect((await stream.nth(1)).data.programStatsUpdated).toEqual({ enrolled: 0, completed: 0 });

  // 1,000 separate writes from 10 connections, as fast as they go.
  const users = (
    await owner.query(
      `INSERT INTO users (creator_id, external_id, channel) SELECT $1, 'burst-' || g, 'web' FROM generate_series(1, 1000) g RETURNING id`,
      [tenants.creatorA],
    )
  ).rows.map((r) => r.id);
  const pool = new pg.Pool({ connectionString: db.ownerUrl, max: 10 });
  try {
    await Promise.all(
      Array.from({ length: 10 }, (_, w) =>
        (async () => {
          for (let i = w; i < users.length; i += 10)
            await pool.query(`INSERT INTO program_enrollments (creator_id, program_id, user_id) VALUES ($1, $2, $3)`, [
              tenants.creatorA,
              program,
              users[i],
            ]);
        })(),
      ),
    );
  } finally {
    await pool.end();
  }
  const deadline = Date.now() + EVENT_MS;
  while (Date.now() < deadline && stream.results.at(-1)?.data.programStatsUpdated.enrolled !== 1000) await sleep(100);
  const pushes = stream.results.length - 1;
  expect(stream.results.at(-1)!.data.programStatsUpdated.enrolled).toBe(1000);
  expect(pushes).toBeGreaterThanOrEqual(1);
  expect(pushes).toBeLessThanOrEqual(10);
});

test('dashboardSummary starts with today and moves when a user arrives', async () => {
  const stream = subscribe(
    server,
    server.tokenFor(tenants.creatorB),
    `subscription { dashboardSummary { newUsers messages } }`,
  );
  const first = (await stream.nth(1)).data.dashboardSummary;
  await owner.query(`INSERT INTO users (creator_id, external_id, channel) VALUES ($1, $2, 'web')`, [
    tenants.creatorB,
    `dash-${crypto.randomUUID()}`,
  ]);
  expect((await stream.nth(2)).data.dashboardSummary.newUsers).toBe(first.newUsers + 1);
});

test('an event written through instance A reaches a subscriber on instance B', async () => {
  const second = await startTestServer(db);
  try {
    const stream = subscribe(
      second,
      second.tokenFor(tenants.creatorB),
      `subscription { badgeAwarded { badge { name } user { id } } }`,
    );
    await stream.registered();
    const badge = (
      await owner.query(`INSERT INTO badges (creator_id, name) VALUES ($1, 'Cross-instance') RETURNING id`, [
        tenants.creatorB,
      ])
    ).rows[0].id;
    const user = (await owner.query(`SELECT id FROM users WHERE creator_id = $1 LIMIT 1`, [tenants.creatorB])).rows[0]
      .id;
    const awarded = await server.gql(
      `mutation($u: ID!, $b: ID!) { awardBadge(userId: $u, badgeId: $b) { __typename } }`,
      { u: toGlobalId('User', user), b: toGlobalId('Badge', badge) },
      { token: server.tokenFor(tenants.creatorB) },
    );
    expect(awarded.body.data).toEqual({ awardBadge: { __typename: 'AwardBadgeSuccess' } });
    expect((await stream.nth(1)).data.badgeAwarded).toEqual({
      badge: { name: 'Cross-instance' },
      user: { id: toGlobalId('User', user) },
    });
  } finally {
    await second.stop();
  }
});

test('the listener connection drops and reconnects; the subscription keeps streaming', async () => {
  const stream = subscribe(
    server,
    server.tokenFor(tenants.creatorA),
    `subscription { engagementMetricUpdated(metricType: "reconnect_check") { metricValue } }`,
  );
  await stream.registered();
  const before = server.app.listener.backendPid();
  const admin = await connect(db.adminUrl);
  try {
    await admin.query(`SELECT pg_terminate_backend($1)`, [before]);
  } finally {
    await admin.end();
  }
  const deadline = Date.now() + EVENT_MS;
  while (Date.now() < deadline && (!server.app.listener.connected() || server.app.listener.backendPid() === before))
    await sleep(50);
  expect(server.app.listener.connected()).toBe(true);
  expect(server.app.listener.backendPid()).not.toBe(before);
  await owner.query(
    `INSERT INTO engagement_metrics (creator_id, metric_type, metric_value, date) VALUES ($1, 'reconnect_check', 42, current_date)`,
    [tenants.creatorA],
  );
  expect((await stream.nth(1)).data.engagementMetricUpdated).toEqual({ metricValue: 42 });
});

test('in production, introspection is refused over the socket exactly as over HTTP', async () => {
  const INTROSPECT = `query { __schema { queryType { name } } }`;
  // graphql-ws runs queries too, so the socket must not be a way around the HTTP rules.
  const development = subscribe(server, server.tokenFor(tenants.creatorA), INTROSPECT);
  expect((await development.nth(1)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  const production = await startTestServer(db, { NODE_ENV: 'production', LOG_LEVEL: 'silent' });
  try {
    const token = production.tokenFor(tenants.creatorA);
    const http = await production.gql(INTROSPECT, {}, { token });
    expect(http.body.errors?.[0]?.message).toMatch(/introspection/i);
    const ws = subscribe(production, token, INTROSPECT);
    await ws.answered();
    expect(ws.results.every((r) => r.data == null)).toBe(true);
    expect(JSON.stringify([...ws.errors, ...ws.results])).toMatch(/introspection/i);
  } finally {
    await production.stop();
  }
});

test('messages written while the listener was away are delivered once it is back', async () => {
  const conversation = await conversationOf(tenants.creatorA);
  const stream = subscribe(
    server,
    server.tokenFor(tenants.creatorA),
    `subscription($c: ID!) { messageCreated(conversationId: $c) { content } }`,
    { c: toGlobalId('Conversation', conversation) },
  );
  await stream.registered();
  await owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'before the gap')`,
    [tenants.creatorA, conversation],
  );
  expect((await stream.nth(1)).data.messageCreated.content).toBe('before the gap');

  // Cut the listener and write while it reconnects (the first retry waits 100 ms).
  const before = server.app.listener.backendPid();
  const admin = await connect(db.adminUrl);
  try {
    await admin.query(`SELECT pg_terminate_backend($1)`, [before]);
  } finally {
    await admin.end();
  }
  await owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'during the gap')`,
    [tenants.creatorA, conversation],
  );
  expect((await stream.nth(2)).data.messageCreated.content).toBe('during the gap');
  await owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'after the gap')`,
    [tenants.creatorA, conversation],
  );
  expect((await stream.nth(3)).data.messageCreated.content).toBe('after the gap');
  await sleep(300);
  expect(stream.results.map((r) => r.data.messageCreated.content)).toEqual([
    'before the gap',
    'during the gap',
    'after the gap',
  ]);
});

describe('sessions: a socket lives only as long as the log-in it came from', () => {
  type Auth = { accessToken: string; refreshToken: string };
  async function logIn(): Promise<Auth> {
    const { body } = await server.gql<Json>(
      `mutation { logIn(email: "grace@demo.creatorgraph.dev", password: "demo-password-grace") { ... on AuthPayload { accessToken refreshToken } } }`,
    );
    return body.data!.logIn as Auth;
  }
  const isOpen = async (stream: Stream, ms: number) =>
    Promise.race([stream.closed.then(() => false), sleep(ms).then(() => true)]);

  test('a refresh keeps the socket open; log-out closes it with 4403 at once', async () => {
    const auth = await logIn();
    const stream = subscribe(server, auth.accessToken, MESSAGES);
    await stream.registered(2); // the log-in's watch (websocket-session.ts) and the stream
    const refreshed = await server.gql<Json>(
      `mutation($t: String!) { refreshSession(refreshToken: $t) { ... on AuthPayload { refreshToken } } }`,
      { t: auth.refreshToken },
    );
    const next = refreshed.body.data!.refreshSession.refreshToken as string;
    expect(await isOpen(stream, 800)).toBe(true);
    const started = Date.now();
    await server.gql(`mutation($t: String!) { logOut(refreshToken: $t) }`, { t: next });
    expect((await stream.closed).code).toBe(4403);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('a token from a log-in that has already ended cannot open a socket', async () => {
    const auth = await logIn();
    await server.gql(`mutation($t: String!) { logOut(refreshToken: $t) }`, { t: auth.refreshToken });
    const stream = subscribe(server, auth.accessToken, MESSAGES);
    expect((await stream.closed).code).toBe(4403);
  });

  test('deactivating the creator closes its sockets', async () => {
    const email = `live-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const signUp = await server.gql<Json>(
      `mutation($e: String!) { signUp(input: { email: $e, password: "a long enough password" }) { ... on AuthPayload { accessToken creator { id } } } }`,
      { e: email },
    );
    const stream = subscribe(server, signUp.body.data!.signUp.accessToken, MESSAGES);
    await stream.registered(2); // the log-in's watch (websocket-session.ts) and the stream
    await owner.query(`UPDATE creators SET is_active = false WHERE email = $1`, [email]);
    expect((await stream.closed).code).toBe(4403);
  });
});
