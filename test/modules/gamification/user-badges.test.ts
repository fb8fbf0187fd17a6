// awardBadge and revokeBadge with the trigger-maintained awardedCount, and the userBadges list,
// over the real server.
import { useApiHarness, gid, uuidOf, expectValidation, expectNotFound, expectConflict } from '../../helpers/api';
import {
  AWARD_BADGE,
  REVOKE_BADGE,
  USER_BADGES,
  NODE,
  gamificationFixtures,
  gamificationRows,
  type TenantRows,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count } = api;
const { read, mutate } = api.withTokens;

const { badgeRow, gamificationState } = gamificationFixtures(api);
let A: TenantRows;
let retiredBadgeA: string;
beforeAll(async () => ({ A, retiredBadgeA } = await gamificationRows(api)));

describe('awardBadge and revokeBadge', () => {
  test('asCreatorA: awarding raises awardedCount by one; the same award again is a ConflictError', async () => {
    const badgeId = A.badges.get('On a Roll')!;
    const userId = A.users[10]!;
    await api.owner.query(`DELETE FROM user_badges WHERE badge_id = $1 AND user_id = $2`, [badgeId, userId]);
    const before = (await badgeRow(badgeId))!.awarded_count as number;

    const result = await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
      userId: gid('User', userId),
      badgeId: gid('Badge', badgeId),
      reason: '  Helped in the forum  ',
    });
    expect(result.__typename).toBe('AwardBadgeSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        criteriaMet: { manual: true, reason: 'Helped in the forum' },
        notified: false,
        user: { id: gid('User', userId) },
        badge: { id: gid('Badge', badgeId), awardedCount: before + 1 },
      }),
    );
    const stored = await sql(`SELECT * FROM user_badges WHERE badge_id = $1 AND user_id = $2`, [badgeId, userId]);
    expect(stored).toEqual([
      expect.objectContaining({
        id: uuidOf(result.data.id),
        creator_id: api.tenants.creatorA,
        criteria_met: { manual: true, reason: 'Helped in the forum' },
      }),
    ]);
    expect((await badgeRow(badgeId))!.awarded_count).toBe(before + 1);
    const node = await read(asCreatorA(), NODE, { id: gid('Badge', badgeId) });
    expect(node.node.awardedCount).toBe(before + 1);
    expect(node.node.awards.nodes.map((n: any) => n.id)).toContain(result.data.id);

    const again = await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
      userId: gid('User', userId),
      badgeId: gid('Badge', badgeId),
    });
    expectConflict(again);
    expect((await badgeRow(badgeId))!.awarded_count).toBe(before + 1);
    expect(await count(`user_badges WHERE badge_id = $1 AND user_id = $2`, [badgeId, userId])).toBe(1);
  });

  test('asCreatorA: awarding a retired badge is a ConflictError and writes nothing', async () => {
    const before = await gamificationState();
    const result = await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
      userId: gid('User', A.users[0]!),
      badgeId: gid('Badge', retiredBadgeA),
    });
    expectConflict(result);
    expect(await gamificationState()).toEqual(before);
  });

  test('asCreatorA: revoking lowers awardedCount by one and returns the removed award; revoking again is a NotFoundError', async () => {
    const badgeId = A.badges.get('Centurion')!;
    const userId = A.users[5]!;
    const awarded = await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
      userId: gid('User', userId),
      badgeId: gid('Badge', badgeId),
    });
    expect(awarded.__typename).toBe('AwardBadgeSuccess');
    const before = (await badgeRow(badgeId))!.awarded_count as number;

    const result = await mutate(asCreatorA(), REVOKE_BADGE, 'revokeBadge', {
      userId: gid('User', userId),
      badgeId: gid('Badge', badgeId),
    });
    expect(result).toEqual({ __typename: 'RevokeBadgeSuccess', data: awarded.data.id });
    expect(await count(`user_badges WHERE id = $1`, [uuidOf(awarded.data.id)])).toBe(0);
    expect((await badgeRow(badgeId))!.awarded_count).toBe(before - 1);

    const again = await mutate(asCreatorA(), REVOKE_BADGE, 'revokeBadge', {
      userId: gid('User', userId),
      badgeId: gid('Badge', badgeId),
    });
    expectNotFound(again);
    expect((await badgeRow(badgeId))!.awarded_count).toBe(before - 1);
  });

  test('asCreatorA: unknown user or badge is a NotFoundError; malformed ids and a long reason are ValidationErrors; nothing written', async () => {
    const before = await gamificationState();
    const ghost = '00000000-0000-4000-8000-000000000001';
    expectNotFound(
      await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
        userId: gid('User', ghost),
        badgeId: gid('Badge', A.badges.get('Centurion')!),
      }),
    );
    expectNotFound(
      await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
        userId: gid('User', A.users[0]!),
        badgeId: gid('Badge', ghost),
      }),
    );
    expectValidation(
      await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
        userId: 'nope',
        badgeId: gid('Badge', A.badges.get('Centurion')!),
      }),
      ['userId'],
    );
    expectValidation(
      await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
        userId: gid('User', A.users[0]!),
        badgeId: gid('User', A.users[0]!),
      }),
      ['badgeId'],
    );
    expectValidation(
      await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
        userId: gid('User', A.users[0]!),
        badgeId: gid('Badge', A.badges.get('Centurion')!),
        reason: 'r'.repeat(501),
      }),
      ['reason'],
    );
    expectValidation(
      await mutate(asCreatorA(), REVOKE_BADGE, 'revokeBadge', {
        userId: gid('Badge', A.users[0]!),
        badgeId: gid('Badge', A.badges.get('Centurion')!),
      }),
      ['userId'],
    );
    expect(await gamificationState()).toEqual(before);
  });

  test('asAnonymous: awardBadge and revokeBadge are UNAUTHENTICATED, nothing written', async () => {
    const before = await gamificationState();
    await expectUnauthenticated(AWARD_BADGE, {
      userId: gid('User', A.users[0]!),
      badgeId: gid('Badge', A.badges.get('Centurion')!),
    });
    await expectUnauthenticated(REVOKE_BADGE, {
      userId: gid('User', A.users[0]!),
      badgeId: gid('Badge', A.badges.get('Chatterbox')!),
    });
    expect(await gamificationState()).toEqual(before);
  });
});

