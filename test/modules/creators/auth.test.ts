// Authentication over the real server: sign-up, log-in, no lock-out, refresh-token rotation and
// reuse detection, log-out, platform admins and acting on a creator. Every test checks both
// the GraphQL answer and what is really stored (read through the owner role, which bypasses
// row-level security). The per-source limits are raised here (every call comes from one
// address); test/auth/auth-guard.test.ts tests them and the per-account throttle.
import crypto from 'node:crypto';
import { hash as hashArgon2, verify as verifyArgon2 } from '@node-rs/argon2';
import jwt from 'jsonwebtoken';
import type pg from 'pg';
import { DEMO_ADMIN } from '../../../src/db/seed/seed';
import { toGlobalId } from '../../../src/graphql/ids';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../../helpers/fixtures';
import { startTestServer, TEST_JWT, TEST_JWT_SECRET, type TestServer } from '../../helpers/server';

let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
let adminId: string;

const ADA = { email: 'ada@demo.creatorgraph.dev', password: 'demo-password-ada' };
const GRACE = { email: 'grace@demo.creatorgraph.dev', password: 'demo-password-grace' };

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
  server = await startTestServer(db, { AUTH_RATE_PER_SOURCE: '1000000', SIGNUP_RATE_PER_SOURCE: '1000000' });
  owner = await connect(db.ownerUrl);
  const { rows } = await owner.query<{ id: string }>(`SELECT id FROM platform_admins WHERE email = $1`, [
    DEMO_ADMIN.email,
  ]);
  adminId = rows[0]!.id;
});
afterAll(async () => {
  await owner?.end();
  await server?.stop();
  await db?.drop();
});

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

const SESSION_FIELDS = /* GraphQL */ `
  __typename
  ... on AuthPayload { accessToken refreshToken accessTokenExpiresAt creator { id email } }
  ... on Error { code message }
  ... on ValidationError { fields { path message } }
`;

const SIGN_UP = /* GraphQL */ `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { ${SESSION_FIELDS} } }`;
const LOG_IN = /* GraphQL */ `mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { ${SESSION_FIELDS} }
}`;
const REFRESH = /* GraphQL */ `mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { ${SESSION_FIELDS} } }`;
const LOG_OUT = /* GraphQL */ `
  mutation LogOut($refreshToken: String!) {
    logOut(refreshToken: $refreshToken)
  }
`;
const ADMIN_LOG_IN = /* GraphQL */ `
  mutation AdminLogIn($email: String!, $password: String!) {
    adminLogIn(email: $email, password: $password) {
      __typename
      ... on AdminAuthPayload {
        accessToken
        accessTokenExpiresAt
      }
      ... on Error {
        code
        message
      }
      ... on ValidationError {
        fields {
          path
          message
        }
      }
    }
  }
`;
const ME = /* GraphQL */ `
  query Me {
    me {
      id
      email
    }
  }
`;
const CREATORS = /* GraphQL */ `
  query Creators {
    creators(first: 10) {
      totalCount
      edges {
        node {
          email
        }
      }
    }
  }
`;

/** One member of a result union, as selected above. */
interface Result {
  __typename: string;
  accessToken?: string;
  refreshToken?: string;
  accessTokenExpiresAt?: string;
  creator?: { id: string; email: string };
  code?: string;
  message?: string;
  fields?: { path: string; message: string }[];
}

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/** A request id the server accepts and stores in event_data.requestId: finds a request's log rows. */
const newRequestId = () => `auth-test-${crypto.randomUUID()}`;
const uniqueEmail = (prefix = 'creator') => `${prefix}-${crypto.randomBytes(6).toString('hex')}@example.com`;
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const hexOf = (uuid: string) => uuid.replace(/-/g, '');
const REFRESH_TOKEN = /^crt_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/;

