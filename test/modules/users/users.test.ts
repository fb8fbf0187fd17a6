// The users API over the real server: the users and interactions lists (filters, ordering,
// pagination, totals), createUser / updateUser / deleteUser, upsertUserProfile,
// recordInteraction / deleteInteraction, nested relations, tenant isolation (creator B against
// creator A's data), bad input and anonymous callers. Every test checks both the GraphQL answer
// and what is really stored (read through the owner role, which bypasses row-level security).
import crypto from 'node:crypto';
import {
  useApiHarness,
  gid,
  uuidOf,
  typeOf,
  uuids,
  expectValidation,
  expectNotFound,
  ERRORS,
  PAGE,
  NODE,
  NODES,
  type Json,
} from '../../helpers/api';

const api = useApiHarness();
const { send, query, mutate, walk, sql, one, rowOf, tableCounts, ownersOf, expectNoCounterDrift } = api;

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const iso = (d: Date) => d.toISOString();

const counts = () =>
  tableCounts({
    users: 'users',
    profiles: 'user_profiles',
    interactions: 'user_interactions',
    enrollments: 'program_enrollments',
    conversations: 'conversations',
    messages: 'messages',
  });

async function aUserOf(creatorId: string, extra = 'TRUE'): Promise<Json> {
  return (await one(`SELECT * FROM users WHERE creator_id = $1 AND ${extra} ORDER BY created_at, id LIMIT 1`, [
    creatorId,
  ]))!;
}

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

const USER_FIELDS = `id externalId channel displayName email timezone language isActive lastActiveAt createdAt updatedAt profileData preferences`;

