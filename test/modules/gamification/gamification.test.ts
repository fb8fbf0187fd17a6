// Gamification over the real server: badges (list, filter, create, update, delete), awarding and
// revoking badges with the trigger-maintained awardedCount, user badges, achievements and
// User.pointsTotal. Every write is checked against what is really stored (read through the
// owner role, which bypasses row-level security), and every domain is attacked from the other
// tenant: by id, by global id through node(), through nested relations and through each mutation.
import {
  useApiHarness,
  gid,
  uuidOf,
  expectValidation,
  expectNotFound,
  expectConflict,
  ERRORS,
} from '../../helpers/api';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count, rowOf, snapshot } = api;
const { read, mutate, readAll } = api.withTokens;

/** Seeded rows of each tenant, looked up once. */
interface TenantRows {
  badges: Map<string, string>;
  users: string[];
  programs: string[];
}
let A: TenantRows;
let B: TenantRows;
/** A's retired badge, inserted for the filter and award tests. */
let retiredBadgeA: string;

beforeAll(async () => {
  const rowsOf = async (creatorId: string): Promise<TenantRows> => {
    const badges = await api.owner.query<{ id: string; name: string }>(
      `SELECT id, name FROM badges WHERE creator_id = $1`,
      [creatorId],
    );
    const users = await api.owner.query<{ id: string }>(
      `SELECT id FROM users WHERE creator_id = $1 ORDER BY created_at, id`,
      [creatorId],
    );
    const programs = await api.owner.query<{ id: string }>(
      `SELECT id FROM programs WHERE creator_id = $1 ORDER BY created_at, id`,
      [creatorId],
    );
    return {
      badges: new Map(badges.rows.map((r) => [r.name, r.id])),
      users: users.rows.map((r) => r.id),
      programs: programs.rows.map((r) => r.id),
    };
  };
  A = await rowsOf(api.tenants.creatorA);
  B = await rowsOf(api.tenants.creatorB);
  const { rows } = await api.owner.query<{ id: string }>(
    `INSERT INTO badges (creator_id, name, description, is_active) VALUES ($1, 'Retired Relic', 'No longer awarded.', false) RETURNING id`,
    [api.tenants.creatorA],
  );
  retiredBadgeA = rows[0]!.id;
});

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const badgeRow = (id: string) => rowOf('badges', id);
/** Every row of the gamification tables, for "the database is unchanged" checks. */
const gamificationState = () => snapshot({ badges: 'badges', userBadges: 'user_badges', achievements: 'achievements' });

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

