// What the rate-limit test files share: a plan's limits set for the duration of a test, bursts
// released together, the refusal check, aliased mutations, and a store's all-or-nothing take.
import crypto from 'node:crypto';
import type { RateStore } from '../../src/server/rate-limit';
import { connect } from '../helpers/fixtures';
import type { Json } from '../helpers/api';
import type { DatabaseHarness } from '../helpers/harness';

export type Answer = {
  status: number;
  body: { data?: Json | null; errors?: { message: string; extensions?: Json }[] };
};

/**
 * The rates count in sliding minutes: a burst that straddles the turn of a minute can fit a
 * little more as the old minute slides out. Start bursts early in a minute (waits at most
 * 20 s; nothing is asserted on time).
 */

export async function earlyInAMinute() {
  const into = Date.now() % 60_000;
  if (into > 40_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
}
export const passed = (answers: Answer[]) => answers.filter((a) => a.status === 200 && !a.body.errors).length;
export function expectRateRefusals(answers: Answer[], count: number, limit: number) {
  const refused = answers.filter((a) => a.status === 429);
  expect(refused).toHaveLength(count);
  for (const r of refused) {
    expect(r.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(r.body.errors![0]!.message).toContain(`allows ${limit} requests a minute`);
  }
}

/** `n` aliased updateMe mutations, each setting first_name to `name`. */
export const aliasedUpdates = (n: number, name: string) =>
  `mutation { ${Array.from({ length: n }, (_, i) => `u${i}: updateMe(input: { firstName: "${name}" }) { __typename }`).join(' ')} }`;
export async function expectTakesAllOrNothing(
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

/** A plan's limits while `fn` runs, a burst released at once, and a creator's first name as stored. */
export function rateLimitFixtures(database: DatabaseHarness) {
  async function withPlan<T>(
    creatorId: string,
    limits: { requests: number; cost: number },
    fn: () => Promise<T>,
  ): Promise<T> {
    const owner = await connect(database.db.ownerUrl);
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
  /**
   * A burst whose requests all reach the rate check at the same moment: the plan's limits are
   * read once per instance, and while plan_limits is locked every request of the burst waits for
   * that read. Released together, they check and add all at once: with a check that reads and
   * then adds, every one of them sees room.
   */
  async function releasedTogether(lookups: number, send: () => Promise<Answer>[]): Promise<Answer[]> {
    const locker = await connect(database.db.ownerUrl);
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
  async function firstNameOf(creatorId: string): Promise<string | null> {
    const owner = await connect(database.db.ownerUrl);
    try {
      return (await owner.query(`SELECT first_name FROM creators WHERE id = $1`, [creatorId])).rows[0].first_name;
    } finally {
      await owner.end();
    }
  }
  return { withPlan, releasedTogether, firstNameOf };
}