// ------------------------------------------------------------------------------------------
// userBadges
// ------------------------------------------------------------------------------------------

describe('userBadges', () => {
  test("asCreatorA: lists A's awards newest first; totalCount equals the DB", async () => {
    const data = await read(asCreatorA(), USER_BADGES, { first: 100 });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM user_badges WHERE creator_id = $1 ORDER BY earned_at DESC, id`,
      [api.tenants.creatorA],
    );
    expect(data.userBadges.totalCount).toBe(expected.length);
    expect(data.userBadges.nodes.map((n: any) => n.id)).toEqual(
      expected.slice(0, 100).map((r) => gid('UserBadge', r.id)),
    );
  });

  test('asCreatorA: filters by user, by badge, by both and by earned time range', async () => {
    // A user holding more than one badge.
    const userId = (
      await sql<{ user_id: string }>(
        `SELECT user_id FROM user_badges WHERE creator_id = $1 GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1`,
        [api.tenants.creatorA],
      )
    )[0]!.user_id;
    const byUser = await read(asCreatorA(), USER_BADGES, { filter: { userId: gid('User', userId) }, first: 100 });
    const userRows = await sql<{ id: string }>(`SELECT id FROM user_badges WHERE user_id = $1`, [userId]);
    expect(byUser.userBadges.totalCount).toBe(userRows.length);
    expect(userRows.length).toBeGreaterThan(0);
    expect(byUser.userBadges.nodes.every((n: any) => n.user.id === gid('User', userId))).toBe(true);

    const badgeId = A.badges.get('First Steps')!;
    const byBadge = await read(asCreatorA(), USER_BADGES, { filter: { badgeId: gid('Badge', badgeId) }, first: 100 });
    expect(byBadge.userBadges.totalCount).toBe(await count(`user_badges WHERE badge_id = $1`, [badgeId]));
    expect(byBadge.userBadges.totalCount).toBeGreaterThan(0);
    expect(byBadge.userBadges.nodes.every((n: any) => n.badge.id === gid('Badge', badgeId))).toBe(true);

    const chatterbox = A.badges.get('Chatterbox')!;
    const both = await read(asCreatorA(), USER_BADGES, {
      filter: { userId: gid('User', userId), badgeId: gid('Badge', chatterbox) },
    });
    expect(both.userBadges.totalCount).toBe(
      await count(`user_badges WHERE user_id = $1 AND badge_id = $2`, [userId, chatterbox]),
    );

    const from = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 1 * 86_400_000).toISOString();
    const ranged = await read(asCreatorA(), USER_BADGES, { filter: { earned: { from, to } }, first: 100 });
    expect(ranged.userBadges.totalCount).toBe(
      await count(`user_badges WHERE creator_id = $1 AND earned_at >= $2 AND earned_at < $3`, [
        api.tenants.creatorA,
        from,
        to,
      ]),
    );
    for (const n of ranged.userBadges.nodes) {
      expect(new Date(n.earnedAt).getTime()).toBeGreaterThanOrEqual(new Date(from).getTime());
      expect(new Date(n.earnedAt).getTime()).toBeLessThan(new Date(to).getTime());
    }
  });

  test('asCreatorA: a filter id that is not a User/Badge id is a client error naming the filter field', async () => {
    const { body } = await api.server.gql(
      USER_BADGES,
      { filter: { userId: gid('Badge', A.users[0]!) } },
      { token: asCreatorA() },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body.errors![0])).toContain('filter.userId');
  });

  test("asCreatorB: sees only B's awards; filtering by A's user or badge finds nothing", async () => {
    const data = await read(asCreatorB(), USER_BADGES, { first: 100 });
    const bRows = await sql<{ id: string }>(`SELECT id FROM user_badges WHERE creator_id = $1`, [api.tenants.creatorB]);
    expect(data.userBadges.totalCount).toBe(bRows.length);
    expect(data.userBadges.nodes.map((n: any) => uuidOf(n.id)).sort()).toEqual(bRows.map((r) => r.id).sort());
    const byAUser = await read(asCreatorB(), USER_BADGES, { filter: { userId: gid('User', A.users[0]!) } });
    expect(byAUser.userBadges).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
    const byABadge = await read(asCreatorB(), USER_BADGES, {
      filter: { badgeId: gid('Badge', A.badges.get('First Steps')!) },
    });
    expect(byABadge.userBadges).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
  });
});