const USERS = /* GraphQL */ `query Users($filter: UserFilter, $orderBy: UserOrder, $first: Int, $after: String, $last: Int, $before: String) {
  users(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
const INTERACTIONS = /* GraphQL */ `query Interactions($filter: InteractionFilter, $first: Int, $after: String, $last: Int, $before: String) {
  interactions(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;

const CREATE_USER = /* GraphQL */ `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { __typename ... on CreateUserSuccess { data { ${USER_FIELDS} } } ${ERRORS} }
}`;
const UPDATE_USER = /* GraphQL */ `mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { __typename ... on UpdateUserSuccess { data { ${USER_FIELDS} } } ${ERRORS} }
}`;
const DELETE_USER = /* GraphQL */ `mutation DeleteUser($id: ID!) {
  deleteUser(id: $id) { __typename ... on DeleteUserSuccess { data } ${ERRORS} }
}`;
const UPSERT_PROFILE = /* GraphQL */ `mutation UpsertProfile($userId: ID!, $input: UpsertUserProfileInput!) {
  upsertUserProfile(userId: $userId, input: $input) {
    __typename
    ... on UpsertUserProfileSuccess { data { id interests goals preferences behaviorPatterns engagementScore updatedAt user { id } } }
    ${ERRORS}
  }
}`;
const RECORD_INTERACTION = /* GraphQL */ `mutation RecordInteraction($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    __typename
    ... on RecordInteractionSuccess { data { id interactionType interactionData channel createdAt user { id lastActiveAt } program { id } session { id } message { id } } }
    ${ERRORS}
  }
}`;
const DELETE_INTERACTION = /* GraphQL */ `mutation DeleteInteraction($id: ID!) {
  deleteInteraction(id: $id) { __typename ... on DeleteInteractionSuccess { data } ${ERRORS} }
}`;

// ------------------------------------------------------------------------------------------
// users: the list
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// interactions: the list
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// users: create, update, delete
// ------------------------------------------------------------------------------------------

describe('createUser / updateUser / deleteUser', () => {
  test('asCreatorA: createUser stores the user for Ada (normalized), defaults applied, readable by node()', async () => {
    const externalId = `tg-${crypto.randomBytes(4).toString('hex')}`;
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: {
        externalId: `  ${externalId} `,
        channel: 'TELEGRAM',
        displayName: ' Lin Hua ',
        email: ' Lin.Hua@Example.COM ',
        profileData: { source: 'test' },
      },
    });
    expect(result.__typename).toBe('CreateUserSuccess');
    const row = (await one(`SELECT * FROM users WHERE external_id = $1`, [externalId]))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        channel: 'telegram',
        display_name: 'Lin Hua',
        email: 'lin.hua@example.com',
        timezone: 'UTC',
        language: 'en',
        is_active: true,
        profile_data: { source: 'test' },
        preferences: {},
      }),
    );
    expect(result.data).toEqual(
      expect.objectContaining({
        id: gid('User', row.id),
        externalId,
        channel: 'TELEGRAM',
        displayName: 'Lin Hua',
        email: 'lin.hua@example.com',
        timezone: 'UTC',
        language: 'en',
        isActive: true,
        lastActiveAt: null,
      }),
    );
    expect((await counts()).users).toBe(before.users + 1);

    const { node } = await query('asCreatorA', NODE, { id: result.data.id });
    expect(node).toEqual({ __typename: 'User', id: result.data.id });
    await expectNoCounterDrift();
  });

  test.each([
    ['Europe/London'],
    ['UTC'],
    ['Etc/UTC'],
    ['Asia/Kolkata'],
    ['Europe/Kyiv'],
    ['America/Argentina/Buenos_Aires'],
    ['America/New_York'],
  ])('asCreatorA: createUser accepts the IANA time zone %s and stores it', async (timezone) => {
    const externalId = `web-${crypto.randomUUID()}`;
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { externalId, channel: 'WEB', timezone },
    });
    expect({ timezone, typename: result.__typename, fields: result.fields }).toEqual({
      timezone,
      typename: 'CreateUserSuccess',
      fields: undefined,
    });
    expect(result.data.timezone).toBe(timezone);
    expect((await one(`SELECT timezone FROM users WHERE external_id = $1`, [externalId]))!.timezone).toBe(timezone);
  });

  test('asCreatorA: the same channel and externalId twice is a ConflictError and writes nothing', async () => {
    const existing = await aUserOf(api.tenants.creatorA);
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { externalId: existing.external_id, channel: existing.channel.toUpperCase() },
    });
    expect(result).toEqual(expect.objectContaining({ __typename: 'ConflictError', code: 'CONFLICT' }));
    expect(await counts()).toEqual(before);
  });

  test("asCreatorA: the same externalId as one of Grace's users is fine (unique per creator)", async () => {
    const grace = await aUserOf(api.tenants.creatorB);
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { externalId: grace.external_id, channel: grace.channel.toUpperCase() },
    });
    expect(result.__typename).toBe('CreateUserSuccess');
    const row = (await rowOf('users', uuidOf(result.data.id)))!;
    expect(row.creator_id).toBe(api.tenants.creatorA);
    expect(await rowOf('users', grace.id)).toEqual(grace);
  });

  test('asCreatorA: updateUser changes only the given fields; the DB shows it and updatedAt moves', async () => {
    const created = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: {
        externalId: `web-${crypto.randomUUID()}`,
        channel: 'WEB',
        displayName: 'Before',
        email: 'before@example.com',
      },
    });
    const id = uuidOf(created.data.id);
    const before = (await rowOf('users', id))!;
    const result = await mutate('asCreatorA', UPDATE_USER, 'updateUser', {
      id: created.data.id,
      input: {
        displayName: 'After',
        timezone: 'Asia/Tokyo',
        language: 'de',
        isActive: false,
        preferences: { theme: 'dark' },
      },
    });
    expect(result.__typename).toBe('UpdateUserSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        id: created.data.id,
        displayName: 'After',
        email: 'before@example.com',
        timezone: 'Asia/Tokyo',
        language: 'de',
        isActive: false,
        preferences: { theme: 'dark' },
      }),
    );
    const after = (await rowOf('users', id))!;
    expect(after).toEqual({
      ...before,
      display_name: 'After',
      timezone: 'Asia/Tokyo',
      language: 'de',
      is_active: false,
      preferences: { theme: 'dark' },
      updated_at: expect.any(Date),
      change_xid: expect.any(String),
    });
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
  });

  test('asCreatorA: deleteUser removes the user and everything about them; counters follow', async () => {
    const ada = await aUserOf(
      api.tenants.creatorA,
      `EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = users.id) AND EXISTS (SELECT 1 FROM conversations c WHERE c.user_id = users.id) AND EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = users.id)`,
    );
    const related = async () =>
      (await one<Json>(
        `SELECT (SELECT count(*) FROM program_enrollments WHERE user_id = $1)::int AS enrollments,
                (SELECT count(*) FROM conversations WHERE user_id = $1)::int AS conversations,
                (SELECT count(*) FROM user_profiles WHERE user_id = $1)::int AS profiles,
                (SELECT count(*) FROM user_interactions WHERE user_id = $1)::int AS interactions,
                (SELECT count(*) FROM user_badges WHERE user_id = $1)::int AS badges`,
        [ada.id],
      ))!;
    const had = await related();
    expect(had.enrollments).toBeGreaterThan(0);
    expect(had.conversations).toBeGreaterThan(0);
    const before = await counts();

    const result = await mutate('asCreatorA', DELETE_USER, 'deleteUser', { id: gid('User', ada.id) });
    expect(result).toEqual({ __typename: 'DeleteUserSuccess', data: gid('User', ada.id) });
    expect(await rowOf('users', ada.id)).toBeUndefined();
    expect(await related()).toEqual({ enrollments: 0, conversations: 0, profiles: 0, interactions: 0, badges: 0 });
    const after = await counts();
    expect(after.users).toBe(before.users - 1);
    expect(after.enrollments).toBe(before.enrollments - had.enrollments);
    await expectNoCounterDrift();

    const { node } = await query('asCreatorA', NODE, { id: gid('User', ada.id) });
    expect(node).toBeNull();
    // Deleting it again: it is gone.
    expectNotFound(await mutate('asCreatorA', DELETE_USER, 'deleteUser', { id: gid('User', ada.id) }));
  });
});