const BADGE_FIELDS = `id name description criteria design isActive awardedCount createdAt`;
const BADGES = /* GraphQL */ `query Badges($filter: BadgeFilter, $first: Int, $after: String) {
  badges(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ${BADGE_FIELDS} } }
    nodes { id }
  }
}`;
const CREATE_BADGE = /* GraphQL */ `mutation CreateBadge($input: BadgeInput!) {
  createBadge(input: $input) { __typename ... on CreateBadgeSuccess { data { ${BADGE_FIELDS} } } ${ERRORS} }
}`;
const UPDATE_BADGE = /* GraphQL */ `mutation UpdateBadge($id: ID!, $input: BadgeInput!) {
  updateBadge(id: $id, input: $input) { __typename ... on UpdateBadgeSuccess { data { ${BADGE_FIELDS} } } ${ERRORS} }
}`;
const DELETE_BADGE = /* GraphQL */ `mutation DeleteBadge($id: ID!) {
  deleteBadge(id: $id) { __typename ... on DeleteBadgeSuccess { data } ${ERRORS} }
}`;
const AWARD_BADGE = /* GraphQL */ `mutation AwardBadge($userId: ID!, $badgeId: ID!, $reason: String) {
  awardBadge(userId: $userId, badgeId: $badgeId, reason: $reason) {
    __typename
    ... on AwardBadgeSuccess { data { id earnedAt criteriaMet notified user { id } badge { id awardedCount } } }
    ${ERRORS}
  }
}`;
const REVOKE_BADGE = /* GraphQL */ `mutation RevokeBadge($userId: ID!, $badgeId: ID!) {
  revokeBadge(userId: $userId, badgeId: $badgeId) { __typename ... on RevokeBadgeSuccess { data } ${ERRORS} }
}`;
const USER_BADGES = /* GraphQL */ `
  query UserBadges($filter: UserBadgeFilter, $first: Int) {
    userBadges(filter: $filter, first: $first) {
      totalCount
      pageInfo {
        hasNextPage
      }
      nodes {
        id
        earnedAt
        user {
          id
        }
        badge {
          id
        }
      }
    }
  }
`;
const ACHIEVEMENTS = /* GraphQL */ `
  query Achievements($filter: AchievementFilter, $first: Int, $after: String) {
    achievements(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        achievementType
        points
        earnedAt
        achievementData
        user {
          id
        }
        program {
          id
        }
      }
    }
  }
`;
const GRANT = /* GraphQL */ `mutation Grant($input: GrantAchievementInput!) {
  grantAchievement(input: $input) {
    __typename
    ... on GrantAchievementSuccess { data { id achievementType points achievementData earnedAt user { id pointsTotal } program { id } } }
    ${ERRORS}
  }
}`;
const DELETE_ACHIEVEMENT = /* GraphQL */ `mutation DeleteAchievement($id: ID!) {
  deleteAchievement(id: $id) { __typename ... on DeleteAchievementSuccess { data } ${ERRORS} }
}`;
const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Badge {
        name
        awardedCount
        awards(first: 100) {
          totalCount
          nodes {
            id
            user {
              id
            }
          }
        }
      }
      ... on UserBadge {
        earnedAt
        user {
          id
          displayName
        }
        badge {
          id
          name
        }
      }
      ... on Achievement {
        points
        user {
          id
        }
        program {
          id
        }
      }
      ... on User {
        pointsTotal
        badges(first: 100) {
          totalCount
          nodes {
            id
            badge {
              id
              name
            }
          }
        }
        achievements(first: 100) {
          totalCount
          nodes {
            id
            points
          }
        }
      }
    }
  }
