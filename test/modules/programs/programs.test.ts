// The programs API over the real server: the programs and enrollments lists (filters, ordering,
// pagination, totals), createProgram / updateProgram / deleteProgram, publishProgram (version
// bump and publishedAt), archiveProgram, enrollUser (published programs only), updateEnrollment
// (completing sets completedAt and progress 100), unenrollUser, enrollmentStats and
// enrollmentCount, nested relations, tenant isolation (creator B against creator A's data), bad
// input and anonymous callers. Every test checks both the GraphQL answer and what is really
// stored (read through the owner role, which bypasses row-level security).
import {
  useApiHarness,
  gid,
  uuidOf,
  typeOf,
  uuids,
  withinSeconds,
  expectValidation,
  expectNotFound,
  expectConflict,
  ERRORS,
  PAGE,
  NODE,
  NODES,
  type Json,
} from '../../helpers/api';

const api = useApiHarness();
const { send, query, mutate, walk, sql, one, countOf, rowOf, tableCounts, ownersOf, expectNoCounterDrift } = api;

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const counts = () =>
  tableCounts({
    programs: 'programs',
    enrollments: 'program_enrollments',
    analytics: 'program_analytics',
    users: 'users',
  });

const programOf = async (creatorId: string, status: string) =>
  (await one(`SELECT * FROM programs WHERE creator_id = $1 AND status = $2 ORDER BY created_at, id LIMIT 1`, [
    creatorId,
    status,
  ]))!;
const usersOf = async (creatorId: string) =>
  (await sql<{ id: string }>(`SELECT id FROM users WHERE creator_id = $1 ORDER BY created_at, id`, [creatorId])).map(
    (r) => r.id,
  );
/** A user of the creator not enrolled in the program. */
const userNotIn = async (creatorId: string, programId: string) =>
  (await one<{ id: string }>(
    `SELECT id FROM users u WHERE creator_id = $1 AND NOT EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = u.id AND e.program_id = $2) ORDER BY created_at, id LIMIT 1`,
    [creatorId, programId],
  ))!.id;

/** Inserts a program directly (owner role) for tests that change its state. */
async function insertProgram(
  creatorId: string,
  status: 'draft' | 'published' | 'archived',
  name = `Test program ${Math.random().toString(36).slice(2, 8)}`,
): Promise<Json> {
  return (await one(
    `INSERT INTO programs (creator_id, name, status, version, flow_definition, published_at, archived_at)
     VALUES ($1, $2, $3, $4, '{"start": "intro", "steps": [{"id": "intro", "type": "content", "transitions": [{"to": "end"}]}, {"id": "end", "type": "checkpoint", "end": true}]}', $5, $6) RETURNING *`,
    [
      creatorId,
      name,
      status,
      status === 'draft' ? 1 : 3,
      status === 'draft' ? null : new Date(Date.now() - 86_400_000),
      status === 'archived' ? new Date() : null,
    ],
  ))!;
}

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

const PROGRAM_FIELDS = `id name description status version flowDefinition settings publishedAt archivedAt enrollmentCount enrollmentStats { active paused completed dropped total } createdAt updatedAt`;
const ENROLLMENT_FIELDS = `id status progress currentStep stepData programVersion enrolledAt completedAt lastActivityAt program { id enrollmentCount } user { id }`;

