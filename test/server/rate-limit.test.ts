// Rate limits from the plan, per tenant and per API key, for requests and for query cost, on one
// instance: each burst is a security event; the tenant reads its current use through GraphQL. Check
// and add are one atomic step (a concurrent burst gets exactly the limit through), and each root
// field of an operation is a request (aliased mutations count one each), over HTTP and WebSocket
// alike.
import type { TestDatabase } from '../helpers/database';
import type { TwoTenants } from '../helpers/fixtures';
import { callAsPartner } from '../helpers/partner';
import { startTestServer, type TestServer } from '../helpers/server';
import { useDatabase, useServer } from '../helpers/harness';
import type { Json } from '../helpers/api';
import {
  type Answer,
  earlyInAMinute,
  passed,
  expectRateRefusals,
  aliasedUpdates,
  rateLimitFixtures,
} from './rate-limit-fixtures';

// A test that waits for the start of a minute (fixtures) may wait 40 s before it starts.
jest.setTimeout(120_000);

const database = useDatabase();

const { withPlan, releasedTogether, firstNameOf } = rateLimitFixtures(database);
let db: TestDatabase;
let tenants: TwoTenants;
beforeAll(() => ({ db, tenants } = database));

describe('one instance', () => {
  const api = useServer(database);
  let server: TestServer;
  beforeAll(() => ({ server } = api));

  test("asPartner: partner calls count against the tenant's rate (and the key's own), and a burst is one security event", async () => {
    // B is on starter: lower it for this test (limits are read when a tenant is first seen).
    await withPlan(tenants.creatorB, { requests: 4, cost: 1_000_000 }, async () => {
      const token = server.tokenFor(tenants.creatorB);
      const key = (
        await server.gql<Json>(
          `mutation { createApiKey(input: { name: "rl", scopes: [READ] }) { ... on CreateApiKeySuccess { data { secret apiKey { id } } } } }`,
          {},
          { token },
        )
      ).body.data!.createApiKey.data;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await callAsPartner(server.url, key.secret, 'PartnerPrograms')).status);
      // The createApiKey request counted for the tenant too: 3 partner calls fit, then 429.
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = await callAsPartner(server.url, key.secret, 'PartnerPrograms');
      expect(refused.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const events = await database.owner.query(
        `SELECT event_data FROM security_audit_logs WHERE creator_id = $1 AND event_type = 'rate_limit.exceeded'`,
        [tenants.creatorB],
      );
      expect(events.rows.length).toBe(1);
      // Creator A is not affected.
      expect((await server.gql(`{ me { email } }`, {}, { token: server.tokenFor(tenants.creatorA) })).status).toBe(200);
    });
  });

  test('asCreatorA: the query cost per minute is a budget too, and rateLimitUsage shows the use', async () => {
    const fresh = await startTestServer(db);
    try {
      await withPlan(tenants.creatorA, { requests: 1_000, cost: 2_000 }, async () => {
        const token = fresh.tokenFor(tenants.creatorA);
        // 1,101 cost units each: 50 users x (1 + 10 enrollments x their program).
        const costly = `{ users(first: 50) { nodes { enrollments(first: 10) { nodes { id program { id } } } } } }`;
        expect((await fresh.gql(costly, {}, { token })).status).toBe(200);
        const usage = await fresh.gql<Json>(
          `{ rateLimitUsage { requestsLastMinute costLastMinute requestsPerMinute costPerMinute } }`,
          {},
          { token },
        );
        expect(usage.status).toBe(200);
        expect(usage.body.data!.rateLimitUsage).toEqual(
          expect.objectContaining({ requestsPerMinute: 1_000, costPerMinute: 2_000, requestsLastMinute: 2 }),
        );
        expect(usage.body.data!.rateLimitUsage.costLastMinute).toBeGreaterThan(1_000);
        const second = await fresh.gql(costly, {}, { token });
        expect(second.status).toBe(429);
        expect(second.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
        // A refused request spends nothing: a cheap one still fits in what is left.
        expect((await fresh.gql(`{ me { email } }`, {}, { token })).status).toBe(200);
        const after = await fresh.gql<Json>(`{ rateLimitUsage { costLastMinute requestsLastMinute } }`, {}, { token });
        expect(after.body.data!.rateLimitUsage.costLastMinute).toBeLessThan(1_200);
        // Nor does it count as a request: requests and cost are taken together or not at all
        // (the costly one, the usage read, { me } and this read).
        expect(after.body.data!.rateLimitUsage.requestsLastMinute).toBe(4);
      });
    } finally {
      await fresh.stop();
    }
  });
});

