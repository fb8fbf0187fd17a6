// Rate limits shared across instances through Redis: every instance's requests count, and one Lua
// script checks and adds.
import Redis from 'ioredis';
import { createLogger } from '../../src/logger';
import { RedisRateStore } from '../../src/server/rate-limit';
import type { TwoTenants } from '../helpers/fixtures';
import { describeWithRedis, useTwoInstancesSharingRedis, type RedisServer } from '../helpers/redis';
import type { TestServer } from '../helpers/server';
import { useDatabase } from '../helpers/harness';
import type { Json } from '../helpers/api';
import {
  type Answer,
  earlyInAMinute,
  passed,
  expectRateRefusals,
  expectTakesAllOrNothing,
  rateLimitFixtures,
} from './rate-limit-fixtures';

// A test that waits for the start of a minute (fixtures) may wait 40 s before it starts.
jest.setTimeout(120_000);

const database = useDatabase();

const { withPlan, releasedTogether } = rateLimitFixtures(database);
let tenants: TwoTenants;
beforeAll(() => ({ tenants } = database));

describeWithRedis('several instances sharing Redis', () => {
  const shared = useTwoInstancesSharingRedis(database);
  let redis: RedisServer;
  let one: TestServer;
  let two: TestServer;
  beforeAll(() => ({ redis, one, two } = shared));

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
