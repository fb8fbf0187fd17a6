// Badges per creator are a plan quota (plan_limits.badges), held by the database whoever writes,
// exactly at the limit under concurrent creates.
import { useApiHarness } from '../../helpers/api';
import { CREATE_BADGE, badgeFairnessFixtures } from './badge-fairness-fixtures';

// This file's server runs no jobs (the badge-fairness tests run them on a worker of their own).
const api = useApiHarness({
  checkCountersAfterEach: true,
  env: { STATEMENT_TIMEOUT_MS: '60000', BADGE_EVALUATION_BUDGET_MS: '300' },
});
const { mutate, sql, one, count } = api;

const { badge, bOnFreePlan } = badgeFairnessFixtures(api);

describe('badges per creator (plan_limits.badges)', () => {
  test('asCreatorB on the free plan: the 26th badge is QUOTA_EXCEEDED naming the limit, and nothing is written; asCreatorA (pro) is not limited by it', async () => {
    const free = Number((await one(`SELECT badges FROM plan_limits WHERE tier = 'free'`))!.badges);
    expect(free).toBe(25);
    await bOnFreePlan(async () => {
      const have = await count(`badges WHERE creator_id = $1`, [api.tenants.creatorB]);
      for (let i = have; i < free; i++) await badge('asCreatorB', {});
      expect(await count(`badges WHERE creator_id = $1`, [api.tenants.creatorB])).toBe(free);

      const refused = await mutate('asCreatorB', CREATE_BADGE, 'createBadge', {
        input: { name: 'One too many', criteria: { type: 'streak', days: 2 } },
      });
      expect(refused).toEqual(
        expect.objectContaining({
          __typename: 'QuotaExceededError',
          code: 'QUOTA_EXCEEDED',
          limit: 'badges',
          max: free,
          used: free + 1,
        }),
      );
      expect(await count(`badges WHERE creator_id = $1`, [api.tenants.creatorB])).toBe(free);
      expect(await count(`badges WHERE name = 'One too many'`)).toBe(0);

      // Creator A's plan is its own.
      await badge('asCreatorA', {});

      // Whoever writes: the owner role, straight to the table.
      await expect(
        sql(`INSERT INTO badges (creator_id, name) VALUES ($1, 'psql badge')`, [api.tenants.creatorB]),
      ).rejects.toThrow(/QUOTA_EXCEEDED/);
      expect(await count(`badges WHERE creator_id = $1`, [api.tenants.creatorB])).toBe(free);
    });
  });

  test('asCreatorB on the free plan: 6 concurrent creates for the last slot; exactly one gets it', async () => {
    await bOnFreePlan(async () => {
      const free = Number((await one(`SELECT badges FROM plan_limits WHERE tier = 'free'`))!.badges);
      // Make room for exactly one.
      const extra = (await count(`badges WHERE creator_id = $1`, [api.tenants.creatorB])) - (free - 1);
      if (extra > 0)
        await sql(
          `DELETE FROM badges WHERE id IN (SELECT id FROM badges WHERE creator_id = $1 AND name LIKE 'Fair %' ORDER BY created_at DESC LIMIT $2)`,
          [api.tenants.creatorB, extra],
        );
      for (let i = await count(`badges WHERE creator_id = $1`, [api.tenants.creatorB]); i < free - 1; i++)
        await badge('asCreatorB', {});
      expect(await count(`badges WHERE creator_id = $1`, [api.tenants.creatorB])).toBe(free - 1);

      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          mutate('asCreatorB', CREATE_BADGE, 'createBadge', { input: { name: `Race ${i}` } }),
        ),
      );
      expect(results.map((r) => r.__typename).sort()).toEqual([
        'CreateBadgeSuccess',
        ...Array(5).fill('QuotaExceededError'),
      ]);
      expect(await count(`badges WHERE creator_id = $1`, [api.tenants.creatorB])).toBe(free);
    });
  });
});
