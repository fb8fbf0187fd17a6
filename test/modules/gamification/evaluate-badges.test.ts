// evaluateBadges (on demand) over the real server: streaks in the user's time zone, retired
// badges, and creator B cannot evaluate or earn anything of creator A's.
import { useApiHarness, type Json } from '../../helpers/api';
import { connect } from '../../helpers/fixtures';
import { EVALUATE, RECORD, criteriaFixtures } from './criteria-fixtures';

const api = useApiHarness({ checkCountersAfterEach: true, env: { JOBS_ENABLED: 'true' } });
const { mutate, sql, count } = api;

const { badge, freshUser, evaluationsSettled, awardsOf, awardedCount } = criteriaFixtures(api);

describe('evaluateBadges (on demand)', () => {
  test("asCreatorA: a streak of consecutive days in the user's time zone", async () => {
    const rule = await badge('asCreatorA', { type: 'streak', days: 3 });
    const user = await freshUser('asCreatorA', 'Pacific/Auckland');
    // Written straight to the table, as an import would, with the trigger off, so that only
    // evaluateBadges looks. Three UTC days in a row, but in Auckland (UTC+13 in November) the
    // local days are the 2nd, 3rd and 3rd: a streak of 2.
    const owner = await connect(api.db.ownerUrl);
    const insert = async (...times: string[]) => {
      await owner.query(`ALTER TABLE user_interactions DISABLE TRIGGER evaluate_badges`);
      for (const at of times)
        await owner.query(
          `INSERT INTO user_interactions (creator_id, user_id, interaction_type, created_at) VALUES ($1, $2, 'checked_in', $3)`,
          [api.tenants.creatorA, user.uuid, at],
        );
      await owner.query(`ALTER TABLE user_interactions ENABLE TRIGGER evaluate_badges`);
    };
    try {
      await insert('2026-11-01T11:30:00Z', '2026-11-02T11:30:00Z', '2026-11-03T10:30:00Z');
      expect(
        (await mutate('asCreatorA', EVALUATE, 'evaluateBadges', { userId: user.id })).data.map((a: Json) => a.badge.id),
      ).not.toContain(rule.id);
      // 00:30 on the 4th in Auckland makes three local days in a row.
      await insert('2026-11-03T11:30:00Z');
    } finally {
      await owner.end();
    }
    expect(await awardsOf(rule.uuid)).toHaveLength(0);
    const awarded = await mutate('asCreatorA', EVALUATE, 'evaluateBadges', { userId: user.id });
    expect(awarded.__typename).toBe('EvaluateBadgesSuccess');
    expect(awarded.data.map((a: Json) => a.badge.id)).toContain(rule.id);
    expect(awarded.data.find((a: Json) => a.badge.id === rule.id).criteriaMet.rule).toEqual({
      type: 'streak',
      days: 3,
      actual: 3,
    });
    // Again: nothing new.
    expect((await mutate('asCreatorA', EVALUATE, 'evaluateBadges', { userId: user.id })).data).toEqual([]);
    expect(await awardedCount(rule.uuid)).toBe(1);
  });

  test("asCreatorB cannot evaluate creator A's user, and A's rules never award B's users", async () => {
    const rule = await badge('asCreatorA', { type: 'interactions', interactionType: 'cross_check', count: 1 });
    const aUser = await freshUser('asCreatorA');
    const before = await count('user_badges');
    const refused = await mutate('asCreatorB', EVALUATE, 'evaluateBadges', { userId: aUser.id });
    expect(refused.code).toBe('NOT_FOUND');
    expect(await count('user_badges')).toBe(before);
    const bUser = await freshUser('asCreatorB');
    await mutate('asCreatorB', RECORD, 'recordInteraction', {
      input: { userId: bUser.id, interactionType: 'cross_check' },
    });
    await evaluationsSettled();
    expect(await awardsOf(rule.uuid)).toEqual([]);
  });

  test('asCreatorA: a user whose time zone the database does not know still writes; streaks count in UTC', async () => {
    await badge('asCreatorA', { type: 'streak', days: 2 });
    const user = await freshUser();
    await sql(`UPDATE users SET timezone = 'Mars/Olympus_Mons' WHERE id = $1`, [user.uuid]);
    const result = await mutate('asCreatorA', RECORD, 'recordInteraction', {
      input: { userId: user.id, interactionType: 'landed' },
    });
    expect(result.__typename).toBe('RecordInteractionSuccess');
  });

  test('asCreatorA: a retired badge is not awarded', async () => {
    const rule = await badge('asCreatorA', { type: 'interactions', interactionType: 'retired_check', count: 1 });
    await sql(`UPDATE badges SET is_active = false WHERE id = $1`, [rule.uuid]);
    const user = await freshUser();
    await mutate('asCreatorA', RECORD, 'recordInteraction', {
      input: { userId: user.id, interactionType: 'retired_check' },
    });
    await evaluationsSettled();
    expect(await awardsOf(rule.uuid)).toEqual([]);
  });
});