// Each test below starts its own server and stops it when done: a fresh instance's in-memory counts.
describe('atomic accounting, each operation counted (one instance, in memory)', () => {
  test('asCreatorA: 60 concurrent requests against a plan of 20 a minute: exactly 20 pass, 40 get 429, and creator B is not refused', async () => {
    // Before: the count was read, then added to, so concurrent requests all saw room.
    await earlyInAMinute();
    const fresh = await startTestServer(db);
    try {
      await withPlan(tenants.creatorA, { requests: 20, cost: 1_000_000 }, async () => {
        const token = fresh.tokenFor(tenants.creatorA);
        const answers = await releasedTogether(1, () =>
          Array.from({ length: 60 }, () => fresh.gql<Json>(`{ __typename }`, {}, { token }) as Promise<Answer>),
        );
        expect(passed(answers)).toBe(20);
        expectRateRefusals(answers, 40, 20);
        expect((await fresh.gql(`{ __typename }`, {}, { token: fresh.tokenFor(tenants.creatorB) })).status).toBe(200);
      });
    } finally {
      await fresh.stop();
    }
  });

  test('asCreatorA: aliased mutations count one request each: 12 in one request are refused whole, and nothing is written; 6 then 4 fill a plan of 10', async () => {
    const fresh = await startTestServer(db);
    try {
      await withPlan(tenants.creatorA, { requests: 10, cost: 1_000_000 }, async () => {
        const token = fresh.tokenFor(tenants.creatorA);
        const before = await firstNameOf(tenants.creatorA);
        const twelve = await fresh.gql(aliasedUpdates(12, 'Twelve'), {}, { token });
        expect(twelve.status).toBe(429);
        expect(twelve.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
        expect(await firstNameOf(tenants.creatorA)).toBe(before);

        expect((await fresh.gql(aliasedUpdates(6, 'Six'), {}, { token })).status).toBe(200);
        expect(await firstNameOf(tenants.creatorA)).toBe('Six');
        // The 6 and this query (1 root field, __typename aside): 7 of 10.
        const usage = await fresh.gql<Json>(`{ __typename rateLimitUsage { requestsLastMinute } }`, {}, { token });
        expect(usage.body.data!.rateLimitUsage.requestsLastMinute).toBe(7);
        const four = await fresh.gql(aliasedUpdates(4, 'Four'), {}, { token });
        expect(four.status).toBe(429);
        expect(await firstNameOf(tenants.creatorA)).toBe('Six');
        expect((await fresh.gql(aliasedUpdates(3, 'Three'), {}, { token })).status).toBe(200);
        expect(await firstNameOf(tenants.creatorA)).toBe('Three');
        expect((await fresh.gql(`{ me { email } }`, {}, { token })).status).toBe(429);
      });
    } finally {
      await database.owner.query(`UPDATE creators SET first_name = 'Ada' WHERE id = $1`, [tenants.creatorA]);
      await fresh.stop();
    }
  });

  test('asCreatorB: over a WebSocket too, aliased mutations count one request each', async () => {
    const { createClient } = await import('graphql-ws');
    const { default: WebSocket } = await import('ws');
    const fresh = await startTestServer(db);
    const token = fresh.tokenFor(tenants.creatorB);
    const client = createClient({
      url: fresh.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const run = (query: string) =>
      new Promise<Json>((resolve) => {
        let last: Json = {};
        client.subscribe(
          { query },
          { next: (v) => (last = { next: v }), error: (e) => resolve({ error: e }), complete: () => resolve(last) },
        );
      });
    try {
      await withPlan(tenants.creatorB, { requests: 10, cost: 1_000_000 }, async () => {
        const before = await firstNameOf(tenants.creatorB);
        expect(JSON.stringify(await run(aliasedUpdates(12, 'Twelve')))).toContain('RATE_LIMITED');
        expect(await firstNameOf(tenants.creatorB)).toBe(before);
        expect(JSON.stringify(await run(aliasedUpdates(8, 'Eight')))).not.toContain('RATE_LIMITED');
        expect(await firstNameOf(tenants.creatorB)).toBe('Eight');
        expect(JSON.stringify(await run(aliasedUpdates(3, 'Three')))).toContain('RATE_LIMITED');
        expect(await firstNameOf(tenants.creatorB)).toBe('Eight');
      });
    } finally {
      await client.dispose();
      await database.owner.query(`UPDATE creators SET first_name = 'Grace' WHERE id = $1`, [tenants.creatorB]);
      await fresh.stop();
    }
  });
});
