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
import { useDatabase, useServer } from '../helpers/harness';

const api = useServer(useDatabase());

test('asCreatorA: log in, create a program, publish it, and find it by status', async () => {
  const login = await api.server.request(LogInDocument, {
    email: 'ada@demo.creatorgraph.dev',
    password: 'demo-password-ada',
  });
  expect(login.body.data?.logIn.__typename).toBe('AuthPayload');
  const token = login.body.data?.logIn.__typename === 'AuthPayload' ? login.body.data.logIn.accessToken : '';

  const created = await api.server.request(
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

  const published = await api.server.request(PublishProgramDocument, { id: program.data.id }, { token });
  const result = published.body.data?.publishProgram;
  if (result?.__typename !== 'PublishProgramSuccess')
    throw new Error(`expected success, got ${JSON.stringify(published.body)}`);
  expect(result.data).toMatchObject({ status: 'PUBLISHED', version: 2 });
  expect(new Date(result.data.publishedAt!).getTime()).toBeGreaterThan(Date.now() - 60_000);

  const list = await api.server.request(
    ProgramsDocument,
    { filter: { status: 'PUBLISHED', search: 'typed' } },
    { token },
  );
  expect(list.body.data?.programs.nodes.map((p) => p.name)).toEqual(['Typed program']);
  expect(list.body.data?.programs.totalCount).toBe(1);
});

test('asCreatorA: creating a program with an empty name is a ValidationError and writes nothing', async () => {
  const owner = api.owner;
  const before = (await owner.query('SELECT count(*)::int AS n FROM programs')).rows[0].n;
  const response = await api.server.request(
    CreateProgramDocument,
    { input: { name: '   ' } },
    { token: api.server.tokenFor(api.tenants.creatorA) },
  );
  const result = response.body.data?.createProgram;
  expect(result?.__typename).toBe('ValidationError');
  if (result?.__typename === 'ValidationError') {
    expect(result.code).toBe('VALIDATION_FAILED');
    expect(result.fields).toEqual([{ path: 'input.name', message: 'must not be empty' }]);
  }
  expect((await owner.query('SELECT count(*)::int AS n FROM programs')).rows[0].n).toBe(before);
});

test('asCreatorB: publishing creator A\u2019s program is NOT_FOUND, and it stays a draft', async () => {
  const owner = api.owner;
  const { rows } = await owner.query(`SELECT id FROM programs WHERE creator_id = $1 AND status = 'draft' LIMIT 1`, [
    api.tenants.creatorA,
  ]);
  const response = await api.server.request(
    PublishProgramDocument,
    { id: toGlobalId('Program', rows[0].id) },
    { token: api.server.tokenFor(api.tenants.creatorB) },
  );
  expect(response.body.data?.publishProgram).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  expect((await owner.query(`SELECT status, version FROM programs WHERE id = $1`, [rows[0].id])).rows[0]).toEqual({
    status: 'draft',
    version: 1,
  });
});

test('asCreatorA: users ordered by last activity, paged with cursors, never more than 100 at once', async () => {
  const token = api.server.tokenFor(api.tenants.creatorA);
  const first = await api.server.request(
    UsersDocument,
    { orderBy: { field: 'LAST_ACTIVE_AT', direction: 'DESC' }, first: 10 },
    { token },
  );
  const page1 = first.body.data!.users;
  expect(page1.nodes).toHaveLength(10);
  const times = page1.nodes.map((u) => (u.lastActiveAt ? Date.parse(u.lastActiveAt) : -Infinity));
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  const second = await api.server.request(
    UsersDocument,
    { orderBy: { field: 'LAST_ACTIVE_AT', direction: 'DESC' }, first: 10, after: page1.pageInfo.endCursor },
    { token },
  );
  const ids1 = new Set(page1.nodes.map((u) => u.id));
  expect(second.body.data!.users.nodes.some((u) => ids1.has(u.id))).toBe(false);
  // More users than a page can hold, then ask for far more than the maximum.
  const owner = api.owner;
  await owner.query(
    `INSERT INTO users (creator_id, external_id, channel) SELECT $1, 'bulk-' || g, 'web' FROM generate_series(1, 150) g`,
    [api.tenants.creatorA],
  );
  const huge = await api.server.request(UsersDocument, { first: 100_000 }, { token });
  expect(huge.body.errors).toBeUndefined();
  expect(huge.body.data!.users.nodes).toHaveLength(100);
  expect(huge.body.data!.users.pageInfo.hasNextPage).toBe(true);
  expect(huge.body.data!.users.totalCount).toBeGreaterThan(150);
});
