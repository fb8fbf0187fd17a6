// The enrollments list over the real server: filters, ordering, pagination and totals, as each
// actor. Every test checks the GraphQL answer against what is really stored.
import { useApiHarness, gid, uuids, type Json } from '../../helpers/api';
import { ENROLLMENTS, programsFixtures } from './fixtures';

const api = useApiHarness();
const { send, query, walk, sql, one, countOf, ownersOf, expectNoCounterDrift } = api;
const { programOf, usersOf, insertProgram } = programsFixtures(api);

describe('enrollments (list)', () => {
  const ORDER = `ORDER BY last_activity_at DESC, id ASC`;

  test('asCreatorA: most recently active first; totalCount is the DB count; pages walk it without overlap', async () => {
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM program_enrollments WHERE creator_id = $1 ${ORDER}`, [
        api.tenants.creatorA,
      ])
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(10);
    const { enrollments } = await query('asCreatorA', ENROLLMENTS, { first: 100 });
    expect(uuids(enrollments.nodes)).toEqual(expected);
    expect(enrollments.totalCount).toBe(expected.length);
    expect(await walk('asCreatorA', ENROLLMENTS, 'enrollments', {}, 7)).toEqual(expected);
  });

  test('asCreatorA: each filter (status, programId, userId, combined) returns exactly the matching enrollments', async () => {
    const program = await programOf(api.tenants.creatorA, 'published');
    const user = (await one<{ user_id: string }>(
      `SELECT user_id FROM program_enrollments WHERE creator_id = $1 GROUP BY user_id HAVING count(*) > 1 LIMIT 1`,
      [api.tenants.creatorA],
    ))!.user_id;
    const cases: [Json, string, unknown[]][] = [
      [{ status: 'ACTIVE' }, `status = 'active'`, []],
      [{ status: 'PAUSED' }, `status = 'paused'`, []],
      [{ status: 'COMPLETED' }, `status = 'completed'`, []],
      [{ status: 'DROPPED' }, `status = 'dropped'`, []],
      [{ programId: gid('Program', program.id) }, `program_id = $2`, [program.id]],
      [{ userId: gid('User', user) }, `user_id = $2`, [user]],
      [
        { programId: gid('Program', program.id), status: 'ACTIVE' },
        `program_id = $2 AND status = 'active'`,
        [program.id],
      ],
    ];
    const all = await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE creator_id = $1`, [
      api.tenants.creatorA,
    ]);
    for (const [filter, where, params] of cases) {
      const expected = (
        await sql<{ id: string }>(`SELECT id FROM program_enrollments WHERE creator_id = $1 AND ${where} ${ORDER}`, [
          api.tenants.creatorA,
          ...params,
        ])
      ).map((r) => r.id);
      expect({ filter, nonEmpty: expected.length > 0, narrower: expected.length < all }).toEqual({
        filter,
        nonEmpty: true,
        narrower: true,
      });
      const { enrollments } = await query('asCreatorA', ENROLLMENTS, { filter, first: 100 });
      expect({ filter, ids: uuids(enrollments.nodes), totalCount: enrollments.totalCount }).toEqual({
        filter,
        ids: expected,
        totalCount: expected.length,
      });
    }
  });

  test('asCreatorA: first: 1000 returns at most 100', async () => {
    const users = await usersOf(api.tenants.creatorA);
    const bulk = [];
    for (let i = 0; i < Math.ceil(110 / users.length); i++)
      bulk.push((await insertProgram(api.tenants.creatorA, 'published', `Bulk enroll ${i}`)).id);
    await api.owner.query(
      `INSERT INTO program_enrollments (creator_id, program_id, user_id) SELECT $1, p, u FROM unnest($2::uuid[]) p CROSS JOIN unnest($3::uuid[]) u`,
      [api.tenants.creatorA, bulk, users],
    );
    try {
      const total = await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE creator_id = $1`, [
        api.tenants.creatorA,
      ]);
      expect(total).toBeGreaterThan(100);
      const { enrollments } = await query('asCreatorA', ENROLLMENTS, { first: 1000 });
      expect(enrollments.nodes).toHaveLength(100);
      expect(enrollments.pageInfo.hasNextPage).toBe(true);
      expect(enrollments.totalCount).toBe(total);
      // A nested connection is capped the same way.
      const { node } = await query(
        'asCreatorA',
        `query($id: ID!) { node(id: $id) { ... on User { enrollments(first: 1000) { totalCount nodes { id } } } } }`,
        { id: gid('User', users[0]!) },
      );
      expect(node.enrollments.nodes.length).toBeLessThanOrEqual(100);
    } finally {
      await api.owner.query(`DELETE FROM programs WHERE id = ANY($1::uuid[])`, [bulk]);
    }
    await expectNoCounterDrift();
  });

  test("asCreatorB: only Grace's enrollments; filtering by Ada's program or user finds nothing", async () => {
    const { enrollments } = await query('asCreatorB', ENROLLMENTS, { first: 100 });
    expect(enrollments.totalCount).toBe(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE creator_id = $1`, [api.tenants.creatorB]),
    );
    expect([...(await ownersOf(enrollments)).owners]).toEqual([api.tenants.creatorB]);
    const ada = (await one<{ program_id: string; user_id: string }>(
      `SELECT program_id, user_id FROM program_enrollments WHERE creator_id = $1 LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    for (const filter of [{ programId: gid('Program', ada.program_id) }, { userId: gid('User', ada.user_id) }]) {
      const { enrollments: none } = await query('asCreatorB', ENROLLMENTS, { filter, first: 100 });
      expect(none).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
    }
  });

  test('asCreatorA: a filter id of the wrong type is VALIDATION_FAILED naming the filter field', async () => {
    const user = (await usersOf(api.tenants.creatorA))[0]!;
    const { body } = await send('asCreatorA', ENROLLMENTS, { filter: { programId: gid('User', user) }, first: 5 });
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body.errors)).toContain('filter.programId');
    expect(body.data ?? null).toBeNull();
  });

  test('asAnonymous: UNAUTHENTICATED and no data', async () => {
    const { body } = await send('asAnonymous', ENROLLMENTS, { first: 10 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });
});