const PROGRAMS = /* GraphQL */ `query Programs($filter: ProgramFilter, $first: Int, $after: String, $last: Int, $before: String) {
  programs(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
const ENROLLMENTS = /* GraphQL */ `query Enrollments($filter: EnrollmentFilter, $first: Int, $after: String, $last: Int, $before: String) {
  enrollments(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
const PROGRAM = /* GraphQL */ `query Program($id: ID!) { node(id: $id) { ... on Program { ${PROGRAM_FIELDS} } } }`;

const CREATE_PROGRAM = /* GraphQL */ `mutation CreateProgram($input: CreateProgramInput!) {
  createProgram(input: $input) { __typename ... on CreateProgramSuccess { data { ${PROGRAM_FIELDS} } } ${ERRORS} }
}`;
const UPDATE_PROGRAM = /* GraphQL */ `mutation UpdateProgram($id: ID!, $input: UpdateProgramInput!) {
  updateProgram(id: $id, input: $input) { __typename ... on UpdateProgramSuccess { data { ${PROGRAM_FIELDS} } } ${ERRORS} }
}`;
const PUBLISH_PROGRAM = /* GraphQL */ `mutation PublishProgram($id: ID!) {
  publishProgram(id: $id) { __typename ... on PublishProgramSuccess { data { ${PROGRAM_FIELDS} } } ${ERRORS} }
}`;
const ARCHIVE_PROGRAM = /* GraphQL */ `mutation ArchiveProgram($id: ID!) {
  archiveProgram(id: $id) { __typename ... on ArchiveProgramSuccess { data { ${PROGRAM_FIELDS} } } ${ERRORS} }
}`;
const DELETE_PROGRAM = /* GraphQL */ `mutation DeleteProgram($id: ID!) {
  deleteProgram(id: $id) { __typename ... on DeleteProgramSuccess { data } ${ERRORS} }
}`;
const ENROLL = /* GraphQL */ `mutation Enroll($programId: ID!, $userId: ID!) {
  enrollUser(programId: $programId, userId: $userId) { __typename ... on EnrollUserSuccess { data { ${ENROLLMENT_FIELDS} } } ${ERRORS} }
}`;
const UPDATE_ENROLLMENT = /* GraphQL */ `mutation UpdateEnrollment($id: ID!, $input: UpdateEnrollmentInput!) {
  updateEnrollment(id: $id, input: $input) { __typename ... on UpdateEnrollmentSuccess { data { ${ENROLLMENT_FIELDS} } } ${ERRORS} }
}`;
const UNENROLL = /* GraphQL */ `mutation Unenroll($id: ID!) {
  unenrollUser(id: $id) { __typename ... on UnenrollUserSuccess { data } ${ERRORS} }
}`;

const statsFromDb = async (programId: string) => {
  const rows = await sql<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM program_enrollments WHERE program_id = $1 GROUP BY status`,
    [programId],
  );
  const stats: Record<string, number> = { active: 0, paused: 0, completed: 0, dropped: 0, total: 0 };
  for (const r of rows) {
    stats[r.status] = r.n;
    stats.total! += r.n;
  }
  return stats;
};

// ------------------------------------------------------------------------------------------
// programs: the list
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// enrollments: the list
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// createProgram, updateProgram, deleteProgram
// ------------------------------------------------------------------------------------------

describe('createProgram / updateProgram / deleteProgram', () => {
  test('asCreatorA: createProgram stores a draft at version 1 for Ada', async () => {
    const before = await counts();
    const flow = { start: 'a', steps: [{ id: 'a' }, { id: 'b' }] };
    const result = await mutate('asCreatorA', CREATE_PROGRAM, 'createProgram', {
      input: {
        name: '  Sleep Reset  ',
        description: 'Two weeks to better sleep.',
        flowDefinition: flow,
        settings: { reminders: true },
      },
    });
    expect(result.__typename).toBe('CreateProgramSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        name: 'Sleep Reset',
        description: 'Two weeks to better sleep.',
        status: 'DRAFT',
        version: 1,
        flowDefinition: flow,
        settings: { reminders: true },
        publishedAt: null,
        archivedAt: null,
        enrollmentCount: 0,
        enrollmentStats: { active: 0, paused: 0, completed: 0, dropped: 0, total: 0 },
      }),
    );
    const row = (await rowOf('programs', uuidOf(result.data.id)))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        name: 'Sleep Reset',
        status: 'draft',
        version: 1,
        flow_definition: flow,
        settings: { reminders: true },
        published_at: null,
        archived_at: null,
        enrollment_count: 0,
      }),
    );
    expect((await counts()).programs).toBe(before.programs + 1);
    expect((await query('asCreatorA', NODE, { id: result.data.id })).node).toEqual({
      __typename: 'Program',
      id: result.data.id,
    });
  });

  test('asCreatorA: updateProgram changes the given fields (flow too, while a draft); the DB shows it', async () => {
    const draft = await insertProgram(api.tenants.creatorA, 'draft');
    const flow = { start: 'x', steps: [{ id: 'x', end: true }] };
    const result = await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', {
      id: gid('Program', draft.id),
      input: { name: 'Renamed', description: 'New words', settings: { a: 1 }, flowDefinition: flow },
    });
    expect(result.__typename).toBe('UpdateProgramSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        name: 'Renamed',
        description: 'New words',
        settings: { a: 1 },
        flowDefinition: flow,
        status: 'DRAFT',
        version: 1,
      }),
    );
    const row = (await rowOf('programs', draft.id))!;
    expect(row).toEqual({
      ...draft,
      name: 'Renamed',
      description: 'New words',
      settings: { a: 1 },
      flow_definition: flow,
      updated_at: expect.any(Date),
    });
    expect(row.updated_at.getTime()).toBeGreaterThan(draft.updated_at.getTime());
  });

  test('asCreatorA: the flow of a published program can be edited for its next version; an archived one cannot change', async () => {
    const published = await insertProgram(api.tenants.creatorA, 'published');
    const next = { start: 'only', steps: [{ id: 'only', type: 'checkpoint', end: true }] };
    const edited = await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', {
      id: gid('Program', published.id),
      input: { name: 'Edited', flowDefinition: next },
    });
    expect(edited.data).toEqual(
      expect.objectContaining({
        name: 'Edited',
        flowDefinition: next,
        version: published.version,
        status: 'PUBLISHED',
      }),
    );
    // The live version keeps the flow it was published with.
    expect(
      (await one(`SELECT flow_definition FROM program_versions WHERE program_id = $1 AND version = $2`, [
        published.id,
        published.version,
      ]))!.flow_definition,
    ).toEqual(published.flow_definition);
    const archived = await insertProgram(api.tenants.creatorA, 'archived');
    expectConflict(
      await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', {
        id: gid('Program', archived.id),
        input: { name: 'Sneaky', flowDefinition: next },
      }),
    );
    expect(await rowOf('programs', archived.id)).toEqual(archived);
    const renamed = await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', {
      id: gid('Program', archived.id),
      input: { name: 'Open rename' },
    });
    expect(renamed.__typename).toBe('UpdateProgramSuccess');
  });

  test('asCreatorA: deleteProgram removes it with its enrollments and analytics; interactions and achievements keep their rows without it', async () => {
    const program = (await one(
      `SELECT p.* FROM programs p WHERE p.creator_id = $1 AND EXISTS (SELECT 1 FROM program_enrollments e WHERE e.program_id = p.id)
         AND EXISTS (SELECT 1 FROM user_interactions i WHERE i.program_id = p.id) ORDER BY p.created_at LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const interactionIds = (
      await sql<{ id: string }>(`SELECT id FROM user_interactions WHERE program_id = $1`, [program.id])
    ).map((r) => r.id);
    const achievementIds = (
      await sql<{ id: string }>(`SELECT id FROM achievements WHERE program_id = $1`, [program.id])
    ).map((r) => r.id);
    const enrolled = await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE program_id = $1`, [
      program.id,
    ]);
    const before = await counts();

    const result = await mutate('asCreatorA', DELETE_PROGRAM, 'deleteProgram', { id: gid('Program', program.id) });
    expect(result).toEqual({ __typename: 'DeleteProgramSuccess', data: gid('Program', program.id) });
    expect(await rowOf('programs', program.id)).toBeUndefined();
    expect(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE program_id = $1`, [program.id]),
    ).toBe(0);
    expect(await countOf(`SELECT count(*)::int AS n FROM program_analytics WHERE program_id = $1`, [program.id])).toBe(
      0,
    );
    const after = await counts();
    expect(after.programs).toBe(before.programs - 1);
    expect(after.enrollments).toBe(before.enrollments - enrolled);
    expect(after.users).toBe(before.users);
    expect(await sql(`SELECT program_id FROM user_interactions WHERE id = ANY($1::uuid[])`, [interactionIds])).toEqual(
      interactionIds.map(() => ({ program_id: null })),
    );
    expect(await sql(`SELECT program_id FROM achievements WHERE id = ANY($1::uuid[])`, [achievementIds])).toEqual(
      achievementIds.map(() => ({ program_id: null })),
    );
    await expectNoCounterDrift();
    expectNotFound(await mutate('asCreatorA', DELETE_PROGRAM, 'deleteProgram', { id: gid('Program', program.id) }));
  });
});