async function mutate(
  document: string,
  field: string,
  variables: Record<string, unknown>,
  options: { token?: string; requestId?: string } = {},
) {
  const headers: Record<string, string> = options.requestId ? { 'x-request-id': options.requestId } : {};
  const response = await server.gql<Record<string, Result>>(document, variables, { token: options.token, headers });
  expect(response.body.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.body.data![field]!;
}

const signUp = (input: Record<string, unknown>, requestId?: string) =>
  mutate(SIGN_UP, 'signUp', { input }, { requestId });
const logIn = (email: string, password: string, requestId?: string) =>
  mutate(LOG_IN, 'logIn', { email, password }, { requestId });
const refresh = (refreshToken: string, requestId?: string) =>
  mutate(REFRESH, 'refreshSession', { refreshToken }, { requestId });
const adminLogIn = (email: string, password: string, requestId?: string) =>
  mutate(ADMIN_LOG_IN, 'adminLogIn', { email, password }, { requestId });
async function logOut(refreshToken: string): Promise<boolean> {
  const { status, body } = await server.gql<{ logOut: boolean }>(LOG_OUT, { refreshToken });
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  return body.data!.logOut;
}

/** A creator of its own (signed up through the API), for tests that change its state. */
async function freshCreator(password = 'a-fresh-password-1') {
  const email = uniqueEmail('fresh');
  const session = await signUp({ email, password });
  expect(session.__typename).toBe('AuthPayload');
  const id = (await creatorRow(email))!.id;
  return { id, email, password, session };
}

interface CreatorRow {
  id: string;
  email: string;
  password_hash: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  failed_login_attempts: number;
  locked_until: Date | null;
  last_login_at: Date | null;
}
async function creatorRow(email: string): Promise<CreatorRow | undefined> {
  const { rows } = await owner.query<CreatorRow>(`SELECT * FROM creators WHERE email = $1`, [email]);
  return rows[0];
}
async function creatorById(id: string): Promise<CreatorRow> {
  const { rows } = await owner.query<CreatorRow>(`SELECT * FROM creators WHERE id = $1`, [id]);
  return rows[0]!;
}

interface TokenRow {
  id: string;
  creator_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Date;
  revoked_at: Date | null;
  replaced_by_id: string | null;
  created_at: Date;
}
async function tokenRow(refreshToken: string): Promise<TokenRow | undefined> {
  const { rows } = await owner.query<TokenRow>(`SELECT * FROM creator_refresh_tokens WHERE token_hash = $1`, [
    sha256(refreshToken),
  ]);
  return rows[0];
}
async function familyRows(familyId: string): Promise<TokenRow[]> {
  const { rows } = await owner.query<TokenRow>(
    `SELECT * FROM creator_refresh_tokens WHERE family_id = $1 ORDER BY created_at`,
    [familyId],
  );
  return rows;
}

interface LogRow {
  id: string;
  creator_id: string | null;
  event_type: string;
  severity: string;
  event_data: Record<string, unknown>;
  created_at: Date;
}
/** Security log rows written while serving one request (matched by its request id). */
async function logsOfRequest(requestId: string): Promise<LogRow[]> {
  const { rows } = await owner.query<LogRow>(
    `SELECT * FROM security_audit_logs WHERE event_data->>'requestId' = $1 ORDER BY created_at, event_type`,
    [requestId],
  );
  return rows;
}
async function logsOf(creatorId: string, eventType: string): Promise<LogRow[]> {
  const { rows } = await owner.query<LogRow>(
    `SELECT * FROM security_audit_logs WHERE creator_id = $1 AND event_type = $2 ORDER BY created_at`,
    [creatorId, eventType],
  );
  return rows;
}

async function counts() {
  const { rows } = await owner.query<{ creators: number; tokens: number; logs: number }>(
    `SELECT (SELECT count(*) FROM creators)::int AS creators,
            (SELECT count(*) FROM creator_refresh_tokens)::int AS tokens,
            (SELECT count(*) FROM security_audit_logs)::int AS logs`,
  );
  return rows[0]!;
}

const expectInvalidCredentials = (result: Result) =>
  expect(result).toEqual(
    expect.objectContaining({
      __typename: 'InvalidCredentialsError',
      code: 'UNAUTHENTICATED',
      message: expect.any(String),
    }),
  );

const withinSeconds = (actual: number, expected: number, seconds: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(seconds * 1000);

// ------------------------------------------------------------------------------------------
// signUp
// ------------------------------------------------------------------------------------------

describe('signUp', () => {
  test('asAnonymous: creates a creator with an argon2id hash, returns a working session and a well-formed JWT', async () => {
    const local = `Lin.${crypto.randomBytes(4).toString('hex')}`;
    const password = 'correct horse battery staple';
    const requestId = newRequestId();
    const before = Date.now();
    const result = await signUp(
      { email: `  ${local}@Example.COM `, password, firstName: 'Lin', lastName: 'Hua', companyName: 'Lin Labs' },
      requestId,
    );
    const email = `${local.toLowerCase()}@example.com`;

    // The GraphQL answer.
    expect(result.__typename).toBe('AuthPayload');
    const row = await creatorRow(email);
    expect(row).toBeDefined();
    expect(result.creator).toEqual({ id: toGlobalId('Creator', row!.id), email });
    expect(result.refreshToken).toMatch(REFRESH_TOKEN);
    expect(REFRESH_TOKEN.exec(result.refreshToken!)![1]).toBe(hexOf(row!.id));

    // The stored creator: normalized email, argon2id hash, never the password itself.
    expect(row).toEqual(
      expect.objectContaining({
        first_name: 'Lin',
        last_name: 'Hua',
        company_name: 'Lin Labs',
        failed_login_attempts: 0,
        locked_until: null,
      }),
    );
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    expect(row!.password_hash).not.toContain(password);
    expect(await verifyArgon2(row!.password_hash, password)).toBe(true);
    expect(await verifyArgon2(row!.password_hash, 'another password')).toBe(false);
    const { rows: plain } = await owner.query(`SELECT 1 FROM creators WHERE password_hash = $1`, [password]);
    expect(plain).toHaveLength(0);

    // The refresh token: only its SHA-256 is stored, for this creator, unrevoked, ~30 days.
    const token = await tokenRow(result.refreshToken!);
    expect(token).toEqual(expect.objectContaining({ creator_id: row!.id, revoked_at: null, replaced_by_id: null }));
    withinSeconds(token!.expires_at.getTime(), before + 30 * 24 * 3600 * 1000, 60);
    const { rows: plainTokens } = await owner.query(`SELECT 1 FROM creator_refresh_tokens WHERE token_hash = $1`, [
      result.refreshToken,
    ]);
    expect(plainTokens).toHaveLength(0);

    // The security log.
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({ creator_id: row!.id, event_type: 'auth.signed_up' }),
    ]);

    // The access token: the claims the contract names, 15 minutes, and it signs `me` in.
    const claims = jwt.decode(result.accessToken!) as jwt.JwtPayload;
    expect(claims).toEqual(
      expect.objectContaining({ sub: row!.id, role: 'creator', iss: TEST_JWT.issuer, aud: TEST_JWT.audience }),
    );
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    withinSeconds(claims.iat! * 1000, Date.now(), 30);
    expect(new Date(result.accessTokenExpiresAt!).getTime()).toBe(claims.exp! * 1000);
    expect(() =>
      jwt.verify(result.accessToken!, TEST_JWT_SECRET, {
        algorithms: ['HS256'],
        audience: TEST_JWT.audience,
        issuer: TEST_JWT.issuer,
      }),
    ).not.toThrow();

    const me = await server.gql<{ me: { id: string; email: string } }>(ME, {}, { token: result.accessToken });
    expect(me.body).toEqual({ data: { me: { id: toGlobalId('Creator', row!.id), email } } });
  });

  test.each([['ADA@demo.creatorgraph.dev'], ['  Ada@Demo.CreatorGraph.dev  ']])(
    'asAnonymous: a duplicate email (%p) is a ConflictError and writes nothing',
    async (email) => {
      const adaBefore = await creatorById(tenants.creatorA);
      const before = await counts();
      const result = await signUp({ email, password: 'another-password-123', firstName: 'Impostor' });
      expect(result).toEqual(
        expect.objectContaining({ __typename: 'ConflictError', code: 'CONFLICT', message: expect.any(String) }),
      );
      expect(result.accessToken).toBeUndefined();
      expect(await counts()).toEqual(before);
      // Ada's account is untouched.
      expect(await creatorById(tenants.creatorA)).toEqual(adaBefore);
    },
  );

  test('asAnonymous: invalid input is a ValidationError naming every bad field, and writes nothing', async () => {
    const before = await counts();
    const result = await signUp({
      email: 'not-an-email',
      password: '12345',
      firstName: 'x'.repeat(300),
      lastName: 'Fine',
      companyName: 'y'.repeat(300),
    });
    expect(result.__typename).toBe('ValidationError');
    expect(result.code).toBe('VALIDATION_FAILED');
    const paths = [...new Set(result.fields!.map((f) => f.path))].sort();
    expect(paths).toEqual(['input.companyName', 'input.email', 'input.firstName', 'input.password']);
    for (const field of result.fields!) expect(field.message).toEqual(expect.any(String));
    expect(await counts()).toEqual(before);
    expect(await creatorRow('not-an-email')).toBeUndefined();
  });
});

