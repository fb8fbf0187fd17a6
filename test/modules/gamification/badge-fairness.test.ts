// Bounded badge evaluation over the real server, the real job queue and the real database:
//   - one evaluation has a budget (BADGE_EVALUATION_BUDGET_MS): evaluateBadges answers
//     REQUEST_TIMEOUT past it, never INTERNAL_SERVER_ERROR, and awards nothing;
//   - a write that rules count does not evaluate in its own transaction: it commits while an
//     evaluation could not run at all, and the job it queued awards once, later;
//   - the job runs as the tenant (row-level security): it cannot award one creator's badge to
//     another creator's user, and the application role cannot queue evaluations itself.
// Evaluations are held up deterministically by a lock the test takes (no timing assertions).
import pg from 'pg';
import { useApiHarness, ERRORS, type Json } from '../../helpers/api';
import { asTenant } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { evaluateBadgesQueued } from '../../../src/jobs/badges';
import { createLogger } from '../../../src/logger';
import { EVALUATE, RECORD, badgeFairnessFixtures } from './badge-fairness-fixtures';

// This file's harness server runs no jobs; `worker` (below) runs them with a generous budget.
const api = useApiHarness({
  checkCountersAfterEach: true,
  env: { STATEMENT_TIMEOUT_MS: '60000', BADGE_EVALUATION_BUDGET_MS: '300' },
});
const { mutate, sql, one, count } = api;

const { evaluationsSettled, pendingEvaluations, failedEvaluations, freshUser, badge, whileLocked } =
  badgeFairnessFixtures(api);

let worker: TestServer;
beforeAll(async () => {
  worker = await startTestServer(api.db, {
    JOBS_ENABLED: 'true',
    STATEMENT_TIMEOUT_MS: '60000',
    BADGE_EVALUATION_BUDGET_MS: '60000',
    RATE_LIMITS: 'off',
    DATABASE_POOL_MAX: '8',
  });
}, 120_000);
afterAll(async () => {
  await worker?.stop();
});
describe('one evaluation has a budget (BADGE_EVALUATION_BUDGET_MS)', () => {
  test('asCreatorA: evaluateBadges past its budget answers REQUEST_TIMEOUT naming the setting, never INTERNAL_SERVER_ERROR, and awards nothing', async () => {
    const user = await freshUser('asCreatorA');
    await badge('asCreatorA', { type: 'interactions', interactionType: 'budget_check', count: 1 });
    await sql(`INSERT INTO user_interactions (creator_id, user_id, interaction_type) VALUES ($1, $2, 'budget_check')`, [
      api.tenants.creatorA,
      user.uuid,
    ]);
    await evaluationsSettled();
    await sql(`DELETE FROM user_badges WHERE user_id = $1`, [user.uuid]);
    const before = await count('user_badges');

    // While the badges cannot be read, the evaluation cannot finish: only its budget (300 ms
    // here, with a statement timeout of 60 s) ends it. The lock is held until the answer comes.
    const response = await whileLocked('badges', 'ACCESS EXCLUSIVE', () =>
      api.server.gql(EVALUATE, { userId: user.id }, { token: api.server.tokenFor(api.tenants.creatorA) }),
    );
    expect(response.status).toBe(200);
    // The field is not nullable: no data at all, one typed error.
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        path: ['evaluateBadges'],
        message: expect.stringContaining('300 ms'),
        extensions: expect.objectContaining({
          code: 'REQUEST_TIMEOUT',
          setting: 'BADGE_EVALUATION_BUDGET_MS',
          budgetMs: 300,
        }),
      }),
    ]);
    expect(await count('user_badges')).toBe(before);

    // Unblocked, the same evaluation fits its budget and awards.
    const awarded = await mutate('asCreatorA', EVALUATE, 'evaluateBadges', { userId: user.id });
    expect(awarded.__typename).toBe('EvaluateBadgesSuccess');
    expect(awarded.data).toHaveLength(1);
  });
});

