// Rate limits from the plan, per tenant and per API key, for requests and for query cost;
// shared across instances through Redis; each burst is a security event; the tenant reads its
// current use through GraphQL.
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { callAsPartner } from '../helpers/partner';
import { describeWithRedis, startRedis, type RedisServer } from '../helpers/redis';
import { startTestServer, type TestServer } from '../helpers/server';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let db: TestDatabase;
let tenants: TwoTenants;

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
});
afterAll(async () => {
  await db?.drop();
});

async function withPlan<T>(creatorId: string, limits: { requests: number; cost: number }, fn: () => Promise<T>): Promise<T> {
  const owner = await connect(db.ownerUrl);
  const { rows } = await owner.query(`SELECT s.tier FROM subscriptions s WHERE s.creator_id = $1 AND s.status IN ('active','trialing','past_due')`, [creatorId]);
  const before = (await owner.query(`SELECT api_requests_per_minute AS r, cost_per_minute AS c FROM plan_limits WHERE tier = $1`, [rows[0].tier])).rows[0];
  await owner.query(`UPDATE plan_limits SET api_requests_per_minute = $2, cost_per_minute = $3 WHERE tier = $1`, [rows[0].tier, limits.requests, limits.cost]);
  try {
    return await fn();
  } finally {
    await owner.query(`UPDATE plan_limits SET api_requests_per_minute = $2, cost_per_minute = $3 WHERE tier = $1`, [rows[0].tier, before.r, before.c]);
    await owner.end();
  }
}

describe('one instance', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(db);
  });
  afterAll(async () => {
    await server?.stop();
  });

  test('asPartner: partner calls count against the tenant\'s rate (and the key\'s own), and a burst is one security event', async () => {
    // B is on starter: lower it for this test (limits are read when a tenant is first seen).
    await withPlan(tenants.creatorB, { requests: 4, cost: 1_000_000 }, async () => {
      const token = server.tokenFor(tenants.creatorB);
      const key = (await server.gql<Json>(`mutation { createApiKey(input: { name: "rl", scopes: [READ] }) { ... on CreateApiKeySuccess { data { secret apiKey { id } } } } }`, {}, { token })).body.data!.createApiKey.data;
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await callAsPartner(server.url, key.secret, 'PartnerPrograms')).status);
      // The createApiKey request counted for the tenant too: 3 partner calls fit, then 429.
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const refused = await callAsPartner(server.url, key.secret, 'PartnerPrograms');
      expect(refused.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const owner = await connect(db.ownerUrl);
      try {
        const events = await owner.query(`SELECT event_data FROM security_audit_logs WHERE creator_id = $1 AND event_type = 'rate_limit.exceeded'`, [tenants.creatorB]);
        expect(events.rows.length).toBe(1);
      } finally {
        await owner.end();
      }
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
        const usage = await fresh.gql<Json>(`{ rateLimitUsage { requestsLastMinute costLastMinute requestsPerMinute costPerMinute } }`, {}, { token });
        expect(usage.status).toBe(200);
        expect(usage.body.data!.rateLimitUsage).toEqual(expect.objectContaining({ requestsPerMinute: 1_000, costPerMinute: 2_000, requestsLastMinute: 2 }));
        expect(usage.body.data!.rateLimitUsage.costLastMinute).toBeGreaterThan(1_000);
        const second = await fresh.gql(costly, {}, { token });
        expect(second.status).toBe(429);
        expect(second.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
        // A refused request spends nothing: a cheap one still fits in what is left.
        expect((await fresh.gql(`{ me { email } }`, {}, { token })).status).toBe(200);
        const after = await fresh.gql<Json>(`{ rateLimitUsage { costLastMinute } }`, {}, { token });
        expect(after.body.data!.rateLimitUsage.costLastMinute).toBeLessThan(1_200);
      });
    } finally {
      await fresh.stop();
    }
  });
});

describeWithRedis('several instances sharing Redis', () => {
  let redis: RedisServer;
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    redis = await startRedis();
    one = await startTestServer(db, { REDIS_URL: redis.url });
    two = await startTestServer(db, { REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  test('asCreatorA: the per-minute rate counts requests to every instance', async () => {
    await withPlan(tenants.creatorA, { requests: 6, cost: 1_000_000 }, async () => {
      const token = one.tokenFor(tenants.creatorA);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await (i % 2 === 0 ? one : two).gql(`{ me { email } }`, {}, { token })).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(6);
      expect(statuses.slice(6)).toEqual([429, 429]);
    });
  });
});
