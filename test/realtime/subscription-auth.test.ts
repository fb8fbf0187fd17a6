// Live subscriptions over WebSocket: a socket needs a valid credential and lives only as long as
// the log-in it came from; in production the socket refuses introspection as HTTP does.
import crypto from 'node:crypto';
import type pg from 'pg';
import type { TestDatabase } from '../helpers/database';
import type { TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import type { Json } from '../helpers/api';
import { type Stream, sleep, MESSAGES, subscriptionFixtures } from './subscription-fixtures';

jest.setTimeout(60_000);

const harness = useServer(useDatabase());

const { subscribe } = subscriptionFixtures(harness);
let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
beforeAll(() => ({ db, server, tenants, owner } = harness));

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