`;

/** All pages of achievements (the server caps a page at 100). */
const allAchievements = (token: string, filter: Record<string, unknown> = {}) =>
  readAll(token, ACHIEVEMENTS, 'achievements', filter);

// ------------------------------------------------------------------------------------------
// badges
// ------------------------------------------------------------------------------------------

describe('badges', () => {
  test("asCreatorA: lists exactly A's badges, by name, with awardedCount equal to a recount", async () => {
    const data = await read(asCreatorA(), BADGES, { first: 50 });
    const expected = await sql<{ id: string; name: string; awarded: number; is_active: boolean }>(
      `SELECT b.id, b.name, b.is_active, (SELECT count(*)::int FROM user_badges ub WHERE ub.badge_id = b.id) AS awarded
         FROM badges b WHERE b.creator_id = $1 ORDER BY b.name, b.id`,
      [api.tenants.creatorA],
    );
    expect(data.badges.totalCount).toBe(expected.length);
    expect(
      data.badges.edges.map((e: any) => ({
        id: e.node.id,
        name: e.node.name,
        awardedCount: e.node.awardedCount,
        isActive: e.node.isActive,
      })),
    ).toEqual(
      expected.map((r) => ({ id: gid('Badge', r.id), name: r.name, awardedCount: r.awarded, isActive: r.is_active })),
    );
    expect(data.badges.nodes.map((n: any) => n.id)).toEqual(data.badges.edges.map((e: any) => e.node.id));
    expect(data.badges.pageInfo).toEqual(expect.objectContaining({ hasNextPage: false, hasPreviousPage: false }));
    // Seeded awards exist, so the counter is not trivially zero.
    const chatterbox = data.badges.edges.find((e: any) => e.node.name === 'Chatterbox').node.awardedCount;
    expect(chatterbox).toBeGreaterThan(0);
    expect(chatterbox).toBe(
      await api.count(
        `user_badges ub JOIN badges b ON b.id = ub.badge_id WHERE b.name = 'Chatterbox' AND b.creator_id = $1`,
        [api.tenants.creatorA],
      ),
    );
    const firstSteps = data.badges.edges.find((e: any) => e.node.name === 'First Steps').node;
    expect(firstSteps).toEqual(
      expect.objectContaining({
        description: 'Completed any program.',
        criteria: { type: 'programs_completed', count: 1 },
        design: { icon: 'footprints', color: '#2f855a' },
      }),
    );
  });

  test('asCreatorA: filters by isActive and by a case-insensitive part of the name', async () => {
    const retired = await read(asCreatorA(), BADGES, { filter: { isActive: false } });
    expect(retired.badges.nodes).toEqual([{ id: gid('Badge', retiredBadgeA) }]);
    expect(retired.badges.totalCount).toBe(1);

    const active = await read(asCreatorA(), BADGES, { filter: { isActive: true }, first: 50 });
    expect(active.badges.edges.every((e: any) => e.node.isActive)).toBe(true);
    expect(active.badges.totalCount).toBe(
      await count(`badges WHERE creator_id = $1 AND is_active`, [api.tenants.creatorA]),
    );

    const search = await read(asCreatorA(), BADGES, { filter: { search: '  ROLL ' } });
    expect(search.badges.edges.map((e: any) => e.node.name)).toEqual(['On a Roll']);
    expect(search.badges.totalCount).toBe(1);

    const combined = await read(asCreatorA(), BADGES, { filter: { search: 'relic', isActive: true } });
    expect(combined.badges).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
  });

  test('asCreatorA: pages forward with first/after without gaps or repeats', async () => {
    const all = await read(asCreatorA(), BADGES, { first: 50 });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const data: any = await read(asCreatorA(), BADGES, { first: 2, after });
      expect(data.badges.totalCount).toBe(all.badges.totalCount);
      seen.push(...data.badges.nodes.map((n: any) => n.id));
      if (!data.badges.pageInfo.hasNextPage) break;
      after = data.badges.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.badges.nodes.map((n: any) => n.id));
  });

  test("asCreatorB: sees only B's badges; searching for A's badge names finds nothing", async () => {
    const data = await read(asCreatorB(), BADGES, { first: 100 });
    const ids = data.badges.nodes.map((n: any) => uuidOf(n.id)).sort();
    expect(ids).toEqual([...B.badges.values()].sort());
    expect(data.badges.totalCount).toBe(B.badges.size);
    for (const id of A.badges.values()) expect(ids).not.toContain(id);
    const search = await read(asCreatorB(), BADGES, { filter: { search: 'Chatterbox' } });
    expect(search.badges).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
    const retired = await read(asCreatorB(), BADGES, { filter: { isActive: false } });
    expect(retired.badges.nodes).toEqual([]);
  });

  test('asAnonymous: badges, userBadges and achievements are UNAUTHENTICATED', async () => {
    await expectUnauthenticated(BADGES);
    await expectUnauthenticated(USER_BADGES);
    await expectUnauthenticated(ACHIEVEMENTS);
  });

  test('asAnonymous: asking only for totalCount is UNAUTHENTICATED too, not a count of 0', async () => {
    await expectUnauthenticated(`{ badges { totalCount } }`);
    await expectUnauthenticated(`{ userBadges { totalCount } }`);
    await expectUnauthenticated(`{ achievements { totalCount } }`);
  });
});

// ------------------------------------------------------------------------------------------
// createBadge / updateBadge / deleteBadge
// ------------------------------------------------------------------------------------------

describe('createBadge', () => {
  test('asCreatorA: creates a badge owned by A, trimmed, with its JSON stored as given', async () => {
    const result = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', {
      input: {
        name: '  Night Owl  ',
        description: 'Active after midnight.',
        criteria: { type: 'streak', days: 7 },
        design: { icon: 'moon' },
      },
    });
    expect(result.__typename).toBe('CreateBadgeSuccess');
    const id = uuidOf(result.data.id);
    expect(result.data).toEqual(
      expect.objectContaining({
        id: gid('Badge', id),
        name: 'Night Owl',
        description: 'Active after midnight.',
        criteria: { type: 'streak', days: 7 },
        design: { icon: 'moon' },
        isActive: true,
        awardedCount: 0,
      }),
    );
    expect(await badgeRow(id)).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        name: 'Night Owl',
        description: 'Active after midnight.',
        criteria: { type: 'streak', days: 7 },
        design: { icon: 'moon' },
        is_active: true,
        awarded_count: 0,
      }),
    );
    // It is in A's list and not in B's.
    const inA = await read(asCreatorA(), BADGES, { filter: { search: 'night owl' } });
    expect(inA.badges.nodes).toEqual([{ id: result.data.id }]);
    const inB = await read(asCreatorB(), BADGES, { filter: { search: 'night owl' } });
    expect(inB.badges.nodes).toEqual([]);
  });

  test('asCreatorA: a name A already uses is a ConflictError and writes nothing; B may use the same name', async () => {
    const before = await count(`badges`);
    const dup = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', { input: { name: 'Chatterbox' } });
    expectConflict(dup);
    expect(await count(`badges`)).toBe(before);

    const other = await mutate(asCreatorB(), CREATE_BADGE, 'createBadge', { input: { name: 'Chatterbox' } });
    expect(other.__typename).toBe('CreateBadgeSuccess');
    expect((await badgeRow(uuidOf(other.data.id)))!.creator_id).toBe(api.tenants.creatorB);
    expect(await count(`badges`)).toBe(before + 1);
  });

  test('asCreatorA: invalid input is a ValidationError naming every bad field, and writes nothing', async () => {
    const before = await count(`badges`);
    const result = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', {
      input: { name: 'x'.repeat(101), description: 'y'.repeat(1001) },
    });
    expectValidation(result, ['input.description', 'input.name']);
    const blank = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', { input: { name: '   ' } });
    expectValidation(blank, ['input.name']);
    const missing = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', { input: { description: 'no name' } });
    expectValidation(missing, ['input.name']);
    expect(await count(`badges`)).toBe(before);
  });

  test('asCreatorA: a criteria that is not a JSON object is refused before anything runs', async () => {
    const before = await count(`badges`);
    const { body } = await api.server.gql(
      CREATE_BADGE,
      { input: { name: 'Array criteria', criteria: [1, 2] } },
      { token: asCreatorA() },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count(`badges`)).toBe(before);
  });

  test('asCreatorA: a mutation may select only __typename from its result', async () => {
    const { body } = await api.server.gql(
      `mutation { createBadge(input: { name: "Typename Only" }) { __typename ... on Error { code } } }`,
      {},
      { token: asCreatorA() },
    );
    expect(body).toEqual({ data: { createBadge: { __typename: 'CreateBadgeSuccess' } } });
    expect(await count(`badges WHERE creator_id = $1 AND name = 'Typename Only'`, [api.tenants.creatorA])).toBe(1);
  });

  test('asAnonymous: UNAUTHENTICATED, nothing written', async () => {
    const before = await count(`badges`);
    await expectUnauthenticated(CREATE_BADGE, { input: { name: 'Anonymous badge' } });
    expect(await count(`badges`)).toBe(before);
  });
});

describe('updateBadge', () => {
  test('asCreatorA: changes the given fields and keeps the others', async () => {
    const created = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', {
      input: { name: 'Early Bird', description: 'Up early.', criteria: { type: 'messages_sent', count: 2 } },
    });
    const id = uuidOf(created.data.id);
    const result = await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', {
      id: created.data.id,
      input: { name: 'Early Riser', isActive: false },
    });
    expect(result.__typename).toBe('UpdateBadgeSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        id: created.data.id,
        name: 'Early Riser',
        description: 'Up early.',
        criteria: { type: 'messages_sent', count: 2 },
        isActive: false,
      }),
    );
    expect(await badgeRow(id)).toEqual(
      expect.objectContaining({
        name: 'Early Riser',
        description: 'Up early.',
        criteria: { type: 'messages_sent', count: 2 },
        is_active: false,
        creator_id: api.tenants.creatorA,
      }),
    );
  });

  test('asCreatorA: renaming to a name A already uses is a ConflictError; the badge is unchanged', async () => {
    const id = A.badges.get('On a Roll')!;
    const before = await badgeRow(id);
    const result = await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', {
      id: gid('Badge', id),
      input: { name: 'Chatterbox' },
    });
    expectConflict(result);
    expect(await badgeRow(id)).toEqual(before);
  });

  test('asCreatorA: invalid input or a malformed id is a ValidationError; the badge is unchanged', async () => {
    const id = A.badges.get('On a Roll')!;
    const before = await badgeRow(id);
    expectValidation(
      await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', {
        id: gid('Badge', id),
        input: { name: ' ', description: 'z'.repeat(1001) },
      }),
      ['input.description', 'input.name'],
    );
    expectValidation(
      await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', { id: 'not-a-global-id', input: { name: 'Whatever' } }),
      ['id'],
    );
    expectValidation(
      await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', { id: gid('User', id), input: { name: 'Whatever' } }),
      ['id'],
    );
    expect(await badgeRow(id)).toEqual(before);
  });

  test('asCreatorA: a well-formed id that does not exist is a NotFoundError', async () => {
    expectNotFound(
      await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', {
        id: gid('Badge', '00000000-0000-4000-8000-000000000000'),
        input: { name: 'Ghost' },
      }),
    );
  });
});

describe('deleteBadge', () => {
  test('asCreatorA: deletes the badge and every award of it; returns its id; a second delete is a NotFoundError', async () => {
    const created = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', { input: { name: 'Short-lived' } });
    const id = uuidOf(created.data.id);
    for (const userId of A.users.slice(0, 3)) {
      expect(
        (
          await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
            userId: gid('User', userId),
            badgeId: created.data.id,
          })
        ).__typename,
      ).toBe('AwardBadgeSuccess');
    }
    expect(await count(`user_badges WHERE badge_id = $1`, [id])).toBe(3);

    const result = await mutate(asCreatorA(), DELETE_BADGE, 'deleteBadge', { id: created.data.id });
    expect(result).toEqual({ __typename: 'DeleteBadgeSuccess', data: created.data.id });
    expect(await badgeRow(id)).toBeUndefined();
    expect(await count(`user_badges WHERE badge_id = $1`, [id])).toBe(0);

    expectNotFound(await mutate(asCreatorA(), DELETE_BADGE, 'deleteBadge', { id: created.data.id }));
  });

  test('asCreatorA: a malformed id is a ValidationError naming id, nothing deleted', async () => {
    const before = await count(`badges`);
    expectValidation(await mutate(asCreatorA(), DELETE_BADGE, 'deleteBadge', { id: 'Badge:123' }), ['id']);
    expectValidation(
      await mutate(asCreatorA(), DELETE_BADGE, 'deleteBadge', { id: gid('Achievement', A.badges.get('Chatterbox')!) }),
      ['id'],
    );
    expect(await count(`badges`)).toBe(before);
  });

  test('asAnonymous: UNAUTHENTICATED, nothing deleted', async () => {
    const before = await count(`badges`);
    await expectUnauthenticated(DELETE_BADGE, { id: gid('Badge', A.badges.get('Chatterbox')!) });
    expect(await count(`badges`)).toBe(before);
  });
});

// ------------------------------------------------------------------------------------------
// awardBadge / revokeBadge
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// achievements, grantAchievement, pointsTotal
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// Creator B against A's data
// ------------------------------------------------------------------------------------------

describe("asCreatorB against A's gamification data", () => {
  let aAward: string;
  let aAchievement: string;
  beforeAll(async () => {
    aAward = (
      await sql<{ id: string }>(`SELECT id FROM user_badges WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA])
    )[0]!.id;
    aAchievement = (
      await sql<{ id: string }>(`SELECT id FROM achievements WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA])
    )[0]!.id;
  });

  test("node() and nodes() with A's global ids are null for B, and resolve for A", async () => {
    const ids = [
      gid('Badge', A.badges.get('Chatterbox')!),
      gid('UserBadge', aAward),
      gid('Achievement', aAchievement),
      gid('User', A.users[0]!),
    ];
    for (const id of ids) {
      expect(await read(asCreatorB(), NODE, { id })).toEqual({ node: null });
      expect((await read(asCreatorA(), NODE, { id })).node.id).toBe(id);
    }
    const many = await read(asCreatorB(), `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(many.nodes).toEqual(ids.map(() => null));
  });

  test("nested relations of B's own rows never reach A's rows", async () => {
    // Every badge of B, with all its awards and their users.
    const data = await read(
      asCreatorB(),
      `{ badges(first: 100) { nodes { id awards(first: 100) { totalCount nodes { id user { id badges(first: 100) { nodes { id badge { id } } } achievements(first: 100) { nodes { id } } } } } } } }`,
    );
    const bUsers = new Set(B.users.map((u) => gid('User', u)));
    const bBadges = new Set([...B.badges.values()].map((b) => gid('Badge', b)));
    const bAwards = new Set(
      (await sql<{ id: string }>(`SELECT id FROM user_badges WHERE creator_id = $1`, [api.tenants.creatorB])).map((r) =>
        gid('UserBadge', r.id),
      ),
    );
    const bAchievements = new Set(
      (await sql<{ id: string }>(`SELECT id FROM achievements WHERE creator_id = $1`, [api.tenants.creatorB])).map(
        (r) => gid('Achievement', r.id),
      ),
    );
    let seenAwards = 0;
    for (const badge of data.badges.nodes) {
      for (const award of badge.awards.nodes) {
        seenAwards++;
        expect(bAwards.has(award.id)).toBe(true);
        expect(bUsers.has(award.user.id)).toBe(true);
        for (const held of award.user.badges.nodes) {
          expect(bAwards.has(held.id)).toBe(true);
          expect(bBadges.has(held.badge.id)).toBe(true);
        }
        for (const a of award.user.achievements.nodes) expect(bAchievements.has(a.id)).toBe(true);
      }
    }
    expect(seenAwards).toBeGreaterThan(0);
  });

  test("every mutation on A's rows is a NotFoundError and the database is unchanged", async () => {
    const before = await gamificationState();
    const aBadge = gid('Badge', A.badges.get('Chatterbox')!);
    const aUser = gid('User', A.users[0]!);
    const bBadge = gid('Badge', B.badges.get('Regular')!);
    const bUser = gid('User', B.users[5]!);
    const heldByA = (
      await sql<{ user_id: string; badge_id: string }>(`SELECT user_id, badge_id FROM user_badges WHERE id = $1`, [
        aAward,
      ])
    )[0]!;

    expectNotFound(
      await mutate(asCreatorB(), UPDATE_BADGE, 'updateBadge', {
        id: aBadge,
        input: { name: 'Hijacked', isActive: false },
      }),
    );
    expectNotFound(await mutate(asCreatorB(), DELETE_BADGE, 'deleteBadge', { id: aBadge }));
    // Award: A's badge to B's user, B's badge to A's user, A's badge to A's user.
    expectNotFound(await mutate(asCreatorB(), AWARD_BADGE, 'awardBadge', { userId: bUser, badgeId: aBadge }));
    expectNotFound(await mutate(asCreatorB(), AWARD_BADGE, 'awardBadge', { userId: aUser, badgeId: bBadge }));
    expectNotFound(await mutate(asCreatorB(), AWARD_BADGE, 'awardBadge', { userId: aUser, badgeId: aBadge }));
    // Revoke an award A really made.
    expectNotFound(
      await mutate(asCreatorB(), REVOKE_BADGE, 'revokeBadge', {
        userId: gid('User', heldByA.user_id),
        badgeId: gid('Badge', heldByA.badge_id),
      }),
    );
    // Achievements: for A's user, for B's user on A's program, and deleting A's.
    expectNotFound(
      await mutate(asCreatorB(), GRANT, 'grantAchievement', {
        input: { userId: aUser, achievementType: 'stolen', points: 1 },
      }),
    );
    expectNotFound(
      await mutate(asCreatorB(), GRANT, 'grantAchievement', {
        input: { userId: bUser, achievementType: 'stolen', points: 1, programId: gid('Program', A.programs[0]!) },
      }),
    );
    expectNotFound(
      await mutate(asCreatorB(), DELETE_ACHIEVEMENT, 'deleteAchievement', { id: gid('Achievement', aAchievement) }),
    );

    expect(await gamificationState()).toEqual(before);
  });
});