// ------------------------------------------------------------------------------------------
// publishProgram, archiveProgram
// ------------------------------------------------------------------------------------------

describe('publishProgram / archiveProgram', () => {
  test('asCreatorA: publishing a draft makes it PUBLISHED, bumps the version and sets publishedAt; publishing again bumps again', async () => {
    const draft = await insertProgram(api.tenants.creatorA, 'draft');
    const started = Date.now();
    const first = await mutate('asCreatorA', PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', draft.id) });
    expect(first.__typename).toBe('PublishProgramSuccess');
    expect(first.data).toEqual(
      expect.objectContaining({ status: 'PUBLISHED', version: 2, archivedAt: null, publishedAt: expect.any(String) }),
    );
    const row1 = (await rowOf('programs', draft.id))!;
    expect(row1).toEqual(expect.objectContaining({ status: 'published', version: 2, archived_at: null }));
    withinSeconds(row1.published_at.getTime(), started, 5);
    expect(new Date(first.data.publishedAt).getTime()).toBe(row1.published_at.getTime());

    await new Promise((r) => setTimeout(r, 10));
    const second = await mutate('asCreatorA', PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', draft.id) });
    expect(second.data).toEqual(expect.objectContaining({ status: 'PUBLISHED', version: 3 }));
    const row2 = (await rowOf('programs', draft.id))!;
    expect(row2.version).toBe(3);
    expect(row2.published_at.getTime()).toBeGreaterThan(row1.published_at.getTime());

    // New enrollments start on the new version.
    const user = await userNotIn(api.tenants.creatorA, draft.id);
    const enrolled = await mutate('asCreatorA', ENROLL, 'enrollUser', {
      programId: gid('Program', draft.id),
      userId: gid('User', user),
    });
    expect(enrolled.data.programVersion).toBe(3);
  });

  test('asCreatorA: an archived program cannot be published (ConflictError); the row is unchanged', async () => {
    const archived = await insertProgram(api.tenants.creatorA, 'archived');
    expectConflict(await mutate('asCreatorA', PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', archived.id) }));
    expect(await rowOf('programs', archived.id)).toEqual(archived);
  });

  test('asCreatorA: archiving a published program sets ARCHIVED and archivedAt, keeps its enrollments, and refuses new ones', async () => {
    const program = await insertProgram(api.tenants.creatorA, 'published');
    const [u1, u2] = await usersOf(api.tenants.creatorA);
    await api.owner.query(
      `INSERT INTO program_enrollments (creator_id, program_id, user_id, program_version) VALUES ($1, $2, $3, 3)`,
      [api.tenants.creatorA, program.id, u1],
    );
    const started = Date.now();
    const result = await mutate('asCreatorA', ARCHIVE_PROGRAM, 'archiveProgram', { id: gid('Program', program.id) });
    expect(result.__typename).toBe('ArchiveProgramSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        status: 'ARCHIVED',
        archivedAt: expect.any(String),
        version: program.version,
        enrollmentCount: 1,
      }),
    );
    const row = (await rowOf('programs', program.id))!;
    expect(row).toEqual(
      expect.objectContaining({ status: 'archived', version: program.version, published_at: program.published_at }),
    );
    withinSeconds(row.archived_at.getTime(), started, 5);
    expect(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE program_id = $1`, [program.id]),
    ).toBe(1);

    const before = await counts();
    expectConflict(
      await mutate('asCreatorA', ENROLL, 'enrollUser', {
        programId: gid('Program', program.id),
        userId: gid('User', u2!),
      }),
    );
    expect(await counts()).toEqual(before);
    expect(
      (await query('asCreatorA', PROGRAMS, { filter: { status: 'ARCHIVED' }, first: 100 })).programs.nodes.map(
        (n: Json) => n.id,
      ),
    ).toContain(gid('Program', program.id));
  });
});

// ------------------------------------------------------------------------------------------
// enrollUser, updateEnrollment, unenrollUser; enrollmentStats and enrollmentCount
// ------------------------------------------------------------------------------------------

describe('enrollUser / updateEnrollment / unenrollUser', () => {
  test("asCreatorA: enrollUser on a published program starts at the program's version and first step; counters follow", async () => {
    const program = await programOf(api.tenants.creatorA, 'published');
    const user = await userNotIn(api.tenants.creatorA, program.id);
    const statsBefore = await statsFromDb(program.id);
    const before = await counts();
    const started = Date.now();
    const result = await mutate('asCreatorA', ENROLL, 'enrollUser', {
      programId: gid('Program', program.id),
      userId: gid('User', user),
    });
    expect(result.__typename).toBe('EnrollUserSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        status: 'ACTIVE',
        progress: 0,
        currentStep: program.flow_definition.start,
        programVersion: program.version,
        completedAt: null,
        program: { id: gid('Program', program.id), enrollmentCount: program.enrollment_count + 1 },
        user: { id: gid('User', user) },
      }),
    );
    const row = (await rowOf('program_enrollments', uuidOf(result.data.id)))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        program_id: program.id,
        user_id: user,
        status: 'active',
        progress: 0,
        current_step: program.flow_definition.start,
        program_version: program.version,
        completed_at: null,
      }),
    );
    withinSeconds(row.enrolled_at.getTime(), started, 5);
    expect((await counts()).enrollments).toBe(before.enrollments + 1);
    expect((await rowOf('programs', program.id))!.enrollment_count).toBe(program.enrollment_count + 1);
    const { node } = await query('asCreatorA', PROGRAM, { id: gid('Program', program.id) });
    expect(node.enrollmentStats).toEqual({
      ...statsBefore,
      active: statsBefore.active! + 1,
      total: statsBefore.total! + 1,
    });
    expect(node.enrollmentCount).toBe(program.enrollment_count + 1);
    await expectNoCounterDrift();
  });

  test('asCreatorA: enrolling the same user twice is a ConflictError and writes nothing', async () => {
    const e = (await one<{ program_id: string; user_id: string }>(
      `SELECT e.program_id, e.user_id FROM program_enrollments e JOIN programs p ON p.id = e.program_id WHERE e.creator_id = $1 AND p.status = 'published' LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const before = await counts();
    expectConflict(
      await mutate('asCreatorA', ENROLL, 'enrollUser', {
        programId: gid('Program', e.program_id),
        userId: gid('User', e.user_id),
      }),
    );
    expect(await counts()).toEqual(before);
  });

  test('asCreatorA: a draft program takes no enrollments (ConflictError); nothing written', async () => {
    const draft = await programOf(api.tenants.creatorA, 'draft');
    const user = await userNotIn(api.tenants.creatorA, draft.id);
    const before = await counts();
    expectConflict(
      await mutate('asCreatorA', ENROLL, 'enrollUser', {
        programId: gid('Program', draft.id),
        userId: gid('User', user),
      }),
    );
    expect(await counts()).toEqual(before);
    expect(await rowOf('programs', draft.id)).toEqual(draft);
  });

  test('asCreatorA: updateEnrollment changes status and step data; lastActivityAt moves; the step and progress move only with advanceEnrollment', async () => {
    const program = await insertProgram(api.tenants.creatorA, 'published');
    const user = (await usersOf(api.tenants.creatorA))[2]!;
    const enrolled = await mutate('asCreatorA', ENROLL, 'enrollUser', {
      programId: gid('Program', program.id),
      userId: gid('User', user),
    });
    const before = (await rowOf('program_enrollments', uuidOf(enrolled.data.id)))!;
    await new Promise((r) => setTimeout(r, 10));
    const result = await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
      id: enrolled.data.id,
      input: { status: 'PAUSED', stepData: { intro: 'done' } },
    });
    expect(result.__typename).toBe('UpdateEnrollmentSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        status: 'PAUSED',
        progress: 0,
        currentStep: 'intro',
        stepData: { intro: 'done' },
        completedAt: null,
      }),
    );
    const row = (await rowOf('program_enrollments', uuidOf(enrolled.data.id)))!;
    expect(row).toEqual({
      ...before,
      status: 'paused',
      step_data: { intro: 'done' },
      last_activity_at: expect.any(Date),
    });
    expect(row.last_activity_at.getTime()).toBeGreaterThan(before.last_activity_at.getTime());
    expect((await query('asCreatorA', PROGRAM, { id: gid('Program', program.id) })).node.enrollmentStats).toEqual({
      active: 0,
      paused: 1,
      completed: 0,
      dropped: 0,
      total: 1,
    });
    expectValidation(
      await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
        id: enrolled.data.id,
        input: { progress: 40, currentStep: 'end', status: 'COMPLETED' },
      }),
      ['input.currentStep', 'input.progress', 'input.status'],
    );
    expect((await rowOf('program_enrollments', uuidOf(enrolled.data.id)))!).toEqual(row);
  });

  test('asCreatorA: unenrollUser removes the enrollment; enrollmentCount and stats follow', async () => {
    const program = await insertProgram(api.tenants.creatorA, 'published');
    const user = (await usersOf(api.tenants.creatorA))[4]!;
    const enrolled = await mutate('asCreatorA', ENROLL, 'enrollUser', {
      programId: gid('Program', program.id),
      userId: gid('User', user),
    });
    expect((await rowOf('programs', program.id))!.enrollment_count).toBe(1);
    const result = await mutate('asCreatorA', UNENROLL, 'unenrollUser', { id: enrolled.data.id });
    expect(result).toEqual({ __typename: 'UnenrollUserSuccess', data: enrolled.data.id });
    expect(await rowOf('program_enrollments', uuidOf(enrolled.data.id))).toBeUndefined();
    expect((await rowOf('programs', program.id))!.enrollment_count).toBe(0);
    const { node } = await query('asCreatorA', PROGRAM, { id: gid('Program', program.id) });
    expect(node).toEqual(
      expect.objectContaining({
        enrollmentCount: 0,
        enrollmentStats: { active: 0, paused: 0, completed: 0, dropped: 0, total: 0 },
      }),
    );
    expectNotFound(await mutate('asCreatorA', UNENROLL, 'unenrollUser', { id: enrolled.data.id }));
  });

  test("asCreatorA: enrollmentCount and enrollmentStats of every program equal the DB's counts", async () => {
    const { programs } = await query(
      'asCreatorA',
      `{ programs(first: 100) { nodes { id enrollmentCount enrollmentStats { active paused completed dropped total } } } }`,
    );
    expect(programs.nodes.length).toBeGreaterThan(0);
    for (const p of programs.nodes) {
      const id = uuidOf(p.id);
      const stats = await statsFromDb(id);
      expect({ id, stats: p.enrollmentStats, count: p.enrollmentCount }).toEqual({ id, stats, count: stats.total });
    }
  });
});