// ------------------------------------------------------------------------------------------
// logIn
// ------------------------------------------------------------------------------------------

describe('logIn', () => {
  test("asAnonymous with Ada's credentials: a session for Ada, last_login_at set, failed attempts reset, logged", async () => {
    await owner.query(`UPDATE creators SET failed_login_attempts = 3, last_login_at = NULL WHERE id = $1`, [
      tenants.creatorA,
    ]);
    const requestId = newRequestId();
    const result = await logIn(ADA.email, ADA.password, requestId);

    expect(result.__typename).toBe('AuthPayload');
    expect(result.creator).toEqual({ id: toGlobalId('Creator', tenants.creatorA), email: ADA.email });
    expect(result.refreshToken).toMatch(REFRESH_TOKEN);
    expect(jwt.decode(result.accessToken!)).toEqual(
      expect.objectContaining({ sub: tenants.creatorA, role: 'creator' }),
    );

    const ada = await creatorById(tenants.creatorA);
    expect(ada.failed_login_attempts).toBe(0);
    expect(ada.locked_until).toBeNull();
    expect(ada.last_login_at).not.toBeNull();
    withinSeconds(ada.last_login_at!.getTime(), Date.now(), 30);

    expect(await tokenRow(result.refreshToken!)).toEqual(
      expect.objectContaining({ creator_id: tenants.creatorA, revoked_at: null }),
    );
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({ creator_id: tenants.creatorA, event_type: 'auth.login_succeeded' }),
    ]);

    const me = await server.gql(ME, {}, { token: result.accessToken });
    expect(me.body).toEqual({ data: { me: { id: toGlobalId('Creator', tenants.creatorA), email: ADA.email } } });
  });

  test('asAnonymous: the email is matched case-insensitively', async () => {
    const result = await logIn('  ADA@Demo.CreatorGraph.DEV ', ADA.password);
    expect(result.__typename).toBe('AuthPayload');
    expect(result.creator!.email).toBe(ADA.email);
  });

  test('asAnonymous with a wrong password: InvalidCredentialsError, the counter goes up, logged; no session', async () => {
    const { failed_login_attempts: before } = await creatorById(tenants.creatorA);
    const tokensBefore = await counts();
    const requestId = newRequestId();
    const result = await logIn(ADA.email, 'not-adas-password', requestId);

    expectInvalidCredentials(result);
    expect(result.accessToken).toBeUndefined();
    const ada = await creatorById(tenants.creatorA);
    expect(ada.failed_login_attempts).toBe(before + 1);
    expect(ada.locked_until).toBeNull();
    expect((await counts()).tokens).toBe(tokensBefore.tokens);
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({
        creator_id: tenants.creatorA,
        event_type: 'auth.login_failed',
        event_data: expect.objectContaining({ reason: 'bad_password', attempt: before + 1 }),
      }),
    ]);

    // And once more: it counts every attempt.
    expectInvalidCredentials(await logIn(ADA.email, 'still-not-adas-password'));
    expect((await creatorById(tenants.creatorA)).failed_login_attempts).toBe(before + 2);

    // The right password resets the counter.
    expect((await logIn(ADA.email, ADA.password)).__typename).toBe('AuthPayload');
    expect((await creatorById(tenants.creatorA)).failed_login_attempts).toBe(0);
  });

  test('asAnonymous: wrong passwords lock nothing: from the address that created the account, the right password still works', async () => {
    // Before: five wrong passwords locked the account for 15 minutes, for its owner too.
    const victim = await freshCreator();
    for (let attempt = 1; attempt <= 8; attempt++) {
      expectInvalidCredentials(await logIn(victim.email, `wrong-password-${attempt}`));
      expect((await creatorById(victim.id)).failed_login_attempts).toBe(attempt);
    }
    const stored = await creatorById(victim.id);
    expect(stored.locked_until).toBeNull();
    expect(await logsOf(victim.id, 'auth.account_locked')).toHaveLength(0);

    const requestId = newRequestId();
    const right = await logIn(victim.email, victim.password, requestId);
    expect(right.__typename).toBe('AuthPayload');
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({ creator_id: victim.id, event_type: 'auth.login_succeeded' }),
    ]);
    expect((await creatorById(victim.id)).failed_login_attempts).toBe(0);
  });

  test('asAnonymous: an account locked by the old lock-out (locked_until set) signs in, and the lock is cleared', async () => {
    const victim = await freshCreator();
    await owner.query(
      `UPDATE creators SET locked_until = now() + interval '15 minutes', failed_login_attempts = 5 WHERE id = $1`,
      [victim.id],
    );

    const result = await logIn(victim.email, victim.password);
    expect(result.__typename).toBe('AuthPayload');
    const stored = await creatorById(victim.id);
    expect(stored.locked_until).toBeNull();
    expect(stored.failed_login_attempts).toBe(0);
  });

  test('asAnonymous with an unknown email: the same answer as a wrong password, logged without a creator', async () => {
    const victim = await freshCreator();
    const wrongPassword = await logIn(victim.email, 'not-the-password');

    const local = `nobody-${crypto.randomBytes(6).toString('hex')}`;
    const requestId = newRequestId();
    const before = await counts();
    const unknown = await logIn(`${local}@example.com`, 'not-the-password', requestId);

    expectInvalidCredentials(unknown);
    expect(unknown).toEqual(wrongPassword);
    const after = await counts();
    expect(after.creators).toBe(before.creators);
    expect(after.tokens).toBe(before.tokens);
    const logs = await logsOfRequest(requestId);
    expect(logs).toEqual([
      expect.objectContaining({
        creator_id: null,
        event_type: 'auth.login_failed',
        event_data: expect.objectContaining({ reason: 'unknown_email', emailDomain: 'example.com' }),
      }),
    ]);
    // The log keeps the domain, not the address.
    expect(JSON.stringify(logs[0]!.event_data)).not.toContain(local);
  });

  test('asAnonymous with a deactivated account: refused like a wrong password, even with the right password', async () => {
    const victim = await freshCreator();
    await owner.query(`UPDATE creators SET is_active = false WHERE id = $1`, [victim.id]);
    const requestId = newRequestId();
    const result = await logIn(victim.email, victim.password, requestId);
    expectInvalidCredentials(result);
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({
        creator_id: victim.id,
        event_type: 'auth.login_failed',
        event_data: expect.objectContaining({ reason: 'inactive' }),
      }),
    ]);
    expect(await logsOf(victim.id, 'auth.login_succeeded')).toHaveLength(0);
  });
});

