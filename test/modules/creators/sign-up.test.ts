// signUp over the real server: the answer and what is really stored (the creator, its argon2id
// hash, its session and the security log).
import crypto from 'node:crypto';
import { verify as verifyArgon2 } from '@node-rs/argon2';
import jwt from 'jsonwebtoken';
import type pg from 'pg';
import { toGlobalId } from '../../../src/graphql/ids';
import type { TwoTenants } from '../../helpers/fixtures';
import { TEST_JWT, TEST_JWT_SECRET, type TestServer } from '../../helpers/server';
import { withinSeconds } from '../../helpers/api';
import { useAuthHarness, ME, newRequestId, hexOf, REFRESH_TOKEN, authFixtures } from './auth-fixtures';

const auth = useAuthHarness();

const { signUp, creatorRow, creatorById, tokenRow, logsOfRequest, counts } = authFixtures(auth);
let server: TestServer;
let owner: pg.Client;
let tenants: TwoTenants;
beforeAll(() => ({ server, owner, tenants } = auth));

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
