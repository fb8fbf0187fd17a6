// The users list over the real server: filters, ordering, pagination and totals, as each actor.
// Every test checks the GraphQL answer against what is really stored.
import { useApiHarness, typeOf, uuids, type Json } from '../../helpers/api';
import { iso, USERS, usersFixtures } from './fixtures';

const api = useApiHarness();
const { send, query, walk, sql, one, ownersOf } = api;
const { aUserOf } = usersFixtures(api);

describe('users (list)', () => {
  test('asCreatorA: every user of Ada, newest first; totalCount is the DB count; edges and nodes agree', async () => {
    const { users } = await query('asCreatorA', USERS, { first: 100 });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM users WHERE creator_id = $1 ORDER BY created_at DESC, id ASC`,
      [api.tenants.creatorA],
    );
    expect(expected.length).toBeGreaterThan(10);
    expect(uuids(users.nodes)).toEqual(expected.map((r) => r.id));
    expect(users.edges.map((e: Json) => e.node.id)).toEqual(users.nodes.map((n: Json) => n.id));
    expect(users.totalCount).toBe(expected.length);
    expect(users.pageInfo).toEqual(expect.objectContaining({ hasNextPage: false, hasPreviousPage: false }));
    for (const node of users.nodes) expect(typeOf(node.id)).toBe('User');
  });

  test('asCreatorA: the default page is 20, and totalCount still counts them all', async () => {
    const { users } = await query('asCreatorA', USERS);
    const total = (await one<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE creator_id = $1`, [
      api.tenants.creatorA,
    ]))!.n;
    expect(users.nodes).toHaveLength(Math.min(20, total));
    expect(users.totalCount).toBe(total);
    expect(users.pageInfo.hasNextPage).toBe(total > 20);
  });

  const since = () => iso(new Date(Date.now() - 3 * 86_400_000));
  const filters: [string, () => Json, string, () => unknown[]][] = [
    ['channel WHATSAPP', () => ({ channel: 'WHATSAPP' }), `channel = 'whatsapp'`, () => []],
    ['channel TELEGRAM', () => ({ channel: 'TELEGRAM' }), `channel = 'telegram'`, () => []],
    ['isActive false', () => ({ isActive: false }), `is_active = false`, () => []],
    ['isActive true', () => ({ isActive: true }), `is_active = true`, () => []],
    ['activeSince 3 days ago', () => ({ activeSince: since() }), `last_active_at >= $2`, () => [since()]],
    [
      'inactiveSince 3 days ago',
      () => ({ inactiveSince: since() }),
      `(last_active_at IS NULL OR last_active_at < $2)`,
      () => [since()],
    ],
    [
      'search by part of a display name, any case',
      () => ({ search: '  aLe ' }),
      `(display_name ILIKE '%ale%' OR email ILIKE '%ale%' OR external_id ILIKE '%ale%')`,
      () => [],
    ],
    [
      'search by email domain',
      () => ({ search: 'EXAMPLE.COM' }),
      `(display_name ILIKE '%example.com%' OR email ILIKE '%example.com%' OR external_id ILIKE '%example.com%')`,
      () => [],
    ],
    [
      'search by external id',
      () => ({ search: '+4477009' }),
      `(display_name ILIKE '%+4477009%' OR email ILIKE '%+4477009%' OR external_id ILIKE '%+4477009%')`,
      () => [],
    ],
    [
      'channel and isActive together',
      () => ({ channel: 'WEB', isActive: true }),
      `channel = 'web' AND is_active = true`,
      () => [],
    ],
    [
      'search and activeSince together',
      () => ({ search: 'web-', activeSince: since() }),
      `external_id ILIKE '%web-%' AND last_active_at >= $2`,
      () => [since()],
    ],
  ];

  test.each(filters)(
    'asCreatorA: filter %s returns exactly the matching users (checked against the DB)',
    async (_name, filter, where, params) => {
      const f = filter();
      const p = params();
      // Keep the time-based parameters identical between the API call and the SQL.
      if (f.activeSince) f.activeSince = p[0];
      if (f.inactiveSince) f.inactiveSince = p[0];
      const { users } = await query('asCreatorA', USERS, { filter: f, first: 100 });
      const expected = await sql<{ id: string }>(
        `SELECT id FROM users WHERE creator_id = $1 AND ${where} ORDER BY created_at DESC, id ASC`,
        [api.tenants.creatorA, ...p],
      );
      const all = (await one<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE creator_id = $1`, [
        api.tenants.creatorA,
      ]))!.n;
      // The filter is not vacuous: it keeps some and drops some.
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all);
      expect(uuids(users.nodes)).toEqual(expected.map((r) => r.id));
      expect(users.totalCount).toBe(expected.length);
    },
  );

  test('asCreatorA: search treats % and _ as plain characters, not wildcards', async () => {
    const { rows } = await api.owner.query<{ id: string }>(
      `INSERT INTO users (creator_id, external_id, channel, display_name) VALUES ($1, 'literal-wildcards', 'web', '100% Focus_Group') RETURNING id`,
      [api.tenants.creatorA],
    );
    try {
      for (const search of ['%', '_', '0% f', 's_g']) {
        const { users } = await query('asCreatorA', USERS, { filter: { search }, first: 100 });
        expect({ search, ids: uuids(users.nodes), totalCount: users.totalCount }).toEqual({
          search,
          ids: [rows[0]!.id],
          totalCount: 1,
        });
      }
    } finally {
      await api.owner.query(`DELETE FROM users WHERE id = $1`, [rows[0]!.id]);
    }
  });

  test('asCreatorA: a search that matches nothing is an empty page with totalCount 0', async () => {
    const { users } = await query('asCreatorA', USERS, { filter: { search: 'no-such-user-anywhere' }, first: 10 });
    expect(users).toEqual(expect.objectContaining({ totalCount: 0, nodes: [], edges: [] }));
    expect(users.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
  });

  const orders: [string, string, string][] = [
    ['CREATED_AT', 'DESC', 'created_at DESC NULLS LAST'],
    ['CREATED_AT', 'ASC', 'created_at ASC NULLS LAST'],
    ['LAST_ACTIVE_AT', 'DESC', 'last_active_at DESC NULLS LAST'],
    ['LAST_ACTIVE_AT', 'ASC', 'last_active_at ASC NULLS LAST'],
    ['DISPLAY_NAME', 'ASC', 'display_name ASC NULLS LAST'],
    ['DISPLAY_NAME', 'DESC', 'display_name DESC NULLS LAST'],
  ];

  describe('with some users never active and without a display name (nulls sort last)', () => {
    beforeAll(async () => {
      await api.owner.query(
        `INSERT INTO users (creator_id, external_id, channel) SELECT $1, 'never-active-' || g, 'web' FROM generate_series(1, 7) g`,
        [api.tenants.creatorA],
      );
    });
    afterAll(async () => {
      await api.owner.query(`DELETE FROM users WHERE creator_id = $1 AND external_id LIKE 'never-active-%'`, [
        api.tenants.creatorA,
      ]);
    });

    test.each(orders)(
      'asCreatorA: orderBy %s %s matches the DB order, and first/after pages walk it without overlap',
      async (field, direction, orderSql) => {
        const expected = (
          await sql<{ id: string }>(`SELECT id FROM users WHERE creator_id = $1 ORDER BY ${orderSql}, id ASC`, [
            api.tenants.creatorA,
          ])
        ).map((r) => r.id);
        const { users } = await query('asCreatorA', USERS, { orderBy: { field, direction }, first: 100 });
        expect(uuids(users.nodes)).toEqual(expected);
        expect(users.totalCount).toBe(expected.length);
        expect(
          await walk('asCreatorA', USERS, 'users', { orderBy: { field, direction } }, 5, { endCursorIsLastEdge: true }),
        ).toEqual(expected);
      },
    );
  });

  test('asCreatorA: orderBy without a direction is descending', async () => {
    const expected = (
      await sql<{ id: string }>(
        `SELECT id FROM users WHERE creator_id = $1 ORDER BY last_active_at DESC NULLS LAST, id ASC`,
        [api.tenants.creatorA],
      )
    ).map((r) => r.id);
    const { users } = await query('asCreatorA', USERS, { orderBy: { field: 'LAST_ACTIVE_AT' }, first: 100 });
    expect(uuids(users.nodes)).toEqual(expected);
  });

  test('asCreatorA: first/after gives the next page with no overlap; last/before pages backwards', async () => {
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM users WHERE creator_id = $1 ORDER BY created_at DESC, id ASC`, [
        api.tenants.creatorA,
      ])
    ).map((r) => r.id);
    const p1 = (await query('asCreatorA', USERS, { first: 7 })).users;
    expect(uuids(p1.nodes)).toEqual(expected.slice(0, 7));
    expect(p1.pageInfo).toEqual(expect.objectContaining({ hasNextPage: true, hasPreviousPage: false }));
    const p2 = (await query('asCreatorA', USERS, { first: 7, after: p1.pageInfo.endCursor })).users;
    expect(uuids(p2.nodes)).toEqual(expected.slice(7, 14));
    expect(p2.pageInfo.hasPreviousPage).toBe(true);
    expect(uuids(p2.nodes).filter((id) => uuids(p1.nodes).includes(id))).toEqual([]);
    expect(p2.totalCount).toBe(expected.length);

    // Backwards from the start of page 2 is page 1 again.
    const back = (await query('asCreatorA', USERS, { last: 7, before: p2.pageInfo.startCursor })).users;
    expect(uuids(back.nodes)).toEqual(expected.slice(0, 7));
    // The last 3.
    const tail = (await query('asCreatorA', USERS, { last: 3 })).users;
    expect(uuids(tail.nodes)).toEqual(expected.slice(-3));
    expect(tail.pageInfo.hasPreviousPage).toBe(true);
  });

  test('asCreatorA: first: 1000 returns at most 100, with hasNextPage and the full totalCount', async () => {
    await api.owner.query(
      `INSERT INTO users (creator_id, external_id, channel, display_name) SELECT $1, 'bulk-' || g, 'web', 'Bulk ' || g FROM generate_series(1, 110) g`,
      [api.tenants.creatorA],
    );
    try {
      const total = (await one<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE creator_id = $1`, [
        api.tenants.creatorA,
      ]))!.n;
      expect(total).toBeGreaterThan(100);
      const { users } = await query('asCreatorA', USERS, { first: 1000 });
      expect(users.nodes).toHaveLength(100);
      expect(users.edges).toHaveLength(100);
      expect(users.pageInfo.hasNextPage).toBe(true);
      expect(users.totalCount).toBe(total);
      const next = (await query('asCreatorA', USERS, { first: 1000, after: users.pageInfo.endCursor })).users;
      expect(next.nodes).toHaveLength(total - 100);
      expect(uuids(next.nodes).filter((id) => uuids(users.nodes).includes(id))).toEqual([]);
      const last = (await query('asCreatorA', USERS, { last: 1000 })).users;
      expect(last.nodes).toHaveLength(100);
    } finally {
      await api.owner.query(`DELETE FROM users WHERE creator_id = $1 AND external_id LIKE 'bulk-%'`, [
        api.tenants.creatorA,
      ]);
    }
  });

  test("asCreatorB: only Grace's users, never Ada's, with Grace's count", async () => {
    const { users } = await query('asCreatorB', USERS, { first: 100 });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM users WHERE creator_id = $1 ORDER BY created_at DESC, id ASC`,
      [api.tenants.creatorB],
    );
    expect(uuids(users.nodes)).toEqual(expected.map((r) => r.id));
    expect(users.totalCount).toBe(expected.length);
    const { owners } = await ownersOf(users);
    expect([...owners]).toEqual([api.tenants.creatorB]);
    // A search that matches Ada's users matches none for Grace.
    const ada = await aUserOf(api.tenants.creatorA);
    const { users: searched } = await query('asCreatorB', USERS, { filter: { search: ada.external_id }, first: 100 });
    expect(searched.totalCount).toBe(0);
    expect(searched.nodes).toEqual([]);
  });

  test('asAnonymous: UNAUTHENTICATED and no data', async () => {
    const { body } = await send('asAnonymous', USERS, { first: 10 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
    expect(JSON.stringify(body)).not.toMatch(/externalId|"id"/);
  });
});