// ------------------------------------------------------------------------------------------
// Nested relations
// ------------------------------------------------------------------------------------------

describe('nested relations', () => {
  test('asCreatorA: program -> enrollments -> user -> badges, and enrollments(status) filters; all match the DB', async () => {
    const program = (await one(
      `SELECT p.* FROM programs p WHERE p.creator_id = $1 AND p.enrollment_count > 0 ORDER BY p.enrollment_count DESC LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on Program {
        id enrollmentCount
        enrollments(first: 100) { totalCount nodes { id status program { id } user { id badges(first: 100) { totalCount nodes { id badge { id } user { id } } } enrollments(first: 100) { nodes { id program { id } } } } } }
        completed: enrollments(first: 100, status: COMPLETED) { totalCount nodes { id status } }
        analytics(first: 5) { totalCount nodes { id program { id } } }
      } } }`,
      { id: gid('Program', program.id) },
    );
    const enrollmentIds = (
      await sql<{ id: string }>(
        `SELECT id FROM program_enrollments WHERE program_id = $1 ORDER BY enrolled_at DESC, id ASC`,
        [program.id],
      )
    ).map((r) => r.id);
    expect(uuids(node.enrollments.nodes)).toEqual(enrollmentIds);
    expect(node.enrollments.totalCount).toBe(enrollmentIds.length);
    expect(node.enrollmentCount).toBe(enrollmentIds.length);
    for (const e of node.enrollments.nodes) {
      expect(e.program.id).toBe(node.id);
      const stored = (await rowOf('program_enrollments', uuidOf(e.id)))!;
      expect(uuidOf(e.user.id)).toBe(stored.user_id);
      const badges = (await sql<{ id: string }>(`SELECT id FROM user_badges WHERE user_id = $1`, [stored.user_id]))
        .map((r) => r.id)
        .sort();
      expect(uuids(e.user.badges.nodes).sort()).toEqual(badges);
      for (const b of e.user.badges.nodes) expect(b.user.id).toBe(e.user.id);
      // ... and back: the user's enrollments include this one, pointing at this program.
      expect(e.user.enrollments.nodes).toContainEqual({ id: e.id, program: { id: node.id } });
    }
    const completed = (
      await sql<{ id: string }>(
        `SELECT id FROM program_enrollments WHERE program_id = $1 AND status = 'completed' ORDER BY enrolled_at DESC, id ASC`,
        [program.id],
      )
    ).map((r) => r.id);
    expect(completed.length).toBeGreaterThan(0);
    expect(uuids(node.completed.nodes)).toEqual(completed);
    expect(node.completed.totalCount).toBe(completed.length);
    expect(node.analytics.totalCount).toBe(
      await countOf(`SELECT count(*)::int AS n FROM program_analytics WHERE program_id = $1`, [program.id]),
    );
    for (const a of node.analytics.nodes) expect(a.program.id).toBe(node.id);
    expect([...(await ownersOf(node)).owners]).toEqual([api.tenants.creatorA]);
  });

  test('asCreatorA: user -> enrollments -> program, and enrollment -> program / user, match the DB', async () => {
    const user = (await one<{ user_id: string }>(
      `SELECT user_id FROM program_enrollments WHERE creator_id = $1 GROUP BY user_id HAVING count(*) > 1 LIMIT 1`,
      [api.tenants.creatorA],
    ))!.user_id;
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on User { enrollments(first: 100) { totalCount nodes { id programVersion program { id version } user { id } } } } } }`,
      { id: gid('User', user) },
    );
    const stored = await sql<{ id: string; program_id: string; program_version: number }>(
      `SELECT id, program_id, program_version FROM program_enrollments WHERE user_id = $1 ORDER BY enrolled_at DESC, id ASC`,
      [user],
    );
    expect(node.enrollments.totalCount).toBe(stored.length);
    expect(node.enrollments.nodes).toEqual(
      await Promise.all(
        stored.map(async (s) => ({
          id: gid('ProgramEnrollment', s.id),
          programVersion: s.program_version,
          program: { id: gid('Program', s.program_id), version: (await rowOf('programs', s.program_id))!.version },
          user: { id: gid('User', user) },
        })),
      ),
    );
  });

  test('asCreatorA: me.programs is the same as programs', async () => {
    const { me } = await query('asCreatorA', `{ me { programs(first: 100) { totalCount nodes { id } } } }`);
    expect(me.programs.totalCount).toBe(
      await countOf(`SELECT count(*)::int AS n FROM programs WHERE creator_id = $1`, [api.tenants.creatorA]),
    );
    expect(uuids(me.programs.nodes).sort()).toEqual(
      (await sql<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1`, [api.tenants.creatorA]))
        .map((r) => r.id)
        .sort(),
    );
  });
});

