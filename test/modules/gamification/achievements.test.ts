// The achievements list, grantAchievement / deleteAchievement and User.pointsTotal over the real
// server: the answer and what is really stored.
import { useApiHarness, gid, uuidOf, expectValidation, expectNotFound } from '../../helpers/api';
import { GRANT, DELETE_ACHIEVEMENT, NODE, gamificationFixtures, gamificationRows, type TenantRows } from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count } = api;
const { read, mutate } = api.withTokens;

const { allAchievements } = gamificationFixtures(api);
let A: TenantRows;
beforeAll(async () => ({ A } = await gamificationRows(api)));

describe('achievements', () => {
  test('asCreatorA: by achievementType, every row of that type and no other, newest first', async () => {
    const { nodes, totalCount } = await allAchievements(asCreatorA(), { achievementType: 'streak' });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM achievements WHERE creator_id = $1 AND achievement_type = 'streak' ORDER BY earned_at DESC, id`,
      [api.tenants.creatorA],
    );
    expect(totalCount).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(0);
    expect(nodes.map((n) => n.id)).toEqual(expected.map((r) => gid('Achievement', r.id)));
    expect(nodes.every((n) => n.achievementType === 'streak')).toBe(true);
  });

  test('asCreatorA: by earned date range [from, to), and by user and program', async () => {
    const from = new Date(Date.now() - 6 * 86_400_000).toISOString();
    const to = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const { nodes, totalCount } = await allAchievements(asCreatorA(), { earned: { from, to } });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM achievements WHERE creator_id = $1 AND earned_at >= $2 AND earned_at < $3`,
      [api.tenants.creatorA, from, to],
    );
    expect(totalCount).toBe(expected.length);
    expect(nodes.map((n) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
    for (const n of nodes) {
      expect(Date.parse(n.earnedAt)).toBeGreaterThanOrEqual(Date.parse(from));
      expect(Date.parse(n.earnedAt)).toBeLessThan(Date.parse(to));
    }

    const typeAndRange = await allAchievements(asCreatorA(), {
      achievementType: 'first_message',
      earned: { from, to },
    });
    expect(typeAndRange.totalCount).toBe(
      await count(
        `achievements WHERE creator_id = $1 AND achievement_type = 'first_message' AND earned_at >= $2 AND earned_at < $3`,
        [api.tenants.creatorA, from, to],
      ),
    );

    const userId = A.users[0]!;
    const byUser = await allAchievements(asCreatorA(), { userId: gid('User', userId) });
    expect(byUser.totalCount).toBe(await count(`achievements WHERE user_id = $1`, [userId]));
    expect(byUser.nodes.every((n) => n.user.id === gid('User', userId))).toBe(true);

    const programId = A.programs[0]!;
    const byProgram = await allAchievements(asCreatorA(), { programId: gid('Program', programId) });
    expect(byProgram.totalCount).toBe(await count(`achievements WHERE program_id = $1`, [programId]));
    expect(byProgram.nodes.every((n) => n.program?.id === gid('Program', programId))).toBe(true);
  });

  test("asCreatorB: never lists A's achievements, even filtered by A's user or program", async () => {
    const { nodes, totalCount } = await allAchievements(asCreatorB());
    const bRows = await sql<{ id: string }>(`SELECT id FROM achievements WHERE creator_id = $1`, [
      api.tenants.creatorB,
    ]);
    expect(totalCount).toBe(bRows.length);
    expect(nodes.map((n) => uuidOf(n.id)).sort()).toEqual(bRows.map((r) => r.id).sort());
    expect((await allAchievements(asCreatorB(), { userId: gid('User', A.users[0]!) })).totalCount).toBe(0);
    expect((await allAchievements(asCreatorB(), { programId: gid('Program', A.programs[0]!) })).totalCount).toBe(0);
  });
});

describe('grantAchievement', () => {
  test("asCreatorA: stores the achievement; the user's pointsTotal goes up by its points and equals the DB sum", async () => {
    const userId = A.users[3]!;
    const programId = A.programs[0]!;
    const sum = async () =>
      Number(
        (
          await sql<{ s: string }>(`SELECT coalesce(sum(points), 0)::text AS s FROM achievements WHERE user_id = $1`, [
            userId,
          ])
        )[0]!.s,
      );
    const before = await sum();
    const result = await mutate(asCreatorA(), GRANT, 'grantAchievement', {
      input: {
        userId: gid('User', userId),
        achievementType: 'quiz.perfect_score',
        points: 250,
        programId: gid('Program', programId),
        achievementData: { quiz: 'week-1' },
      },
    });
    expect(result.__typename).toBe('GrantAchievementSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        achievementType: 'quiz.perfect_score',
        points: 250,
        achievementData: { quiz: 'week-1' },
        program: { id: gid('Program', programId) },
        user: { id: gid('User', userId), pointsTotal: String(before + 250) },
      }),
    );
    expect(await sql(`SELECT * FROM achievements WHERE id = $1`, [uuidOf(result.data.id)])).toEqual([
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        user_id: userId,
        program_id: programId,
        achievement_type: 'quiz.perfect_score',
        points: 250,
        achievement_data: { quiz: 'week-1' },
      }),
    ]);
    expect(await sum()).toBe(before + 250);
    const node = await read(asCreatorA(), NODE, { id: gid('User', userId) });
    expect(node.node.pointsTotal).toBe(String(before + 250));

    // Zero points and no program are fine.
    const zero = await mutate(asCreatorA(), GRANT, 'grantAchievement', {
      input: { userId: gid('User', userId), achievementType: 'welcome', points: 0 },
    });
    expect(zero.__typename).toBe('GrantAchievementSuccess');
    expect(zero.data).toEqual(expect.objectContaining({ points: 0, program: null, achievementData: {} }));
  });

  test('asCreatorA: negative points is a ValidationError naming input.points; nothing written', async () => {
    const before = await count(`achievements`);
    const result = await mutate(asCreatorA(), GRANT, 'grantAchievement', {
      input: { userId: gid('User', A.users[0]!), achievementType: 'cheat', points: -5 },
    });
    expectValidation(result, ['input.points']);
    expect(await count(`achievements`)).toBe(before);
  });

  test('asCreatorA: every bad field at once (type not snake_case, points too high) is one ValidationError; nothing written', async () => {
    const before = await count(`achievements`);
    const result = await mutate(asCreatorA(), GRANT, 'grantAchievement', {
      input: { userId: gid('User', A.users[0]!), achievementType: 'Not Snake', points: 2_000_000 },
    });
    expectValidation(result, ['input.achievementType', 'input.points']);
    expectValidation(
      await mutate(asCreatorA(), GRANT, 'grantAchievement', {
        input: { userId: 'garbage', achievementType: 'ok', points: 1 },
      }),
      ['input.userId'],
    );
    expectValidation(
      await mutate(asCreatorA(), GRANT, 'grantAchievement', {
        input: {
          userId: gid('User', A.users[0]!),
          achievementType: 'ok',
          points: 1,
          programId: gid('Badge', A.programs[0]!),
        },
      }),
      ['input.programId'],
    );
    expect(await count(`achievements`)).toBe(before);
  });

  test('asCreatorA: deleteAchievement removes it and pointsTotal drops; a second delete is a NotFoundError', async () => {
    const userId = A.users[7]!;
    const granted = await mutate(asCreatorA(), GRANT, 'grantAchievement', {
      input: { userId: gid('User', userId), achievementType: 'temporary', points: 40 },
    });
    const withIt = BigInt(granted.data.user.pointsTotal as string);
    const result = await mutate(asCreatorA(), DELETE_ACHIEVEMENT, 'deleteAchievement', { id: granted.data.id });
    expect(result).toEqual({ __typename: 'DeleteAchievementSuccess', data: granted.data.id });
    expect(await count(`achievements WHERE id = $1`, [uuidOf(granted.data.id)])).toBe(0);
    expect((await read(asCreatorA(), NODE, { id: gid('User', userId) })).node.pointsTotal).toBe(String(withIt - 40n));
    expectNotFound(await mutate(asCreatorA(), DELETE_ACHIEVEMENT, 'deleteAchievement', { id: granted.data.id }));
  });

  test('asAnonymous: UNAUTHENTICATED, nothing written', async () => {
    const before = await count(`achievements`);
    await expectUnauthenticated(GRANT, {
      input: { userId: gid('User', A.users[0]!), achievementType: 'anon', points: 1 },
    });
    expect(await count(`achievements`)).toBe(before);
  });
});

describe('User.pointsTotal', () => {
  test("asCreatorA: for every user, equals the sum of their achievements' points in the DB", async () => {
    const data = await read(asCreatorA(), `{ users(first: 100) { totalCount nodes { id pointsTotal } } }`);
    const sums = await sql<{ id: string; s: string }>(
      `SELECT u.id, coalesce((SELECT sum(points) FROM achievements a WHERE a.user_id = u.id), 0)::text AS s FROM users u WHERE u.creator_id = $1`,
      [api.tenants.creatorA],
    );
    expect(data.users.totalCount).toBe(sums.length);
    const expected = Object.fromEntries(sums.map((r) => [gid('User', r.id), r.s]));
    expect(Object.fromEntries(data.users.nodes.map((n: any) => [n.id, n.pointsTotal]))).toEqual(expected);
    // Not trivially zero: seeded achievements are worth points.
    expect(Object.values(expected).some((s) => BigInt(s) > 0n)).toBe(true);
  });
});
