// Creator B against creator A's gamification data: by global id through node(), through nested
// relations and through each mutation.
import { useApiHarness, gid, expectNotFound } from '../../helpers/api';
import {
  UPDATE_BADGE,
  DELETE_BADGE,
  AWARD_BADGE,
  REVOKE_BADGE,
  GRANT,
  DELETE_ACHIEVEMENT,
  NODE,
  gamificationFixtures,
  gamificationRows,
  type TenantRows,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, sql } = api;
const { read, mutate } = api.withTokens;

const { gamificationState } = gamificationFixtures(api);
let A: TenantRows;
let B: TenantRows;
beforeAll(async () => ({ A, B } = await gamificationRows(api)));

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