// ------------------------------------------------------------------------------------------
// Tenant isolation: creator B against creator A's data
// ------------------------------------------------------------------------------------------

describe("asCreatorB against Ada's programs and enrollments", () => {
  let adaDraft: Json;
  let adaPublished: Json;
  let adaArchived: Json;
  let adaEnrollment: Json;
  let graceProgram: Json;

  beforeAll(async () => {
    adaDraft = await programOf(api.tenants.creatorA, 'draft');
    adaPublished = await programOf(api.tenants.creatorA, 'published');
    adaArchived = await insertProgram(api.tenants.creatorA, 'archived');
    adaEnrollment = (await one(`SELECT * FROM program_enrollments WHERE program_id = $1 LIMIT 1`, [adaPublished.id]))!;
    graceProgram = await programOf(api.tenants.creatorB, 'published');
  });

  test("node(id) is null for Ada's program and enrollment (Ada sees them)", async () => {
    for (const id of [
      gid('Program', adaPublished.id),
      gid('Program', adaDraft.id),
      gid('ProgramEnrollment', adaEnrollment.id),
    ]) {
      expect({ id, node: (await query('asCreatorB', NODE, { id })).node }).toEqual({ id, node: null });
      expect((await query('asCreatorA', NODE, { id })).node).toEqual({ __typename: typeOf(id), id });
    }
    const { node } = await query('asCreatorB', PROGRAM, { id: gid('Program', adaPublished.id) });
    expect(node).toBeNull();
  });

  test("nodes(ids) is null in Ada's places and returns Grace's own", async () => {
    const { nodes } = await query('asCreatorB', NODES, {
      ids: [
        gid('Program', adaPublished.id),
        gid('Program', graceProgram.id),
        gid('ProgramEnrollment', adaEnrollment.id),
      ],
    });
    expect(nodes).toEqual([null, { __typename: 'Program', id: gid('Program', graceProgram.id) }, null]);
  });

  test.each([
    [
      'updateProgram',
      () => [
        UPDATE_PROGRAM,
        'updateProgram',
        { id: gid('Program', adaDraft.id), input: { name: 'Hijacked', flowDefinition: { start: 'evil' } } },
      ],
      () => adaDraft,
    ],
    [
      'updateProgram (name only)',
      () => [UPDATE_PROGRAM, 'updateProgram', { id: gid('Program', adaPublished.id), input: { name: 'Hijacked' } }],
      () => adaPublished,
    ],
    ['publishProgram', () => [PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', adaDraft.id) }], () => adaDraft],
    [
      'publishProgram (archived)',
      () => [PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', adaArchived.id) }],
      () => adaArchived,
    ],
    [
      'archiveProgram',
      () => [ARCHIVE_PROGRAM, 'archiveProgram', { id: gid('Program', adaPublished.id) }],
      () => adaPublished,
    ],
    [
      'deleteProgram',
      () => [DELETE_PROGRAM, 'deleteProgram', { id: gid('Program', adaPublished.id) }],
      () => adaPublished,
    ],
  ] as [string, () => [string, string, Json], () => Json][])(
    "%s with Ada's program: NotFoundError, the row unchanged",
    async (_name, call, target) => {
      const [document, field, variables] = call();
      const before = await rowOf('programs', target().id);
      const counted = await counts();
      const result = await mutate('asCreatorB', document, field, variables);
      expectNotFound(result);
      expect(result.data).toBeUndefined();
      expect(await rowOf('programs', target().id)).toEqual(before);
      expect(await counts()).toEqual(counted);
    },
  );

  test("updateEnrollment and unenrollUser with Ada's enrollment: NotFoundError, the row unchanged", async () => {
    const before = await rowOf('program_enrollments', adaEnrollment.id);
    expectNotFound(
      await mutate('asCreatorB', UPDATE_ENROLLMENT, 'updateEnrollment', {
        id: gid('ProgramEnrollment', adaEnrollment.id),
        input: { status: 'DROPPED' },
      }),
    );
    expectNotFound(
      await mutate('asCreatorB', UPDATE_ENROLLMENT, 'updateEnrollment', {
        id: gid('ProgramEnrollment', adaEnrollment.id),
        input: { stepData: { hijacked: true } },
      }),
    );
    expectNotFound(
      await mutate('asCreatorB', UNENROLL, 'unenrollUser', { id: gid('ProgramEnrollment', adaEnrollment.id) }),
    );
    expect(await rowOf('program_enrollments', adaEnrollment.id)).toEqual(before);
    expect((await rowOf('programs', adaPublished.id))!.enrollment_count).toBe(adaPublished.enrollment_count);
  });

  test("enrollUser with Ada's program and Grace's user: NotFoundError, nothing written", async () => {
    const graceUser = (await usersOf(api.tenants.creatorB))[0]!;
    const before = await counts();
    expectNotFound(
      await mutate('asCreatorB', ENROLL, 'enrollUser', {
        programId: gid('Program', adaPublished.id),
        userId: gid('User', graceUser),
      }),
    );
    expect(await counts()).toEqual(before);
    expect(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE user_id = $1 AND program_id = $2`, [
        graceUser,
        adaPublished.id,
      ]),
    ).toBe(0);
    expect((await rowOf('programs', adaPublished.id))!.enrollment_count).toBe(adaPublished.enrollment_count);
  });

  test("enrollUser with Grace's published program and Ada's user: NotFoundError, nothing written", async () => {
    const adaUser = (await usersOf(api.tenants.creatorA))[0]!;
    const before = await counts();
    const graceBefore = await rowOf('programs', graceProgram.id);
    expectNotFound(
      await mutate('asCreatorB', ENROLL, 'enrollUser', {
        programId: gid('Program', graceProgram.id),
        userId: gid('User', adaUser),
      }),
    );
    expect(await counts()).toEqual(before);
    expect(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE user_id = $1 AND program_id = $2`, [
        adaUser,
        graceProgram.id,
      ]),
    ).toBe(0);
    expect(await rowOf('programs', graceProgram.id)).toEqual(graceBefore);
  });

  test("every relation reachable from Grace's programs stays within Grace's rows", async () => {
    const { me, programs } = await query(
      'asCreatorB',
      `{
        me { programs(first: 100) { nodes { id enrollments(first: 100) { nodes { id program { id } user { id badges(first: 100) { nodes { id badge { id awards(first: 100) { nodes { id user { id } } } } } } enrollments(first: 100) { nodes { id program { id } } } } } } } } }
        programs(first: 100) { totalCount nodes { id enrollments(first: 100) { totalCount nodes { id user { id } } } analytics(first: 100) { nodes { id program { id } } } } }
      }`,
    );
    expect(programs.totalCount).toBe(
      await countOf(`SELECT count(*)::int AS n FROM programs WHERE creator_id = $1`, [api.tenants.creatorB]),
    );
    const { owners, count } = await ownersOf({ me, programs });
    expect(count).toBeGreaterThan(50);
    expect([...owners]).toEqual([api.tenants.creatorB]);
  });
});

// ------------------------------------------------------------------------------------------
// Bad input
// ------------------------------------------------------------------------------------------

describe('bad input is a ValidationError naming the field, and writes nothing', () => {
  test.each([
    ['an empty name', { name: '' }, ['input.name']],
    ['a blank name', { name: '    ' }, ['input.name']],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, ['input.name']],
    ['a description over 5000 characters', { name: 'Fine', description: 'd'.repeat(5001) }, ['input.description']],
    [
      'a blank name and a long description',
      { name: ' ', description: 'd'.repeat(5001) },
      ['input.description', 'input.name'],
    ],
  ])('asCreatorA: createProgram with %s', async (_name, input, paths) => {
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_PROGRAM, 'createProgram', { input });
    expectValidation(result, paths);
    expect(result.data).toBeUndefined();
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['a blank name', (p: string) => ({ id: gid('Program', p), input: { name: '   ' } }), ['input.name']],
    ['a User id as the program id', (p: string) => ({ id: gid('User', p), input: { name: 'x' } }), ['id']],
    ['a malformed id', () => ({ id: 'program-1', input: { name: 'x' } }), ['id']],
  ])('asCreatorA: updateProgram with %s; the row is unchanged', async (_name, vars, paths) => {
    const draft = await programOf(api.tenants.creatorA, 'draft');
    expectValidation(await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', vars(draft.id)), paths);
    expect(await rowOf('programs', draft.id)).toEqual(draft);
  });

  test.each([
    ['publishProgram', PUBLISH_PROGRAM, 'publishProgram'],
    ['archiveProgram', ARCHIVE_PROGRAM, 'archiveProgram'],
    ['deleteProgram', DELETE_PROGRAM, 'deleteProgram'],
  ])(
    'asCreatorA: %s with a User id or a malformed id names id; the row is unchanged',
    async (_name, document, field) => {
      const draft = await programOf(api.tenants.creatorA, 'draft');
      const before = await counts();
      expectValidation(await mutate('asCreatorA', document, field, { id: gid('User', draft.id) }), ['id']);
      expectValidation(await mutate('asCreatorA', document, field, { id: '!!' }), ['id']);
      expect(await rowOf('programs', draft.id)).toEqual(draft);
      expect(await counts()).toEqual(before);
    },
  );

  test.each([
    ['a progress', { progress: 50 }, ['input.progress']],
    ['a currentStep', { currentStep: 'end' }, ['input.currentStep']],
    ['status COMPLETED', { status: 'COMPLETED' }, ['input.status']],
    ['a progress and a currentStep', { progress: 150, currentStep: '' }, ['input.currentStep', 'input.progress']],
  ])('asCreatorA: updateEnrollment with %s; the row is unchanged', async (_name, input, paths) => {
    const e = (await one(`SELECT * FROM program_enrollments WHERE creator_id = $1 AND status = 'active' LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    expectValidation(
      await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', { id: gid('ProgramEnrollment', e.id), input }),
      paths,
    );
    expect(await rowOf('program_enrollments', e.id)).toEqual(e);
  });

  test('asCreatorA: updateEnrollment and unenrollUser with a Program id name id; nothing changes', async () => {
    const e = (await one(`SELECT * FROM program_enrollments WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA]))!;
    const before = await counts();
    expectValidation(
      await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
        id: gid('Program', e.id),
        input: { progress: 5 },
      }),
      ['id'],
    );
    expectValidation(await mutate('asCreatorA', UNENROLL, 'unenrollUser', { id: gid('Program', e.id) }), ['id']);
    expect(await rowOf('program_enrollments', e.id)).toEqual(e);
    expect(await counts()).toEqual(before);
  });

  test.each([
    [
      'a User id as programId',
      (p: string, u: string) => ({ programId: gid('User', u), userId: gid('User', u) }),
      ['programId'],
    ],
    [
      'a malformed programId',
      (_p: string, u: string) => ({ programId: 'not-an-id', userId: gid('User', u) }),
      ['programId'],
    ],
    [
      'a Program id as userId',
      (p: string) => ({ programId: gid('Program', p), userId: gid('Program', p) }),
      ['userId'],
    ],
    [
      'a malformed userId',
      (p: string) => ({ programId: gid('Program', p), userId: Buffer.from('User:not-a-uuid').toString('base64') }),
      ['userId'],
    ],
  ])('asCreatorA: enrollUser with %s; nothing written', async (_name, vars, paths) => {
    const program = await programOf(api.tenants.creatorA, 'published');
    const user = await userNotIn(api.tenants.creatorA, program.id);
    const before = await counts();
    expectValidation(await mutate('asCreatorA', ENROLL, 'enrollUser', vars(program.id, user)), paths);
    expect(await counts()).toEqual(before);
  });
});

// ------------------------------------------------------------------------------------------
// Anonymous
// ------------------------------------------------------------------------------------------

describe('asAnonymous', () => {
  test.each([
    ['programs', PROGRAMS],
    ['enrollments', ENROLLMENTS],
  ])('%s: UNAUTHENTICATED and no data', async (_name, document) => {
    const { body } = await send('asAnonymous', document, { first: 5 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  test('createProgram, publishProgram and enrollUser: UNAUTHENTICATED, nothing written or changed', async () => {
    const draft = await programOf(api.tenants.creatorA, 'draft');
    const published = await programOf(api.tenants.creatorA, 'published');
    const user = await userNotIn(api.tenants.creatorA, published.id);
    const before = await counts();
    for (const [document, variables] of [
      [CREATE_PROGRAM, { input: { name: 'Anonymous program' } }],
      [PUBLISH_PROGRAM, { id: gid('Program', draft.id) }],
      [ENROLL, { programId: gid('Program', published.id), userId: gid('User', user) }],
    ] as const) {
      const { body } = await send('asAnonymous', document, variables);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.data ?? null).toBeNull();
    }
    expect(await counts()).toEqual(before);
    expect(await rowOf('programs', draft.id)).toEqual(draft);
  });
});
