// Platform admins over the real server: adminLogIn, and the creators list that only they may read.
import { hash as hashArgon2 } from '@node-rs/argon2';
import jwt from 'jsonwebtoken';
import type pg from 'pg';
import { DEMO_ADMIN } from '../../../src/db/seed/seed';
import { TEST_JWT, type TestServer } from '../../helpers/server';
import {
  useAuthHarness,
  ADA,
  GRACE,
  CREATORS,
  newRequestId,
  uniqueEmail,
  expectInvalidCredentials,
  authFixtures,
} from './auth-fixtures';

const auth = useAuthHarness();

const { logIn, adminLogIn, logsOfRequest, counts } = authFixtures(auth);
let server: TestServer;
let owner: pg.Client;
let adminId: string;
beforeAll(() => ({ server, owner, adminId } = auth));

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
