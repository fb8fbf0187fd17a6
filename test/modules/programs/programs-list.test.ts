// The programs list over the real server: filters, ordering, pagination and totals, as each actor.
// Every test checks the GraphQL answer against what is really stored.
import { useApiHarness, typeOf, uuids, type Json } from '../../helpers/api';
import { PROGRAMS, programsFixtures } from './fixtures';

const api = useApiHarness();
const { send, query, walk, sql, countOf, ownersOf } = api;
const { insertProgram } = programsFixtures(api);

describe('programs (list)', () => {
  // The seed gives Ada published and draft programs only: add an archived one.
  beforeAll(async () => {
    await insertProgram(api.tenants.creatorA, 'archived', 'Retired Yoga Basics');
  });

  test('asCreatorA: every program of Ada, newest first; totalCount is the DB count', async () => {
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 ORDER BY created_at DESC, id ASC`, [
        api.tenants.creatorA,
      ])
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThanOrEqual(3);
    const { programs } = await query('asCreatorA', PROGRAMS, { first: 100 });
    expect(uuids(programs.nodes)).toEqual(expected);
    expect(programs.edges.map((e: Json) => e.node.id)).toEqual(programs.nodes.map((n: Json) => n.id));
    expect(programs.totalCount).toBe(expected.length);
    for (const n of programs.nodes) expect(typeOf(n.id)).toBe('Program');
  });

  test.each([
    ['status PUBLISHED', { status: 'PUBLISHED' }, `status = 'published'`],
    ['status DRAFT', { status: 'DRAFT' }, `status = 'draft'`],
    ['status ARCHIVED', { status: 'ARCHIVED' }, `status = 'archived'`],
    ['search, any case, trimmed', { search: '  mInDfUl ' }, `name ILIKE '%mindful%'`],
    ['search for a word in two names', { search: 'o' }, `name ILIKE '%o%'`],
    ['search and status together', { search: 'o', status: 'PUBLISHED' }, `name ILIKE '%o%' AND status = 'published'`],
  ])(
    'asCreatorA: filter %s returns exactly the matching programs (checked against the DB)',
    async (_name, filter, where) => {
      const all = await countOf(`SELECT count(*)::int AS n FROM programs WHERE creator_id = $1`, [
        api.tenants.creatorA,
      ]);
      const expected = (
        await sql<{ id: string }>(
          `SELECT id FROM programs WHERE creator_id = $1 AND ${where} ORDER BY created_at DESC, id ASC`,
          [api.tenants.creatorA],
        )
      ).map((r) => r.id);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all);
      const { programs } = await query('asCreatorA', PROGRAMS, { filter, first: 100 });
      expect(uuids(programs.nodes)).toEqual(expected);
      expect(programs.totalCount).toBe(expected.length);
      const stored = await sql<{ status: string; name: string }>(
        `SELECT status, name FROM programs WHERE id = ANY($1::uuid[])`,
        [uuids(programs.nodes)],
      );
      if ('status' in filter) for (const p of stored) expect(p.status).toBe(String(filter.status).toLowerCase());
    },
  );

  test('asCreatorA: search treats % and _ as plain characters, not wildcards', async () => {
    const literal = await insertProgram(api.tenants.creatorA, 'draft', '100% Focus_Sprint');
    try {
      for (const search of ['%', '_', '0% f', 's_s']) {
        const { programs } = await query('asCreatorA', PROGRAMS, { filter: { search }, first: 100 });
        expect({ search, ids: uuids(programs.nodes), totalCount: programs.totalCount }).toEqual({
          search,
          ids: [literal.id],
          totalCount: 1,
        });
      }
    } finally {
      await api.owner.query(`DELETE FROM programs WHERE id = $1`, [literal.id]);
    }
  });

  test('asCreatorA: a search that matches nothing is empty with totalCount 0', async () => {
    const { programs } = await query('asCreatorA', PROGRAMS, { filter: { search: 'zzz-no-such-program' }, first: 10 });
    expect(programs).toEqual(expect.objectContaining({ totalCount: 0, nodes: [], edges: [] }));
  });

  test('asCreatorA: first/after gives the next page with no overlap; last/before pages backwards', async () => {
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 ORDER BY created_at DESC, id ASC`, [
        api.tenants.creatorA,
      ])
    ).map((r) => r.id);
    const p1 = (await query('asCreatorA', PROGRAMS, { first: 2 })).programs;
    expect(uuids(p1.nodes)).toEqual(expected.slice(0, 2));
    expect(p1.pageInfo).toEqual(expect.objectContaining({ hasNextPage: true, hasPreviousPage: false }));
    const p2 = (await query('asCreatorA', PROGRAMS, { first: 2, after: p1.pageInfo.endCursor })).programs;
    expect(uuids(p2.nodes)).toEqual(expected.slice(2, 4));
    expect(p2.totalCount).toBe(expected.length);
    expect(await walk('asCreatorA', PROGRAMS, 'programs', {}, 1)).toEqual(expected);
    const back = (await query('asCreatorA', PROGRAMS, { last: 2, before: p2.pageInfo.startCursor })).programs;
    expect(uuids(back.nodes)).toEqual(expected.slice(0, 2));
  });

  test('asCreatorA: first: 1000 returns at most 100, with hasNextPage and the full totalCount', async () => {
    // Archived, so that they do not count against the pro plan's 50 live programs.
    await api.owner.query(
      `INSERT INTO programs (creator_id, name, status, archived_at) SELECT $1, 'Bulk program ' || g, 'archived', now() FROM generate_series(1, 110) g`,
      [api.tenants.creatorA],
    );
    try {
      const total = await countOf(`SELECT count(*)::int AS n FROM programs WHERE creator_id = $1`, [
        api.tenants.creatorA,
      ]);
      const { programs } = await query('asCreatorA', PROGRAMS, { first: 1000 });
      expect(programs.nodes).toHaveLength(100);
      expect(programs.pageInfo.hasNextPage).toBe(true);
      expect(programs.totalCount).toBe(total);
      const next = (await query('asCreatorA', PROGRAMS, { first: 1000, after: programs.pageInfo.endCursor })).programs;
      expect(next.nodes).toHaveLength(total - 100);
      expect(uuids(next.nodes).filter((id) => uuids(programs.nodes).includes(id))).toEqual([]);
    } finally {
      await api.owner.query(`DELETE FROM programs WHERE creator_id = $1 AND name LIKE 'Bulk program %'`, [
        api.tenants.creatorA,
      ]);
    }
  });

  test("asCreatorB: only Grace's programs; a search for Ada's program finds nothing", async () => {
    const { programs } = await query('asCreatorB', PROGRAMS, { first: 100 });
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 ORDER BY created_at DESC, id ASC`, [
        api.tenants.creatorB,
      ])
    ).map((r) => r.id);
    expect(uuids(programs.nodes)).toEqual(expected);
    expect(programs.totalCount).toBe(expected.length);
    expect([...(await ownersOf(programs)).owners]).toEqual([api.tenants.creatorB]);
    const { programs: searched } = await query('asCreatorB', PROGRAMS, {
      filter: { search: 'Mindfulness' },
      first: 100,
    });
    expect(searched).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
  });

  test('asAnonymous: UNAUTHENTICATED and no data', async () => {
    const { body } = await send('asAnonymous', PROGRAMS, { first: 10 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });
});
