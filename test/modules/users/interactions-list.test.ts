// The interactions list over the real server: filters, pagination and totals, as each actor.
// Every test checks the GraphQL answer against what is really stored.
import { useApiHarness, gid, uuids, type Json } from '../../helpers/api';
import { iso, INTERACTIONS, usersFixtures } from './fixtures';

const api = useApiHarness();
const { send, query, walk, sql, one, ownersOf } = api;
const { aUserOf } = usersFixtures(api);

describe('interactions (list)', () => {
  test('asCreatorA: newest first, totalCount is the DB count, pages walk it without overlap', async () => {
    const expected = (
      await sql<{ id: string }>(
        `SELECT id FROM user_interactions WHERE creator_id = $1 ORDER BY created_at DESC, id ASC`,
        [api.tenants.creatorA],
      )
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(20);
    const { interactions } = await query('asCreatorA', INTERACTIONS, { first: 20 });
    expect(uuids(interactions.nodes)).toEqual(expected.slice(0, 20));
    expect(interactions.totalCount).toBe(expected.length);
    expect(await walk('asCreatorA', INTERACTIONS, 'interactions', {}, 25, { endCursorIsLastEdge: true })).toEqual(
      expected,
    );
  });

  test('asCreatorA: first: 1000 returns at most 100', async () => {
    const user = await aUserOf(api.tenants.creatorA);
    await api.owner.query(
      `INSERT INTO user_interactions (creator_id, user_id, interaction_type) SELECT $1, $2, 'bulk_test' FROM generate_series(1, 110)`,
      [api.tenants.creatorA, user.id],
    );
    try {
      const total = (await one<{ n: number }>(
        `SELECT count(*)::int AS n FROM user_interactions WHERE creator_id = $1`,
        [api.tenants.creatorA],
      ))!.n;
      const { interactions } = await query('asCreatorA', INTERACTIONS, { first: 1000 });
      expect(interactions.nodes).toHaveLength(100);
      expect(interactions.pageInfo.hasNextPage).toBe(true);
      expect(interactions.totalCount).toBe(total);
    } finally {
      await api.owner.query(`DELETE FROM user_interactions WHERE creator_id = $1 AND interaction_type = 'bulk_test'`, [
        api.tenants.creatorA,
      ]);
    }
  });

  test('asCreatorA: each filter (userId, interactionType, programId, occurred, combined) returns exactly the matching rows', async () => {
    const busy = (await one<{ user_id: string; program_id: string }>(
      `SELECT user_id, program_id FROM user_interactions WHERE creator_id = $1 AND program_id IS NOT NULL GROUP BY user_id, program_id ORDER BY count(*) DESC, user_id LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const from = new Date(Date.now() - 10 * 86_400_000);
    const to = new Date(Date.now() - 2 * 86_400_000);
    const cases: [Json, string, unknown[]][] = [
      [{ userId: gid('User', busy.user_id) }, `user_id = $2`, [busy.user_id]],
      [{ interactionType: 'lesson_viewed' }, `interaction_type = 'lesson_viewed'`, []],
      [{ interactionType: 'message_sent' }, `interaction_type = 'message_sent'`, []],
      [{ programId: gid('Program', busy.program_id) }, `program_id = $2`, [busy.program_id]],
      [{ occurred: { from: iso(from), to: iso(to) } }, `created_at >= $2 AND created_at < $3`, [from, to]],
      [{ occurred: { from: iso(from) } }, `created_at >= $2`, [from]],
      [{ occurred: { to: iso(to) } }, `created_at < $2`, [to]],
      [
        { userId: gid('User', busy.user_id), programId: gid('Program', busy.program_id) },
        `user_id = $2 AND program_id = $3`,
        [busy.user_id, busy.program_id],
      ],
    ];
    const all = (await one<{ n: number }>(`SELECT count(*)::int AS n FROM user_interactions WHERE creator_id = $1`, [
      api.tenants.creatorA,
    ]))!.n;
    for (const [filter, where, params] of cases) {
      const expected = (
        await sql<{ id: string }>(
          `SELECT id FROM user_interactions WHERE creator_id = $1 AND ${where} ORDER BY created_at DESC, id ASC`,
          [api.tenants.creatorA, ...params],
        )
      ).map((r) => r.id);
      expect({ filter, nonEmpty: expected.length > 0, narrower: expected.length < all }).toEqual({
        filter,
        nonEmpty: true,
        narrower: true,
      });
      const { interactions } = await query('asCreatorA', INTERACTIONS, { filter, first: 100 });
      expect({ filter, ids: uuids(interactions.nodes), totalCount: interactions.totalCount }).toEqual({
        filter,
        ids: expected.slice(0, 100),
        totalCount: expected.length,
      });
    }
  });

  test("asCreatorB: only Grace's interactions; filtering by Ada's user or program finds nothing", async () => {
    const { interactions } = await query('asCreatorB', INTERACTIONS, { first: 100 });
    const n = (await one<{ n: number }>(`SELECT count(*)::int AS n FROM user_interactions WHERE creator_id = $1`, [
      api.tenants.creatorB,
    ]))!.n;
    expect(interactions.totalCount).toBe(n);
    expect([...(await ownersOf(interactions)).owners]).toEqual([api.tenants.creatorB]);

    const adaRow = (await one<{ user_id: string; program_id: string }>(
      `SELECT user_id, program_id FROM user_interactions WHERE creator_id = $1 AND program_id IS NOT NULL LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    for (const filter of [{ userId: gid('User', adaRow.user_id) }, { programId: gid('Program', adaRow.program_id) }]) {
      const { interactions: none } = await query('asCreatorB', INTERACTIONS, { filter, first: 100 });
      expect(none.totalCount).toBe(0);
      expect(none.nodes).toEqual([]);
    }
  });

  test('asCreatorA: a filter id of the wrong type is VALIDATION_FAILED naming the filter field', async () => {
    const user = await aUserOf(api.tenants.creatorA);
    const { body } = await send('asCreatorA', INTERACTIONS, { filter: { programId: gid('User', user.id) }, first: 5 });
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body.errors)).toContain('filter.programId');
    expect(body.data ?? null).toBeNull();
  });

  test('asAnonymous: UNAUTHENTICATED and no data', async () => {
    const { body } = await send('asAnonymous', INTERACTIONS, { first: 10 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });
});