// ------------------------------------------------------------------------------------------
// upsertUserProfile, recordInteraction, deleteInteraction
// ------------------------------------------------------------------------------------------

describe('upsertUserProfile', () => {
  test('asCreatorA: creates the profile of a user without one, then updates the same row', async () => {
    const created = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { externalId: `web-${crypto.randomUUID()}`, channel: 'WEB' },
    });
    const userId = uuidOf(created.data.id);
    expect(await one(`SELECT 1 FROM user_profiles WHERE user_id = $1`, [userId])).toBeUndefined();

    const first = await mutate('asCreatorA', UPSERT_PROFILE, 'upsertUserProfile', {
      userId: created.data.id,
      input: { interests: ['sleep', 'running'], goals: ['sleep better'], engagementScore: 42.5 },
    });
    expect(first.__typename).toBe('UpsertUserProfileSuccess');
    expect(first.data).toEqual(
      expect.objectContaining({
        interests: ['sleep', 'running'],
        goals: ['sleep better'],
        engagementScore: 42.5,
        preferences: {},
        behaviorPatterns: {},
        user: { id: created.data.id },
      }),
    );
    const rows = await sql(`SELECT * FROM user_profiles WHERE user_id = $1`, [userId]);
    expect(rows).toEqual([
      expect.objectContaining({
        id: uuidOf(first.data.id),
        creator_id: api.tenants.creatorA,
        interests: ['sleep', 'running'],
        goals: ['sleep better'],
        engagement_score: 42.5,
      }),
    ]);

    const second = await mutate('asCreatorA', UPSERT_PROFILE, 'upsertUserProfile', {
      userId: created.data.id,
      input: { engagementScore: 80, preferences: { contactTime: 'evening' } },
    });
    expect(second.__typename).toBe('UpsertUserProfileSuccess');
    expect(second.data.id).toBe(first.data.id);
    expect(second.data).toEqual(
      expect.objectContaining({
        interests: ['sleep', 'running'],
        engagementScore: 80,
        preferences: { contactTime: 'evening' },
      }),
    );
    expect(await sql(`SELECT * FROM user_profiles WHERE user_id = $1`, [userId])).toEqual([
      expect.objectContaining({
        id: uuidOf(first.data.id),
        interests: ['sleep', 'running'],
        goals: ['sleep better'],
        engagement_score: 80,
        preferences: { contactTime: 'evening' },
      }),
    ]);

    // user -> profile and profile -> user.
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on User { profile { id engagementScore user { id } } } } }`,
      { id: created.data.id },
    );
    expect(node.profile).toEqual({ id: first.data.id, engagementScore: 80, user: { id: created.data.id } });
  });
});

describe('recordInteraction / deleteInteraction', () => {
  test('asCreatorA: records the interaction with its references and marks the user active now', async () => {
    const link = (await one<{ user_id: string; session_id: string; program_id: string; message_id: string }>(
      `SELECT s.user_id, s.id AS session_id,
              (SELECT id FROM programs WHERE creator_id = $1 ORDER BY created_at LIMIT 1) AS program_id,
              (SELECT id FROM messages WHERE creator_id = $1 ORDER BY created_at LIMIT 1) AS message_id
         FROM user_sessions s WHERE s.creator_id = $1 ORDER BY s.started_at LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    await api.owner.query(`UPDATE users SET last_active_at = now() - interval '30 days' WHERE id = $1`, [link.user_id]);
    const before = await counts();
    const started = Date.now();
    const result = await mutate('asCreatorA', RECORD_INTERACTION, 'recordInteraction', {
      input: {
        userId: gid('User', link.user_id),
        interactionType: 'quiz.answered',
        interactionData: { answer: 'b' },
        channel: 'WEB',
        sessionId: gid('UserSession', link.session_id),
        programId: gid('Program', link.program_id),
        messageId: gid('Message', link.message_id),
      },
    });
    expect(result.__typename).toBe('RecordInteractionSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        interactionType: 'quiz.answered',
        interactionData: { answer: 'b' },
        channel: 'WEB',
        user: expect.objectContaining({ id: gid('User', link.user_id) }),
        program: { id: gid('Program', link.program_id) },
        session: { id: gid('UserSession', link.session_id) },
        message: { id: gid('Message', link.message_id) },
      }),
    );
    const row = (await rowOf('user_interactions', uuidOf(result.data.id)))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        user_id: link.user_id,
        interaction_type: 'quiz.answered',
        interaction_data: { answer: 'b' },
        channel: 'web',
        session_id: link.session_id,
        program_id: link.program_id,
        message_id: link.message_id,
      }),
    );
    const user = (await rowOf('users', link.user_id))!;
    expect(user.last_active_at.getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(Math.abs(user.last_active_at.getTime() - row.created_at.getTime())).toBeLessThanOrEqual(1);
    expect((await counts()).interactions).toBe(before.interactions + 1);

    // It is the newest interaction, in the list and on the user.
    const { interactions } = await query('asCreatorA', INTERACTIONS, { first: 1 });
    expect(interactions.nodes[0].id).toBe(result.data.id);
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on User { interactions(first: 1) { totalCount nodes { id } } } } }`,
      { id: gid('User', link.user_id) },
    );
    expect(node.interactions.nodes[0].id).toBe(result.data.id);
    expect(node.interactions.totalCount).toBe(
      (await one<{ n: number }>(`SELECT count(*)::int AS n FROM user_interactions WHERE user_id = $1`, [link.user_id]))!
        .n,
    );
  });

  test('asCreatorA: recordInteraction with only the required fields', async () => {
    const user = await aUserOf(api.tenants.creatorA);
    const result = await mutate('asCreatorA', RECORD_INTERACTION, 'recordInteraction', {
      input: { userId: gid('User', user.id), interactionType: 'opened_app' },
    });
    expect(result.__typename).toBe('RecordInteractionSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({ interactionData: {}, channel: null, program: null, session: null, message: null }),
    );
  });

  test('asCreatorA: deleteInteraction removes it', async () => {
    const user = await aUserOf(api.tenants.creatorA);
    const created = await mutate('asCreatorA', RECORD_INTERACTION, 'recordInteraction', {
      input: { userId: gid('User', user.id), interactionType: 'to_delete' },
    });
    const before = await counts();
    const result = await mutate('asCreatorA', DELETE_INTERACTION, 'deleteInteraction', { id: created.data.id });
    expect(result).toEqual({ __typename: 'DeleteInteractionSuccess', data: created.data.id });
    expect(await rowOf('user_interactions', uuidOf(created.data.id))).toBeUndefined();
    expect((await counts()).interactions).toBe(before.interactions - 1);
  });
});

// ------------------------------------------------------------------------------------------
// Nested relations
// ------------------------------------------------------------------------------------------

const USER_GRAPH = /* GraphQL */ `
  query UserGraph($id: ID!) {
    node(id: $id) {
      ... on User {
        id
        pointsTotal
        profile {
          id
          user {
            id
          }
        }
        enrollments(first: 100) {
          totalCount
          nodes {
            id
            status
            program {
              id
              name
              enrollments(first: 100) {
                totalCount
                nodes {
                  id
                  user {
                    id
                  }
                }
              }
            }
            user {
              id
            }
          }
        }
        badges(first: 100) {
          totalCount
          nodes {
            id
            badge {
              id
              name
            }
            user {
              id
            }
          }
        }
        conversations(first: 100) {
          totalCount
          nodes {
            id
            user {
              id
            }
            messages(first: 100) {
              totalCount
              nodes {
                id
              }
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
        sessions(first: 100) {
          totalCount
          nodes {
            id
            user {
              id
            }
          }
        }
        interactions(first: 100) {
          totalCount
          nodes {
            id
            user {
              id
            }
          }
        }
      }
    }
  }
`;

describe('nested relations', () => {
  test('asCreatorA: user -> enrollments -> program -> enrollments -> user, badges, conversations, sessions, interactions all match the DB', async () => {
    const ada = await aUserOf(
      api.tenants.creatorA,
      `EXISTS (SELECT 1 FROM user_badges b WHERE b.user_id = users.id) AND EXISTS (SELECT 1 FROM conversations c WHERE c.user_id = users.id) AND EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = users.id)`,
    );
    const userGid = gid('User', ada.id);
    const { node } = await query('asCreatorA', USER_GRAPH, { id: userGid });
    const idsOf = async (table: string, where = 'user_id = $1', params: unknown[] = [ada.id]) =>
      (await sql<{ id: string }>(`SELECT id FROM ${table} WHERE ${where}`, params)).map((r) => r.id).sort();

    expect(node.id).toBe(userGid);
    expect(node.profile.user.id).toBe(userGid);
    expect(uuids(node.enrollments.nodes).sort()).toEqual(await idsOf('program_enrollments'));
    expect(node.enrollments.totalCount).toBe((await idsOf('program_enrollments')).length);
    for (const e of node.enrollments.nodes) {
      expect(e.user.id).toBe(userGid);
      const programId = uuidOf(e.program.id);
      expect((await rowOf('program_enrollments', uuidOf(e.id)))!.program_id).toBe(programId);
      // program -> enrollments contains this one, and every one of them belongs to the program.
      expect(uuids(e.program.enrollments.nodes).sort()).toEqual(
        await idsOf('program_enrollments', 'program_id = $1', [programId]),
      );
      expect(e.program.enrollments.nodes.map((x: Json) => x.id)).toContain(e.id);
    }
    expect(uuids(node.badges.nodes).sort()).toEqual(await idsOf('user_badges'));
    for (const b of node.badges.nodes) expect(b.user.id).toBe(userGid);
    expect(uuids(node.conversations.nodes).sort()).toEqual(await idsOf('conversations'));
    for (const c of node.conversations.nodes) {
      expect(c.user.id).toBe(userGid);
      expect(uuids(c.messages.nodes).sort()).toEqual(await idsOf('messages', 'conversation_id = $1', [uuidOf(c.id)]));
    }
    expect(uuids(node.achievements.nodes).sort()).toEqual(await idsOf('achievements'));
    expect(node.pointsTotal).toBe(
      (await one<{ n: string }>(`SELECT coalesce(sum(points), 0)::text AS n FROM achievements WHERE user_id = $1`, [
        ada.id,
      ]))!.n,
    );
    expect(uuids(node.sessions.nodes).sort()).toEqual(await idsOf('user_sessions'));
    expect(uuids(node.interactions.nodes).sort()).toEqual(
      (await idsOf('user_interactions')).length <= 100 ? await idsOf('user_interactions') : expect.any(Array),
    );
    expect([...(await ownersOf(node)).owners]).toEqual([api.tenants.creatorA]);
  });

  test('asCreatorA: interaction -> user, program, session, message point at the stored rows', async () => {
    const row = (await one(
      `SELECT * FROM user_interactions WHERE creator_id = $1 AND program_id IS NOT NULL AND session_id IS NOT NULL LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on UserInteraction { id interactionType user { id } program { id } session { id user { id } } message { id } } } }`,
      { id: gid('UserInteraction', row.id) },
    );
    expect(node).toEqual({
      id: gid('UserInteraction', row.id),
      interactionType: row.interaction_type,
      user: { id: gid('User', row.user_id) },
      program: { id: gid('Program', row.program_id) },
      session: { id: gid('UserSession', row.session_id), user: { id: gid('User', row.user_id) } },
      message: row.message_id ? { id: gid('Message', row.message_id) } : null,
    });
  });
});

// ------------------------------------------------------------------------------------------
// Tenant isolation: creator B against creator A's data
// ------------------------------------------------------------------------------------------

describe("asCreatorB against Ada's users", () => {
  let adaUser: Json;
  let adaProfile: Json;
  let adaSession: Json;
  let adaInteraction: Json;
  let graceUser: Json;

  beforeAll(async () => {
    adaUser = await aUserOf(
      api.tenants.creatorA,
      `EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = users.id) AND EXISTS (SELECT 1 FROM user_interactions i WHERE i.user_id = users.id) AND EXISTS (SELECT 1 FROM user_sessions s WHERE s.user_id = users.id)`,
    );
    adaProfile = (await one(`SELECT * FROM user_profiles WHERE user_id = $1`, [adaUser.id]))!;
    adaSession = (await one(`SELECT * FROM user_sessions WHERE user_id = $1 LIMIT 1`, [adaUser.id]))!;
    adaInteraction = (await one(`SELECT * FROM user_interactions WHERE user_id = $1 LIMIT 1`, [adaUser.id]))!;
    graceUser = await aUserOf(
      api.tenants.creatorB,
      `EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = users.id)`,
    );
  });

  test("node(id) is null for Ada's user, profile, session and interaction (and works for Grace's own)", async () => {
    for (const id of [
      gid('User', adaUser.id),
      gid('UserProfile', adaProfile.id),
      gid('UserSession', adaSession.id),
      gid('UserInteraction', adaInteraction.id),
    ]) {
      const { node } = await query('asCreatorB', NODE, { id });
      expect({ id, node }).toEqual({ id, node: null });
      // Ada sees her own.
      expect((await query('asCreatorA', NODE, { id })).node).toEqual({ __typename: typeOf(id), id });
    }
    expect((await query('asCreatorB', NODE, { id: gid('User', graceUser.id) })).node).toEqual({
      __typename: 'User',
      id: gid('User', graceUser.id),
    });
  });

  test('node(id) of Ada herself (the Creator) is null, so her users cannot be reached through it', async () => {
    const { body } = await send(
      'asCreatorB',
      `query($id: ID!) { node(id: $id) { id ... on Creator { email users(first: 100) { nodes { id } } } } }`,
      { id: gid('Creator', api.tenants.creatorA) },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ node: null });
  });

  test("nodes(ids) is null in each of Ada's places and returns Grace's own", async () => {
    const ids = [
      gid('User', adaUser.id),
      gid('User', graceUser.id),
      gid('UserProfile', adaProfile.id),
      gid('UserInteraction', adaInteraction.id),
    ];
    const { nodes } = await query('asCreatorB', NODES, { ids });
    expect(nodes).toEqual([null, { __typename: 'User', id: gid('User', graceUser.id) }, null, null]);
  });

  test("updateUser with Ada's user: NotFoundError, row unchanged", async () => {
    const before = await rowOf('users', adaUser.id);
    const result = await mutate('asCreatorB', UPDATE_USER, 'updateUser', {
      id: gid('User', adaUser.id),
      input: { displayName: 'Hijacked', isActive: false },
    });
    expectNotFound(result);
    expect(result.data).toBeUndefined();
    expect(await rowOf('users', adaUser.id)).toEqual(before);
  });

  test("deleteUser with Ada's user: NotFoundError, nothing deleted", async () => {
    const before = await counts();
    const row = await rowOf('users', adaUser.id);
    expectNotFound(await mutate('asCreatorB', DELETE_USER, 'deleteUser', { id: gid('User', adaUser.id) }));
    expect(await rowOf('users', adaUser.id)).toEqual(row);
    expect(await counts()).toEqual(before);
  });

  test("deleteInteraction with Ada's interaction: NotFoundError, row unchanged", async () => {
    const before = await rowOf('user_interactions', adaInteraction.id);
    expectNotFound(
      await mutate('asCreatorB', DELETE_INTERACTION, 'deleteInteraction', {
        id: gid('UserInteraction', adaInteraction.id),
      }),
    );
    expect(await rowOf('user_interactions', adaInteraction.id)).toEqual(before);
  });

  test("upsertUserProfile for Ada's user: NotFoundError; Ada's profile unchanged and no profile written", async () => {
    const before = await counts();
    const result = await mutate('asCreatorB', UPSERT_PROFILE, 'upsertUserProfile', {
      userId: gid('User', adaUser.id),
      input: { engagementScore: 1, interests: ['stolen'] },
    });
    expectNotFound(result);
    expect(await rowOf('user_profiles', adaProfile.id)).toEqual(adaProfile);
    expect(await sql(`SELECT id FROM user_profiles WHERE user_id = $1`, [adaUser.id])).toEqual([{ id: adaProfile.id }]);
    expect(await counts()).toEqual(before);
  });

  test("recordInteraction for Ada's user: NotFoundError, nothing written, Ada's user not touched", async () => {
    const before = await counts();
    const user = await rowOf('users', adaUser.id);
    expectNotFound(
      await mutate('asCreatorB', RECORD_INTERACTION, 'recordInteraction', {
        input: { userId: gid('User', adaUser.id), interactionType: 'injected' },
      }),
    );
    expect(await counts()).toEqual(before);
    expect(await rowOf('users', adaUser.id)).toEqual(user);
    expect(await sql(`SELECT id FROM user_interactions WHERE interaction_type = 'injected'`)).toEqual([]);
  });

  test("recordInteraction for Grace's user pointing at Ada's program, session or message: NotFoundError, nothing written, Grace's user not touched", async () => {
    const adaProgram = (await one<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    const adaMessage = (await one<{ id: string }>(`SELECT id FROM messages WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    const refs: Json[] = [
      { programId: gid('Program', adaProgram.id) },
      { sessionId: gid('UserSession', adaSession.id) },
      { messageId: gid('Message', adaMessage.id) },
    ];
    for (const ref of refs) {
      const before = await counts();
      const grace = await rowOf('users', graceUser.id);
      const result = await mutate('asCreatorB', RECORD_INTERACTION, 'recordInteraction', {
        input: { userId: gid('User', graceUser.id), interactionType: 'cross_ref', ...ref },
      });
      expect({ ref, typename: result.__typename, code: result.code }).toEqual({
        ref,
        typename: 'NotFoundError',
        code: 'NOT_FOUND',
      });
      expect(await counts()).toEqual(before);
      expect(await rowOf('users', graceUser.id)).toEqual(grace);
    }
    expect(await sql(`SELECT id FROM user_interactions WHERE interaction_type = 'cross_ref'`)).toEqual([]);
  });

  test("me.users and every relation reachable from Grace's users stay within Grace's rows", async () => {
    const { me } = await query(
      'asCreatorB',
      /* GraphQL */ `
        {
          me {
            id
            users(first: 100) {
              totalCount
              nodes {
                id
                profile {
                  id
                  user {
                    id
                  }
                }
                enrollments(first: 100) {
                  nodes {
                    id
                    program {
                      id
                      enrollments(first: 100) {
                        nodes {
                          id
                          user {
                            id
                            badges(first: 100) {
                              nodes {
                                id
                                badge {
                                  id
                                }
                              }
                            }
                          }
                        }
                      }
                    }
                  }
                }
                badges(first: 100) {
                  nodes {
                    id
                    badge {
                      id
                    }
                    user {
                      id
                    }
                  }
                }
                conversations(first: 100) {
                  nodes {
                    id
                    messages(first: 100) {
                      nodes {
                        id
                      }
                    }
                  }
                }
                achievements(first: 100) {
                  nodes {
                    id
                  }
                }
                sessions(first: 100) {
                  nodes {
                    id
                  }
                }
                interactions(first: 100) {
                  nodes {
                    id
                    program {
                      id
                    }
                    session {
                      id
                    }
                    message {
                      id
                    }
                  }
                }
              }
            }
          }
        }
      `,
    );
    expect(me.id).toBe(gid('Creator', api.tenants.creatorB));
    const { users, ...rest } = me;
    expect(rest).toEqual({ id: gid('Creator', api.tenants.creatorB) });
    expect(users.totalCount).toBe(
      (await one<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE creator_id = $1`, [api.tenants.creatorB]))!
        .n,
    );
    const { owners, count } = await ownersOf(users);
    expect(count).toBeGreaterThan(100);
    expect([...owners]).toEqual([api.tenants.creatorB]);
  });

  test("a cursor taken from Ada's list gives Grace none of Ada's users", async () => {
    const { users: ada } = await query('asCreatorA', USERS, { first: 3 });
    // Cursors are sealed per tenant: Grace's request cannot open Ada's, so it is refused as bad input
    // naming the argument, and (users being non-null) data is null.
    const cases = [
      { argument: 'after', variables: { first: 100, after: ada.pageInfo.endCursor } },
      { argument: 'before', variables: { last: 100, before: ada.pageInfo.startCursor } },
    ];
    for (const { argument, variables } of cases) {
      const { body } = await send('asCreatorB', USERS, variables);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([
        expect.objectContaining({
          path: ['users'],
          extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument }),
        }),
      ]);
      expect(JSON.stringify(body)).not.toContain(ada.nodes[0].id);
    }
  });

  test("Ada's user id in Grace's filters and relations reaches nothing", async () => {
    const { interactions } = await query('asCreatorB', INTERACTIONS, {
      filter: { userId: gid('User', adaUser.id) },
      first: 100,
    });
    expect(interactions).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
  });
});

// ------------------------------------------------------------------------------------------
// Bad input
// ------------------------------------------------------------------------------------------

describe('bad input is a ValidationError naming the field, and writes nothing', () => {
  const validUser = () => ({ externalId: `web-${crypto.randomUUID()}`, channel: 'WEB' });

  test.each([
    ['an email that is not one', { email: 'not-an-email' }, ['input.email']],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, ['input.timezone']],
    ['an empty externalId', { externalId: '   ' }, ['input.externalId']],
    ['an over-long externalId', { externalId: 'x'.repeat(256) }, ['input.externalId']],
    ['a language that is not a BCP 47 tag', { language: 'English!' }, ['input.language']],
    ['an over-long display name', { displayName: 'n'.repeat(201) }, ['input.displayName']],
    [
      'several bad fields at once',
      { email: 'nope', timezone: 'Nowhere/City', language: '??' },
      ['input.email', 'input.language', 'input.timezone'],
    ],
  ])('asCreatorA: createUser with %s', async (_name, bad, paths) => {
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', { input: { ...validUser(), ...bad } });
    expectValidation(result, paths);
    expect(result.data).toBeUndefined();
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['a bad email', (u: string) => ({ id: gid('User', u), input: { email: 'a@b' } }), ['input.email']],
    [
      'a bad time zone',
      (u: string) => ({ id: gid('User', u), input: { timezone: 'Europe/Nowhere' } }),
      ['input.timezone'],
    ],
    ['an empty timezone', (u: string) => ({ id: gid('User', u), input: { timezone: '' } }), ['input.timezone']],
    ['a Program id as the user id', (u: string) => ({ id: gid('Program', u), input: { displayName: 'x' } }), ['id']],
    ['a malformed id', () => ({ id: 'not-a-global-id', input: { displayName: 'x' } }), ['id']],
    [
      'a global id whose uuid is malformed',
      () => ({ id: Buffer.from('User:123').toString('base64'), input: { displayName: 'x' } }),
      ['id'],
    ],
  ])('asCreatorA: updateUser with %s; the row is unchanged', async (_name, vars, paths) => {
    const ada = await aUserOf(api.tenants.creatorA);
    const before = await rowOf('users', ada.id);
    const result = await mutate('asCreatorA', UPDATE_USER, 'updateUser', vars(ada.id));
    expectValidation(result, paths);
    expect(await rowOf('users', ada.id)).toEqual(before);
  });

  test.each([
    ['engagementScore 150', { engagementScore: 150 }, ['input.engagementScore']],
    ['engagementScore -1', { engagementScore: -1 }, ['input.engagementScore']],
    ['an empty interest', { interests: ['ok', ' '] }, ['input.interests.1']],
    ['goals that are not a list', { goals: { not: 'a list' } }, ['input.goals']],
  ])('asCreatorA: upsertUserProfile with %s; the profile is unchanged', async (_name, input, paths) => {
    const ada = await aUserOf(
      api.tenants.creatorA,
      `EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = users.id)`,
    );
    const before = await one(`SELECT * FROM user_profiles WHERE user_id = $1`, [ada.id]);
    const counted = await counts();
    expectValidation(
      await mutate('asCreatorA', UPSERT_PROFILE, 'upsertUserProfile', { userId: gid('User', ada.id), input }),
      paths,
    );
    expect(await one(`SELECT * FROM user_profiles WHERE user_id = $1`, [ada.id])).toEqual(before);
    expect(await counts()).toEqual(counted);
  });

  test('asCreatorA: upsertUserProfile with a Program id as userId names userId', async () => {
    const program = (await one<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    const before = await counts();
    expectValidation(
      await mutate('asCreatorA', UPSERT_PROFILE, 'upsertUserProfile', {
        userId: gid('Program', program.id),
        input: { engagementScore: 10 },
      }),
      ['userId'],
    );
    expect(await counts()).toEqual(before);
  });

  test.each([
    [
      'an interactionType that is not lower_snake_case',
      (u: string) => ({ userId: gid('User', u), interactionType: 'Lesson Viewed' }),
      ['input.interactionType'],
    ],
    [
      'an empty interactionType',
      (u: string) => ({ userId: gid('User', u), interactionType: '' }),
      ['input.interactionType'],
    ],
    ['a Program id as userId', (u: string) => ({ userId: gid('Program', u), interactionType: 'ok' }), ['input.userId']],
    ['a malformed userId', () => ({ userId: '%%%', interactionType: 'ok' }), ['input.userId']],
    [
      'a User id as programId',
      (u: string) => ({ userId: gid('User', u), interactionType: 'ok', programId: gid('User', u) }),
      ['input.programId'],
    ],
    [
      'a malformed sessionId',
      (u: string) => ({ userId: gid('User', u), interactionType: 'ok', sessionId: 'session-1' }),
      ['input.sessionId'],
    ],
    [
      'a Conversation id as messageId',
      (u: string) => ({ userId: gid('User', u), interactionType: 'ok', messageId: gid('Conversation', u) }),
      ['input.messageId'],
    ],
  ])('asCreatorA: recordInteraction with %s; nothing written, the user not touched', async (_name, input, paths) => {
    const ada = await aUserOf(api.tenants.creatorA);
    const before = await counts();
    const user = await rowOf('users', ada.id);
    expectValidation(
      await mutate('asCreatorA', RECORD_INTERACTION, 'recordInteraction', { input: input(ada.id) }),
      paths,
    );
    expect(await counts()).toEqual(before);
    expect(await rowOf('users', ada.id)).toEqual(user);
  });

  test('asCreatorA: deleteUser with a Program id or a malformed id names id and deletes nothing', async () => {
    const ada = await aUserOf(api.tenants.creatorA);
    const before = await counts();
    expectValidation(await mutate('asCreatorA', DELETE_USER, 'deleteUser', { id: gid('Program', ada.id) }), ['id']);
    expectValidation(await mutate('asCreatorA', DELETE_USER, 'deleteUser', { id: 'garbage' }), ['id']);
    expect(await counts()).toEqual(before);
  });
});

// ------------------------------------------------------------------------------------------
// Anonymous
// ------------------------------------------------------------------------------------------

describe('asAnonymous', () => {
  test.each([
    ['users', USERS],
    ['interactions', INTERACTIONS],
  ])('%s: UNAUTHENTICATED and no data', async (_name, document) => {
    const { body } = await send('asAnonymous', document, { first: 5 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  test("node(id) of Ada's user is null", async () => {
    const ada = await aUserOf(api.tenants.creatorA);
    const { body } = await send('asAnonymous', NODE, { id: gid('User', ada.id) });
    expect(body.data?.node ?? null).toBeNull();
  });

  test('createUser and recordInteraction: UNAUTHENTICATED, nothing written', async () => {
    const ada = await aUserOf(api.tenants.creatorA);
    const before = await counts();
    for (const [document, variables] of [
      [CREATE_USER, { input: { externalId: `web-${crypto.randomUUID()}`, channel: 'WEB' } }],
      [RECORD_INTERACTION, { input: { userId: gid('User', ada.id), interactionType: 'anon' } }],
      [UPSERT_PROFILE, { userId: gid('User', ada.id), input: { engagementScore: 3 } }],
    ] as const) {
      const { body } = await send('asAnonymous', document, variables);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.data ?? null).toBeNull();
    }
    expect(await counts()).toEqual(before);
  });
});