// ------------------------------------------------------------------------------------------
// refreshSession and logOut
// ------------------------------------------------------------------------------------------

describe('refreshSession', () => {
  test('asCreatorA: rotates; the old token presented again is refused and revokes the whole family', async () => {
    const first = await logIn(ADA.email, ADA.password);
    const r1 = first.refreshToken!;
    const row1 = (await tokenRow(r1))!;

    // Rotation.
    const second = await refresh(r1);
    expect(second.__typename).toBe('AuthPayload');
    expect(second.creator).toEqual({ id: toGlobalId('Creator', tenants.creatorA), email: ADA.email });
    const r2 = second.refreshToken!;
    expect(r2).toMatch(REFRESH_TOKEN);
    expect(r2).not.toBe(r1);
    const me = await server.gql(ME, {}, { token: second.accessToken });
    expect(me.body).toEqual({ data: { me: { id: toGlobalId('Creator', tenants.creatorA), email: ADA.email } } });

    const row2 = (await tokenRow(r2))!;
    expect(row2).toEqual(
      expect.objectContaining({ creator_id: tenants.creatorA, family_id: row1.family_id, revoked_at: null }),
    );
    const rotated = (await tokenRow(r1))!;
    expect(rotated.revoked_at).not.toBeNull();
    expect(rotated.replaced_by_id).toBe(row2.id);

    // Reuse of the rotated token.
    const requestId = newRequestId();
    const reused = await refresh(r1, requestId);
    expectInvalidCredentials(reused);
    expect(reused.accessToken).toBeUndefined();
    for (const row of await familyRows(row1.family_id)) expect(row.revoked_at).not.toBeNull();
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({
        creator_id: tenants.creatorA,
        event_type: 'auth.refresh_token_reused',
        severity: 'high',
        event_data: expect.objectContaining({ familyId: row1.family_id, tokensRevoked: 1 }),
      }),
    ]);

    // The newest token of the family is dead too.
    expectInvalidCredentials(await refresh(r2));
    expect(await familyRows(row1.family_id)).toHaveLength(2);
  });

  test("asCreatorA: a reuse ends only that log-in, not the creator's other sessions", async () => {
    const stolen = await logIn(ADA.email, ADA.password);
    const other = await logIn(ADA.email, ADA.password);
    const rotated = await refresh(stolen.refreshToken!);
    expect(rotated.__typename).toBe('AuthPayload');
    expectInvalidCredentials(await refresh(stolen.refreshToken!));

    const still = await refresh(other.refreshToken!);
    expect(still.__typename).toBe('AuthPayload');
    expect((await tokenRow(other.refreshToken!))!.family_id).not.toBe(
      (await tokenRow(stolen.refreshToken!))!.family_id,
    );
  });

  test('asCreatorA: of two concurrent refreshes with one token, exactly one wins, and the family is revoked', async () => {
    const session = await logIn(ADA.email, ADA.password);
    const results = await Promise.all([refresh(session.refreshToken!), refresh(session.refreshToken!)]);
    const winners = results.filter((r) => r.__typename === 'AuthPayload');
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.__typename === 'InvalidCredentialsError')).toHaveLength(1);
    expectInvalidCredentials(await refresh(winners[0]!.refreshToken!));
    for (const row of await familyRows((await tokenRow(session.refreshToken!))!.family_id))
      expect(row.revoked_at).not.toBeNull();
  });

  test('asAnonymous: garbage and forged tokens are refused, and do not disturb the real session', async () => {
    const session = await logIn(ADA.email, ADA.password);
    const real = session.refreshToken!;
    const secret = real.split('_')[2]!;
    const before = await counts();
    const forged = [
      '',
      'garbage',
      'crt_not-a-token',
      real.slice(0, -1),
      `${real}x`,
      // Well-formed, for Ada, but never issued.
      `crt_${hexOf(tenants.creatorA)}_${crypto.randomBytes(32).toString('base64url')}`,
      // Ada's secret under a creator that does not exist.
      `crt_${hexOf(crypto.randomUUID())}_${secret}`,
      // One hex digit of the creator part changed.
      real.replace(/^crt_(.)/, (_m, c: string) => `crt_${c === 'a' ? 'b' : 'a'}`),
    ];
    for (const token of forged) {
      const result = await refresh(token);
      expectInvalidCredentials(result);
      expect(result.accessToken).toBeUndefined();
    }
    const after = await counts();
    expect(after.creators).toBe(before.creators);
    expect(after.tokens).toBe(before.tokens);
    expect((await tokenRow(real))!.revoked_at).toBeNull();
    expect((await refresh(real)).__typename).toBe('AuthPayload');
  });

  test('asCreatorA: an expired refresh token is refused', async () => {
    const session = await logIn(ADA.email, ADA.password);
    await owner.query(
      `UPDATE creator_refresh_tokens SET created_at = now() - interval '31 days', expires_at = now() - interval '1 day' WHERE token_hash = $1`,
      [sha256(session.refreshToken!)],
    );
    const before = (await counts()).tokens;
    expectInvalidCredentials(await refresh(session.refreshToken!));
    expect((await counts()).tokens).toBe(before);
  });

  test('asCreatorB: a refresh token issued to Ada, with its creator part changed to Grace, is refused', async () => {
    const ada = await logIn(ADA.email, ADA.password);
    const real = ada.refreshToken!;
    const asGrace = real.replace(hexOf(tenants.creatorA), hexOf(tenants.creatorB));
    expect(asGrace).not.toBe(real);
    expect(asGrace).toMatch(REFRESH_TOKEN);

    const { rows: graceBefore } = await owner.query(
      `SELECT id, revoked_at FROM creator_refresh_tokens WHERE creator_id = $1 ORDER BY id`,
      [tenants.creatorB],
    );
    const requestId = newRequestId();
    const result = await refresh(asGrace, requestId);
    expectInvalidCredentials(result);
    expect(result.accessToken).toBeUndefined();
    expect(result.creator).toBeUndefined();

    // Nothing issued to (or revoked for) Grace, nothing logged against her; Ada's token still good.
    const { rows: graceAfter } = await owner.query(
      `SELECT id, revoked_at FROM creator_refresh_tokens WHERE creator_id = $1 ORDER BY id`,
      [tenants.creatorB],
    );
    expect(graceAfter).toEqual(graceBefore);
    expect((await logsOfRequest(requestId)).filter((l) => l.creator_id === tenants.creatorB)).toHaveLength(0);
    expect(await logOut(asGrace)).toBe(false);
    expect((await tokenRow(real))!.revoked_at).toBeNull();
    const rotated = await refresh(real);
    expect(rotated.__typename).toBe('AuthPayload');
    expect(rotated.creator!.email).toBe(ADA.email);
  });

  // Not in the brief: logIn refuses a deactivated creator (is_active = false), so its refresh
  // tokens (30 days) must not keep minting sessions either.
  test('asCreator (deactivated): a deactivated creator cannot refresh its session', async () => {
    const victim = await freshCreator();
    await owner.query(`UPDATE creators SET is_active = false WHERE id = $1`, [victim.id]);
    const before = (await counts()).tokens;
    const result = await refresh(victim.session.refreshToken!);
    expectInvalidCredentials(result);
    expect(result.accessToken).toBeUndefined();
    expect((await counts()).tokens).toBe(before);
  });
});

