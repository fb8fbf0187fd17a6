// logIn over the real server: sessions, the failed-attempt counter, no lock-out, and the security
// log.
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import type pg from 'pg';
import { toGlobalId } from '../../../src/graphql/ids';
import type { TwoTenants } from '../../helpers/fixtures';
import type { TestServer } from '../../helpers/server';
import { withinSeconds } from '../../helpers/api';
import {
  useAuthHarness,
  ADA,
  ME,
  newRequestId,
  REFRESH_TOKEN,
  expectInvalidCredentials,
  authFixtures,
} from './auth-fixtures';

const auth = useAuthHarness();

const { logIn, freshCreator, creatorById, tokenRow, logsOfRequest, logsOf, counts } = authFixtures(auth);
let server: TestServer;
let owner: pg.Client;
let tenants: TwoTenants;
beforeAll(() => ({ server, owner, tenants } = auth));

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
