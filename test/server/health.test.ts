// The real server over HTTP: health, readiness, `me` per actor, and credential handling.
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { toGlobalId } from '../../src/graphql/ids';
import { useDatabase, useServer } from '../helpers/harness';
import { TEST_JWT, TEST_JWT_SECRET } from '../helpers/server';

const api = useServer(useDatabase());

const ME = /* GraphQL */ `
  query Me {
    me {
      id
      email
      companyName
    }
  }
`;

describe('health', () => {
  test('GET /healthz answers without touching the database', async () => {
    const response = await fetch(api.server.url.replace('/graphql', '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('GET /readyz is 200 when the database answers and every migration is applied', async () => {
    const response = await fetch(api.server.url.replace('/graphql', '/readyz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  test('GET /readyz is 503 while a migration is pending', async () => {
    const owner = api.owner;
    const { rows } = await owner.query(
      `DELETE FROM _prisma_migrations WHERE migration_name LIKE '%_triggers' RETURNING *`,
    );
    const response = await fetch(api.server.url.replace('/graphql', '/readyz'));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { checks: { migrations: string } }).checks.migrations).toMatch(
      /^pending: \d+_triggers$/,
    );
    const r = rows[0];
    await owner.query(
      `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        r.id,
        r.checksum,
        r.finished_at,
        r.migration_name,
        r.logs,
        r.rolled_back_at,
        r.started_at,
        r.applied_steps_count,
      ],
    );
    expect((await fetch(api.server.url.replace('/graphql', '/readyz'))).status).toBe(200);
  });

  test('asAnonymous: the health query reports the database', async () => {
    const { status, body } = await api.server.gql(`{ health { status databaseReachable } }`);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { health: { status: 'ok', databaseReachable: true } } });
  });
});

describe('me', () => {
  test('asCreatorA sees Ada', async () => {
    const { body } = await api.server.gql(ME, {}, { token: api.server.tokenFor(api.tenants.creatorA) });
    expect(body.data).toEqual({
      me: {
        id: toGlobalId('Creator', api.tenants.creatorA),
        email: 'ada@demo.creatorgraph.dev',
        companyName: 'Analytical Wellness',
      },
    });
  });

  test('asCreatorB sees Grace, not Ada', async () => {
    const { body } = await api.server.gql(ME, {}, { token: api.server.tokenFor(api.tenants.creatorB) });
    expect(body.data).toEqual({
      me: {
        id: toGlobalId('Creator', api.tenants.creatorB),
        email: 'grace@demo.creatorgraph.dev',
        companyName: 'Compiler Academy',
      },
    });
  });

  test('asAnonymous gets null', async () => {
    const { status, body } = await api.server.gql(ME);
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: null } });
  });

  test('a valid token for a creator that does not exist sees nothing', async () => {
    const { body } = await api.server.gql(ME, {}, { token: api.server.tokenFor(crypto.randomUUID()) });
    expect(body).toEqual({ data: { me: null } });
  });

  test('every response carries a request id, echoed from the client when it sends a sane one', async () => {
    const fresh = await api.server.gql(ME);
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await api.server.gql(ME, {}, { headers: { 'x-request-id': 'client-req-12345' } });
    expect(echoed.headers.get('x-request-id')).toBe('client-req-12345');
    const hostile = await api.server.gql(ME, {}, { headers: { 'x-request-id': 'bad id; with spaces' } });
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('credentials that must be refused with UNAUTHENTICATED and no data', () => {
  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({ sub: api.tenants.creatorA, role: 'creator', iat: now() });
  const sign = (payload: object, secret: jwt.Secret = TEST_JWT_SECRET, options: jwt.SignOptions = {}) =>
    jwt.sign(payload, secret, { algorithm: 'HS256', audience: TEST_JWT.audience, issuer: TEST_JWT.issuer, ...options });
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const { privateKey: rsaKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

  const cases: [string, () => string][] = [
    ['a token without exp', () => sign(claims())],
    [
      'an unsigned token (alg: none)',
      () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), exp: now() + 600, aud: TEST_JWT.audience, iss: TEST_JWT.issuer })}.`,
    ],
    [
      'a token signed with the wrong key',
      () => sign({ ...claims(), exp: now() + 600 }, 'another-secret-that-is-also-32-bytes-long'),
    ],
    [
      'a token for another audience',
      () => sign({ ...claims(), exp: now() + 600 }, TEST_JWT_SECRET, { audience: 'someone-else' }),
    ],
    ['a token from another issuer', () => sign({ ...claims(), exp: now() + 600 }, TEST_JWT_SECRET, { issuer: 'evil' })],
    ['an expired token', () => sign({ ...claims(), iat: now() - 3600, exp: now() - 60 })],
    [
      'an RS256 token when the server uses HS256 (algorithm confusion)',
      () =>
        jwt.sign({ ...claims(), exp: now() + 600 }, rsaKey, {
          algorithm: 'RS256',
          audience: TEST_JWT.audience,
          issuer: TEST_JWT.issuer,
        }),
    ],
    ['a token whose sub is not a UUID', () => sign({ ...claims(), sub: '1 OR 1=1', exp: now() + 600 })],
    ['a token with an unknown role', () => sign({ ...claims(), role: 'superadmin', exp: now() + 600 })],
    [
      'a token with its payload edited after signing',
      () => {
        const [h, , s] = sign({ ...claims(), exp: now() + 600 }).split('.');
        return `${h}.${b64({ ...claims(), sub: api.tenants.creatorB, exp: now() + 600, aud: TEST_JWT.audience, iss: TEST_JWT.issuer })}.${s}`;
      },
    ],
  ];

  test.each(cases)('%s', async (_name, makeToken) => {
    const { status, body } = await api.server.gql(ME, {}, { token: makeToken() });
    expect(status).toBe(401);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
    ]);
  });

  test.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer not-a-jwt'], [`Bearer ${'a'.repeat(20)}`]])(
    'a malformed Authorization header (%s)',
    async (header) => {
      const { status, body } = await api.server.gql(ME, {}, { headers: { authorization: header } });
      expect(status).toBe(401);
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    },
  );
});