describe('logOut', () => {
  test('asCreatorA: revokes every token of the log-in; refreshing afterwards is refused', async () => {
    const first = await logIn(ADA.email, ADA.password);
    const second = await refresh(first.refreshToken!);
    const familyId = (await tokenRow(first.refreshToken!))!.family_id;

    expect(await logOut(second.refreshToken!)).toBe(true);
    const rows = await familyRows(familyId);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.revoked_at).not.toBeNull();
    const logs = await logsOf(tenants.creatorA, 'auth.logged_out');
    expect(logs.length).toBeGreaterThanOrEqual(1);

    expectInvalidCredentials(await refresh(second.refreshToken!));
    expect(await familyRows(familyId)).toHaveLength(2);
  });

  test('asCreatorA: log-out of one log-in leaves the others alone', async () => {
    const one = await logIn(ADA.email, ADA.password);
    const two = await logIn(ADA.email, ADA.password);
    expect(await logOut(one.refreshToken!)).toBe(true);
    expect((await tokenRow(two.refreshToken!))!.revoked_at).toBeNull();
    expect((await refresh(two.refreshToken!)).__typename).toBe('AuthPayload');
  });

  test('asAnonymous: an unknown or malformed token logs nothing out', async () => {
    const session = await logIn(ADA.email, ADA.password);
    expect(await logOut('garbage')).toBe(false);
    expect(await logOut(`crt_${hexOf(tenants.creatorA)}_${crypto.randomBytes(32).toString('base64url')}`)).toBe(false);
    expect((await tokenRow(session.refreshToken!))!.revoked_at).toBeNull();
  });
});

