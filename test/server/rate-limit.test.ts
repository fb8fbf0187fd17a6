// Rate limits from the plan, per tenant and per API key, for requests and for query cost;
// shared across instances through Redis; each burst is a security event; the tenant reads its
// current use through GraphQL. Check and add are one atomic step (a concurrent burst gets
// exactly the limit through, in memory and in Redis), and each root field of an operation is a
// request (aliased mutations count one each), over HTTP and WebSocket alike.
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { createLogger } from '../../src/logger';
import { MemoryRateStore, RedisRateStore, type RateStore } from '../../src/server/rate-limit';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { callAsPartner } from '../helpers/partner';
import { describeWithRedis, startRedis, type RedisServer } from '../helpers/redis';
import { startTestServer, type TestServer } from '../helpers/server';

type Json = Record<string, any>;
let db: TestDatabase;
let tenants: TwoTenants;

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
});
afterAll(async () => {
  await db?.drop();
});

async function withPlan<T>(
  creatorId: string,
  limits: { requests: number; cost: number },
  fn: () => Promise<T>,
): Promise<T> {
  const owner = await connect(db.ownerUrl);
  const { rows } = await owner.query(
    `SELECT s.tier FROM subscriptions s WHERE s.creator_id = $1 AND s.status IN ('active','trialing','past_due')`,
    [creatorId],
  );
  const before = (
    await owner.query(`SELECT api_requests_per_minute AS r, cost_per_minute AS c FROM plan_limits WHERE tier = $1`, [
      rows[0].tier,
    ])
  ).rows[0];
  await owner.query(`UPDATE plan_limits SET api_requests_per_minute = $2, cost_per_minute = $3 WHERE tier = $1`, [
    rows[0].tier,
    limits.requests,
    limits.cost,
  ]);
  try {
    return await fn();
  } finally {
    await owner.query(`UPDATE plan_limits SET api_requests_per_minute = $2, cost_per_minute = $3 WHERE tier = $1`, [
      rows[0].tier,
      before.r,
      before.c,
    ]);
    await owner.end();
  }
}

type Answer = { status: number; body: { data?: Json | null; errors?: { message: string; extensions?: Json }[] } };

/**
 * The rates count in sliding minutes: a burst that straddles the turn of a minute can fit a
 * little more as the old minute slides out. Start bursts early in a minute (waits at most
 * 20 s; nothing is asserted on time).
 */
// A test that waits for the start of a minute (below) may wait 40 s before it starts.
jest.setTimeout(120_000);

