// The documents first-party clients send (operations/admin/*.graphql), through the typed
// documents codegen generates from them: a compile-time check that the operations and the
// schema agree, and a run-time check that they work over HTTP.
import {
  CreateProgramDocument,
  LogInDocument,
  ProgramsDocument,
  PublishProgramDocument,
  UsersDocument,
} from '../../src/generated/graphql/graphql';
import { toGlobalId } from '../../src/graphql/ids';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
  server = await startTestServer(db);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

test('asCreatorA: log in, create a program, publish it, and find it by status', async () => {
  const login = await server.request(LogInDocument, {
    email: 'ada@demo.creatorgraph.dev',
    password: 'demo-password-ada',
  });
  expect(login.body.data?.logIn.__typename).toBe('AuthPayload');
  const token = login.body.data?.logIn.__typename === 'AuthPayload' ? login.body.data.logIn.accessToken : '';

  const created = await server.request(
    CreateProgramDocument,
    {
      input: {
        name: 'Typed program',
        description: 'made through codegen documents',
        flowDefinition: {
          start: 'intro',
          steps: [
            { id: 'intro', type: 'content', transitions: [{ to: 'done' }] },
            { id: 'done', type: 'checkpoint', end: true },
          ],
        },
      },
    },
    { token },
  );
  const program = created.body.data?.createProgram;
  if (program?.__typename !== 'CreateProgramSuccess')
    throw new Error(`expected success, got ${JSON.stringify(created.body)}`);
  expect(program.data).toMatchObject({ name: 'Typed program', status: 'DRAFT', version: 1 });

  const published = await server.request(PublishProgramDocument, { id: program.data.id }, { token });
  const result = published.body.data?.publishProgram;
  if (result?.__typename !== 'PublishProgramSuccess')
    throw new Error(`expected success, got ${JSON.stringify(published.body)}`);
  expect(result.data).toMatchObject({ status: 'PUBLISHED', version: 2 });
  expect(new Date(result.data.publishedAt!).getTime()).toBeGreaterThan(Date.now() - 60_000);

  const list = await server.request(ProgramsDocument, { filter: { status: 'PUBLISHED', search: 'typed' } }, { token });
  expect(list.body.data?.programs.nodes.map((p) => p.name)).toEqual(['Typed program']);
  expect(list.body.data?.programs.totalCount).toBe(1);
});

test('asCreatorA: creating a program with an empty name is a ValidationError and writes nothing', async () => {
  const owner = await connect(db.ownerUrl);
  try {
    const before = (await owner.query('SELECT count(*)::int AS n FROM programs')).rows[0].n;
    const response = await server.request(
      CreateProgramDocument,
      { input: { name: '   ' } },
      { token: server.tokenFor(tenants.creatorA) },
    );
    const result = response.body.data?.createProgram;
    expect(result?.__typename).toBe('ValidationError');
    if (result?.__typename === 'ValidationError') {
      expect(result.code).toBe('VALIDATION_FAILED');
      expect(result.fields).toEqual([{ path: 'input.name', message: 'must not be empty' }]);
    }
    expect((await owner.query('SELECT count(*)::int AS n FROM programs')).rows[0].n).toBe(before);
  } finally {
    await owner.end();
  }
});

test('asCreatorB: publishing creator A\u2019s program is NOT_FOUND, and it stays a draft', async () => {
  const owner = await connect(db.ownerUrl);
  try {
    const { rows } = await owner.query(`SELECT id FROM programs WHERE creator_id = $1 AND status = 'draft' LIMIT 1`, [
      tenants.creatorA,
    ]);
    const response = await server.request(
      PublishProgramDocument,
      { id: toGlobalId('Program', rows[0].id) },
      { token: server.tokenFor(tenants.creatorB) },
    );
    expect(response.body.data?.publishProgram).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect((await owner.query(`SELECT status, version FROM programs WHERE id = $1`, [rows[0].id])).rows[0]).toEqual({
      status: 'draft',
      version: 1,
    });
  } finally {
    await owner.end();
  }
});

test('asCreatorA: users ordered by last activity, paged with cursors, never more than 100 at once', async () => {
  const token = server.tokenFor(tenants.creatorA);
  const first = await server.request(
    UsersDocument,
    { orderBy: { field: 'LAST_ACTIVE_AT', direction: 'DESC' }, first: 10 },
    { token },
  );
  const page1 = first.body.data!.users;
  expect(page1.nodes).toHaveLength(10);
  const times = page1.nodes.map((u) => (u.lastActiveAt ? Date.parse(u.lastActiveAt) : -Infinity));
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  const second = await server.request(
    UsersDocument,
    { orderBy: { field: 'LAST_ACTIVE_AT', direction: 'DESC' }, first: 10, after: page1.pageInfo.endCursor },
    { token },
  );
  const ids1 = new Set(page1.nodes.map((u) => u.id));
  expect(second.body.data!.users.nodes.some((u) => ids1.has(u.id))).toBe(false);
  // More users than a page can hold, then ask for far more than the maximum.
  const owner = await connect(db.ownerUrl);
  try {
    await owner.query(
      `INSERT INTO users (creator_id, external_id, channel) SELECT $1, 'bulk-' || g, 'web' FROM generate_series(1, 150) g`,
      [tenants.creatorA],
    );
  } finally {
    await owner.end();
  }
  const huge = await server.request(UsersDocument, { first: 100_000 }, { token });
  expect(huge.body.errors).toBeUndefined();
  expect(huge.body.data!.users.nodes).toHaveLength(100);
  expect(huge.body.data!.users.pageInfo.hasNextPage).toBe(true);
  expect(huge.body.data!.users.totalCount).toBeGreaterThan(150);
});