// ------------------------------------------------------------------------------------------
// Platform admins
// ------------------------------------------------------------------------------------------

describe('adminLogIn', () => {
  test('asAdmin: the demo admin gets an admin access token; logged', async () => {
    const requestId = newRequestId();
    const result = await adminLogIn(DEMO_ADMIN.email, DEMO_ADMIN.password, requestId);
    expect(result.__typename).toBe('AdminAuthPayload');
    const claims = jwt.decode(result.accessToken!) as jwt.JwtPayload;
    expect(claims).toEqual(
      expect.objectContaining({ sub: adminId, role: 'admin', iss: TEST_JWT.issuer, aud: TEST_JWT.audience }),
    );
    expect(claims.exp! - claims.iat!).toBe(15 * 60);
    expect(new Date(result.accessTokenExpiresAt!).getTime()).toBe(claims.exp! * 1000);
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({
        creator_id: null,
        event_type: 'admin.login_succeeded',
        event_data: expect.objectContaining({ adminId }),
      }),
    ]);
  });

  test.each([
    ['a wrong password', DEMO_ADMIN.email, 'not-the-admin-password'],
    ['an unknown email', 'nobody-admin@demo.creatorgraph.dev', DEMO_ADMIN.password],
    ["a creator's credentials", ADA.email, ADA.password],
  ])(
    'asAnonymous with %s: InvalidCredentialsError, logged as a failed admin log-in',
    async (_name, email, password) => {
      const requestId = newRequestId();
      const result = await adminLogIn(email, password, requestId);
      expectInvalidCredentials(result);
      expect(result.accessToken).toBeUndefined();
      expect(await logsOfRequest(requestId)).toEqual([
        expect.objectContaining({ creator_id: null, event_type: 'admin.login_failed', severity: 'high' }),
      ]);
    },
  );

  test('asAdmin (disabled): refused even with the right password', async () => {
    const email = uniqueEmail('disabled-admin');
    await owner.query(`INSERT INTO platform_admins (email, password_hash, disabled_at) VALUES ($1, $2, now())`, [
      email,
      await hashArgon2('disabled-admin-password'),
    ]);
    expectInvalidCredentials(await adminLogIn(email, 'disabled-admin-password'));
  });
});