async function earlyInAMinute() {
  const into = Date.now() % 60_000;
  if (into > 40_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
}

/**
 * A burst whose requests all reach the rate check at the same moment: the plan's limits are
 * read once per instance, and while plan_limits is locked every request of the burst waits for
 * that read. Released together, they check and add all at once: with a check that reads and
 * then adds, every one of them sees room.
 */
async function releasedTogether(lookups: number, send: () => Promise<Answer>[]): Promise<Answer[]> {
  const locker = await connect(db.ownerUrl);
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE plan_limits IN ACCESS EXCLUSIVE MODE');
    const pending = send();
    // Each instance's read is blocked on the lock; then the rest of the burst queues behind it
    // (a second, well within the statement timeout; not an assertion).
    for (let i = 0; i < 300; i++) {
      const { rows } = await locker.query(
        `SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND relation = 'plan_limits'::regclass`,
      );
      if (rows[0].n >= lookups) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    await locker.query('COMMIT');
    return await Promise.all(pending);
  } finally {
    await locker.end();
  }
}

const passed = (answers: Answer[]) => answers.filter((a) => a.status === 200 && !a.body.errors).length;
function expectRateRefusals(answers: Answer[], count: number, limit: number) {
  const refused = answers.filter((a) => a.status === 429);
  expect(refused).toHaveLength(count);
  for (const r of refused) {
    expect(r.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(r.body.errors![0]!.message).toContain(`allows ${limit} requests a minute`);
  }
}

/** `n` aliased updateMe mutations, each setting first_name to `name`. */
const aliasedUpdates = (n: number, name: string) =>
  `mutation { ${Array.from({ length: n }, (_, i) => `u${i}: updateMe(input: { firstName: "${name}" }) { __typename }`).join(' ')} }`;

async function firstNameOf(creatorId: string): Promise<string | null> {
  const owner = await connect(db.ownerUrl);
  try {
    return (await owner.query(`SELECT first_name FROM creators WHERE id = $1`, [creatorId])).rows[0].first_name;
  } finally {
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
      const owner = await connect(db.ownerUrl);
      try {
        const events = await owner.query(
          `SELECT event_data FROM security_audit_logs WHERE creator_id = $1 AND event_type = 'rate_limit.exceeded'`,
          [tenants.creatorB],
        );
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
      const owner = await connect(db.ownerUrl);
      await owner.query(`UPDATE creators SET first_name = 'Ada' WHERE id = $1`, [tenants.creatorA]);
      await owner.end();
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
      const owner = await connect(db.ownerUrl);
      await owner.query(`UPDATE creators SET first_name = 'Grace' WHERE id = $1`, [tenants.creatorB]);
      await owner.end();
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
      for (let i = 0; i < 8; i++)
        statuses.push((await (i % 2 === 0 ? one : two).gql(`{ me { email } }`, {}, { token })).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(6);
      expect(statuses.slice(6)).toEqual([429, 429]);
    });
  });

  test('asCreatorB: 60 concurrent requests to two instances against a plan of 20 a minute: exactly 20 pass (one Lua script checks and adds)', async () => {
    await earlyInAMinute();
    await withPlan(tenants.creatorB, { requests: 20, cost: 1_000_000 }, async () => {
      const token = one.tokenFor(tenants.creatorB);
      const answers = await releasedTogether(2, () =>
        Array.from(
          { length: 60 },
          (_, i) => (i % 2 === 0 ? one : two).gql<Json>(`{ __typename }`, {}, { token }) as Promise<Answer>,
        ),
      );
      expect(passed(answers)).toBe(20);
      expectRateRefusals(answers, 40, 20);
    });
  });

  test('the Redis store: with several keys, one over its limit refuses the take and adds to none', async () => {
    const store = new RedisRateStore(redis.url, createLogger('silent'));
    const direct = new Redis(redis.url);
    try {
      await expectTakesAllOrNothing(
        store,
        async (key) =>
          Number((await direct.get(`creatorgraph:rl:${key}:60000:${Math.floor(Date.now() / 60_000)}`)) ?? 0),
        async () => {
          // Until the store's connection is up it counts in memory: wait for a take to reach Redis.
          for (let i = 0; i < 200; i++) {
            await store.take([{ key: 'probe', amount: 1, limit: 1e9, windowMs: 60_000 }], Date.now());
            if (Number(await direct.get(`creatorgraph:rl:probe:60000:${Math.floor(Date.now() / 60_000)}`)) > 0) return;
            await new Promise((r) => setTimeout(r, 25));
          }
          throw new Error('the store never reached Redis');
        },
      );
    } finally {
      direct.disconnect();
      await store.close();
    }
  });
});

describe('the memory store', () => {
  test('with several keys, one over its limit refuses the take and adds to none', async () => {
    const store = new MemoryRateStore();
    await expectTakesAllOrNothing(store, async (key) => (await store.peek(key, 60_000, Date.now())).current);
  });
});

async function expectTakesAllOrNothing(
  store: RateStore,
  countOf: (key: string) => Promise<number>,
  ready: () => Promise<void> = async () => {},
) {
  await earlyInAMinute();
  await ready();
  const [tenant, apiKey] = [`requests:tenant:${crypto.randomUUID()}`, `requests:key:${crypto.randomUUID()}`];
  const both = (amount: number, keyLimit: number) => [
    { key: tenant, amount, limit: 10, windowMs: 60_000 },
    { key: apiKey, amount, limit: keyLimit, windowMs: 60_000 },
  ];
  expect(await store.take(both(3, 10), Date.now())).toBeUndefined();
  expect([await countOf(tenant), await countOf(apiKey)]).toEqual([3, 3]);
  // The key's limit refuses: the tenant's count, which had room, is not added to either.
  expect(await store.take(both(2, 4), Date.now())).toEqual({ index: 1, current: 3, previous: 0 });
  expect([await countOf(tenant), await countOf(apiKey)]).toEqual([3, 3]);
  // The tenant's limit: 3 + 7 fits exactly, one more does not (and is not added to the key's).
  expect(await store.take(both(7, 100), Date.now())).toBeUndefined();
  expect(await store.take(both(1, 100), Date.now())).toEqual({ index: 0, current: 10, previous: 0 });
  expect([await countOf(tenant), await countOf(apiKey)]).toEqual([10, 10]);
}

test('anonymous: past 200,000 keys the memory store sweeps each key by its own window, so an hour counter outlives a flood of minute keys', async () => {
  const store = new MemoryRateStore();
  const now = Date.now();
  const hour = { key: 'signup:source:203.0.113.1', amount: 1, limit: 3, windowMs: 3_600_000 };
  for (let i = 0; i < 3; i++) expect(await store.take([hour], now)).toBeUndefined();
  // A flood of sources, each a minute key, two minutes later.
  const later = now + 120_000;
  for (let i = 0; i < 210_000; i++)
    await store.take([{ key: `auth:source:10.${i}`, amount: 1, limit: 30, windowMs: 60_000 }], later);
  expect(await store.take([hour], later)).toMatchObject({ index: 0 });
});