describe('evaluation after a write runs in the job queue, not in the write', () => {
  test('asCreatorA: the evaluate_badges task past its budget awards nothing and completes (a retry would run past it again)', async () => {
    const user = await freshUser('asCreatorA');
    await badge('asCreatorA', { type: 'interactions', interactionType: 'job_budget', count: 1 });
    await sql(`INSERT INTO user_interactions (creator_id, user_id, interaction_type) VALUES ($1, $2, 'job_budget')`, [
      api.tenants.creatorA,
      user.uuid,
    ]);
    await evaluationsSettled();
    await sql(`DELETE FROM user_badges WHERE user_id = $1`, [user.uuid]);
    const log = createLogger('silent');
    const result = await whileLocked('badges', 'ACCESS EXCLUSIVE', () =>
      evaluateBadgesQueued(api.server.app.db.app, { creatorId: api.tenants.creatorA, userId: user.uuid }, 300, log),
    );
    expect(result).toEqual({ awarded: 0, skipped: 'over_budget' });
    expect(await count(`user_badges WHERE user_id = $1`, [user.uuid])).toBe(0);
    // Within its budget, the same job awards.
    expect(
      await evaluateBadgesQueued(
        api.server.app.db.app,
        { creatorId: api.tenants.creatorA, userId: user.uuid },
        60_000,
        log,
      ),
    ).toEqual({ awarded: 1 });
  });

  test('asCreatorA: 10 concurrent writes commit while no evaluation can award; the queued job then awards exactly once', async () => {
    const rule = await badge('asCreatorA', { type: 'interactions', interactionType: 'queued_check', count: 3 });
    const user = await freshUser('asCreatorA');
    await evaluationsSettled();

    // No award can be written while the lock is held: an evaluation inside the writes would hold
    // every one of them (and, after the statement timeout, fail them).
    await whileLocked('user_badges', 'EXCLUSIVE', async () => {
      const writes = await Promise.all(
        Array.from({ length: 10 }, () =>
          worker.gql(
            RECORD,
            { input: { userId: user.id, interactionType: 'queued_check' } },
            { token: worker.tokenFor(api.tenants.creatorA) },
          ),
        ),
      );
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- without it data's declared type has no recordInteraction
      expect(writes.map((w) => (w.body.data as Json | null | undefined)?.recordInteraction?.__typename)).toEqual(
        Array(10).fill('RecordInteractionSuccess'),
      );
      expect(
        await count(`user_interactions WHERE user_id = $1 AND interaction_type = 'queued_check'`, [user.uuid]),
      ).toBe(10);
      expect(await count(`user_badges WHERE badge_id = $1`, [rule.uuid])).toBe(0);
      // The writes queued at most one pending evaluation of the user (plus the one running).
      expect(await pendingEvaluations(`j.payload->>'userId' = $1`, [user.uuid])).toBeGreaterThanOrEqual(1);
      expect(await pendingEvaluations(`j.payload->>'userId' = $1`, [user.uuid])).toBeLessThanOrEqual(2);
    });

    await evaluationsSettled();
    const awards = await sql(`SELECT user_id, criteria_met FROM user_badges WHERE badge_id = $1`, [rule.uuid]);
    // Exactly one award, with evidence of at least 3 (a job may have counted before the last writes).
    expect(awards).toEqual([
      {
        user_id: user.uuid,
        criteria_met: {
          rule: { type: 'interactions', interactionType: 'queued_check', count: 3, actual: expect.any(Number) },
          evaluatedAt: expect.any(String),
        },
      },
    ]);
    expect(awards[0]!.criteria_met.rule.actual).toBeGreaterThanOrEqual(3);
    expect((await one(`SELECT awarded_count FROM badges WHERE id = $1`, [rule.uuid]))!.awarded_count).toBe(1);
    expect(await failedEvaluations()).toBe(0);
  });

  test('asCreatorB: a write no active rule of the creator counts queues nothing', async () => {
    // Creator B's points_total rules retired: an achievement changes none of its badges.
    await sql(
      `UPDATE badges SET is_active = false WHERE creator_id = $1 AND app.badge_rule_types(criteria) && '{points_total}'`,
      [api.tenants.creatorB],
    );
    const bUser = await freshUser('asCreatorB');
    await whileLocked('user_badges', 'EXCLUSIVE', async () => {
      const granted = await mutate(
        'asCreatorB',
        `mutation($input: GrantAchievementInput!) { grantAchievement(input: $input) { __typename ${ERRORS} } }`,
        'grantAchievement',
        {
          input: { userId: bUser.id, achievementType: 'quiet', points: 5 },
        },
      );
      expect(granted.__typename).toBe('GrantAchievementSuccess');
      expect(await pendingEvaluations(`j.payload->>'userId' = $1`, [bUser.uuid])).toBe(0);
    });
  });

  test("the job runs as the tenant: a job naming creator A and creator B's user awards nothing, and asCreatorB's own badges award only B's users", async () => {
    const aRule = await badge('asCreatorA', { type: 'interactions', interactionType: 'shared_name', count: 1 });
    const bRule = await badge('asCreatorB', { type: 'interactions', interactionType: 'shared_name', count: 1 });
    const bUser = await freshUser('asCreatorB');
    await sql(`INSERT INTO user_interactions (creator_id, user_id, interaction_type) VALUES ($1, $2, 'shared_name')`, [
      api.tenants.creatorB,
      bUser.uuid,
    ]);
    await evaluationsSettled();
    expect(
      (
        await sql(`SELECT badge_id FROM user_badges WHERE user_id = $1 AND badge_id IN ($2, $3)`, [
          bUser.uuid,
          aRule.uuid,
          bRule.uuid,
        ])
      ).map((r) => r.badge_id),
    ).toEqual([bRule.uuid]);

    // A forged job: creator A's tenant, creator B's user.
    await sql(
      `SELECT graphile_worker.add_job('evaluate_badges', json_build_object('creatorId', $1::text, 'userId', $2::text))`,
      [api.tenants.creatorA, bUser.uuid],
    );
    await evaluationsSettled();
    expect(await count(`user_badges WHERE user_id = $1 AND badge_id = $2`, [bUser.uuid, aRule.uuid])).toBe(0);
    expect(await failedEvaluations()).toBe(0);

    // Creator A sees none of it.
    const seen = await api.query(
      'asCreatorA',
      `query($f: UserBadgeFilter) { userBadges(first: 100, filter: $f) { totalCount } }`,
      { f: { badgeId: bRule.id } },
    );
    expect(seen.userBadges.totalCount).toBe(0);
  });

  test('the application role cannot queue an evaluation itself (only the triggers can)', async () => {
    const client = new pg.Client({ connectionString: api.db.appUrl });
    await client.connect();
    try {
      await asTenant(client, api.tenants.creatorA, async (c) => {
        await expect(
          c.query(`SELECT app.enqueue_badge_evaluation($1::uuid, $1::uuid, '{streak}')`, [api.tenants.creatorA]),
        ).rejects.toThrow(/permission denied/);
      });
      await asTenant(client, api.tenants.creatorA, async (c) => {
        await expect(c.query(`SELECT graphile_worker.add_job('evaluate_badges', '{}')`)).rejects.toThrow(
          /permission denied/,
        );
      });
    } finally {
      await client.end();
    }
  });
});
