// The badges list over the real server (filters, pages, totals), as each actor.
import { useApiHarness, gid, uuidOf } from '../../helpers/api';
import { BADGES, USER_BADGES, ACHIEVEMENTS, gamificationRows, type TenantRows } from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count } = api;
const { read } = api.withTokens;

let A: TenantRows;
let B: TenantRows;
let retiredBadgeA: string;
beforeAll(async () => ({ A, B, retiredBadgeA } = await gamificationRows(api)));

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