describe('creators (platform admins only)', () => {
  test('asAdmin: lists every creator, both demo creators among them', async () => {
    const admin = await adminLogIn(DEMO_ADMIN.email, DEMO_ADMIN.password);
    const { status, body } = await server.gql<{
      creators: { totalCount: number; edges: { node: { email: string } }[] };
    }>(CREATORS, {}, { token: admin.accessToken });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const emails = body.data!.creators.edges.map((e) => e.node.email);
    expect(emails).toEqual(expect.arrayContaining([ADA.email, GRACE.email]));
    expect(emails.length).toBeLessThanOrEqual(10);
    expect(body.data!.creators.totalCount).toBe((await counts()).creators);
  });

  test('asCreatorA: FORBIDDEN, and no creator is revealed', async () => {
    const ada = await logIn(ADA.email, ADA.password);
    const { body } = await server.gql(CREATORS, {}, { token: ada.accessToken });
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(body.data ?? null).toBeNull();
    expect(JSON.stringify(body)).not.toContain(GRACE.email);
  });

  test('asAnonymous: UNAUTHENTICATED', async () => {
    const { body } = await server.gql(CREATORS);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });
});

describe('an admin acting on a creator (X-Act-As-Creator, X-Admin-Reason)', () => {
  let adminToken: string;
  beforeAll(async () => {
    adminToken = (await adminLogIn(DEMO_ADMIN.email, DEMO_ADMIN.password)).accessToken!;
  });

  const actingOn = (creatorId: string, reason?: string, requestId = newRequestId()) => ({
    'x-act-as-creator': creatorId,
    ...(reason === undefined ? {} : { 'x-admin-reason': reason }),
    'x-request-id': requestId,
  });

  test('asAdmin acting on Ada: `me` is Ada, and the act is logged with the admin and the reason', async () => {
    const requestId = newRequestId();
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(tenants.creatorA, 'support ticket 42', requestId) },
    );
    expect(status).toBe(200);
    expect(body).toEqual({ data: { me: { email: ADA.email } } });
    expect(await logsOfRequest(requestId)).toEqual([
      expect.objectContaining({
        creator_id: tenants.creatorA,
        event_type: 'admin.acted_as_creator',
        event_data: expect.objectContaining({ adminId, reason: 'support ticket 42' }),
      }),
    ]);
  });

  test('asAdmin acting on Grace sees Grace, not Ada', async () => {
    const { body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(tenants.creatorB, 'support ticket 43') },
    );
    expect(body).toEqual({ data: { me: { email: GRACE.email } } });
  });

  test.each([
    ['no reason', undefined],
    ['an empty reason', ''],
    ['a blank reason', '     '],
    ['a too-short reason', 'ok'],
    ['a too-long reason', 'x'.repeat(501)],
  ])('asAdmin acting on Ada with %s: HTTP 400 VALIDATION_FAILED, no data, nothing logged', async (_name, reason) => {
    const requestId = newRequestId();
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(tenants.creatorA, reason, requestId) },
    );
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(await logsOfRequest(requestId)).toHaveLength(0);
  });

  test('asAdmin acting on something that is not a creator id: HTTP 400 VALIDATION_FAILED', async () => {
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(`${tenants.creatorA}' OR '1'='1`, 'support ticket 42') },
    );
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
  });

  test('asAdmin acting on a creator that does not exist: HTTP 404 NOT_FOUND, nothing logged', async () => {
    const requestId = newRequestId();
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: adminToken, headers: actingOn(crypto.randomUUID(), 'support ticket 42', requestId) },
    );
    expect(status).toBe(404);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await logsOfRequest(requestId)).toHaveLength(0);
  });

  test('asCreatorA sending X-Act-As-Creator (Grace): HTTP 403 FORBIDDEN, no data, nothing logged', async () => {
    const ada = await logIn(ADA.email, ADA.password);
    const requestId = newRequestId();
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { token: ada.accessToken, headers: actingOn(tenants.creatorB, 'support ticket 42', requestId) },
    );
    expect(status).toBe(403);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(body)).not.toContain(GRACE.email);
    expect(await logsOfRequest(requestId)).toHaveLength(0);
  });

  test('asAnonymous sending X-Act-As-Creator: HTTP 403 FORBIDDEN, no data', async () => {
    const { status, body } = await server.gql(
      `{ me { email } }`,
      {},
      { headers: actingOn(tenants.creatorA, 'support ticket 42') },
    );
    expect(status).toBe(403);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  test('asAdmin without X-Act-As-Creator: `me` is FORBIDDEN', async () => {
    const { body } = await server.gql(`{ me { email } }`, {}, { token: adminToken });
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(body.data?.me ?? null).toBeNull();
  });
});

describe('asAdmin: the creators list shows accounts, never what they own', () => {
  test('nested data of a creator is not reachable from the list, and the list writes no act-as record', async () => {
    const login = await server.gql<Record<string, any>>(
      `mutation { adminLogIn(email: "admin@demo.creatorgraph.dev", password: "demo-password-admin") { ... on AdminAuthPayload { accessToken } } }`,
    );
    const token = login.body.data!.adminLogIn.accessToken as string;
    const nested = await server.gql(
      `{ creators(first: 5) { nodes { email programs(first: 2) { nodes { name } } users(first: 2) { nodes { email } } } } }`,
      {},
      { token },
    );
    expect(nested.status).toBe(400);
    expect(nested.body.data).toBeUndefined();
    expect(nested.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const list = await server.gql<Record<string, any>>(
      `{ creators(first: 5, search: "ada@") { totalCount nodes { id email companyName subscriptionTier } } }`,
      {},
      { token },
    );
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data!.creators).toEqual({
      totalCount: 1,
      nodes: [
        {
          id: tenants.creatorA,
          email: 'ada@demo.creatorgraph.dev',
          companyName: 'Analytical Wellness',
          subscriptionTier: 'PRO',
        },
      ],
    });
  });
});
