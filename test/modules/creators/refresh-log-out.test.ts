// refreshSession (rotation and reuse detection) and logOut over the real server: the answer and
// the stored refresh-token families.
import crypto from 'node:crypto';
import type pg from 'pg';
import { toGlobalId } from '../../../src/graphql/ids';
import type { TwoTenants } from '../../helpers/fixtures';
import type { TestServer } from '../../helpers/server';
import {
  useAuthHarness,
  ADA,
  ME,
  newRequestId,
  sha256,
  hexOf,
  REFRESH_TOKEN,
  expectInvalidCredentials,
  authFixtures,
} from './auth-fixtures';

const auth = useAuthHarness();

const { logIn, refresh, logOut, freshCreator, tokenRow, familyRows, logsOfRequest, logsOf, counts } =
  authFixtures(auth);
let server: TestServer;
let owner: pg.Client;
let tenants: TwoTenants;
beforeAll(() => ({ server, owner, tenants } = auth));

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
