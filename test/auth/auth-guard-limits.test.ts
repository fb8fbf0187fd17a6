// The endpoints anyone can call without a tenant (signUp, logIn, adminLogIn), attacked as an
// anonymous client would: per-source limits (429 RATE_LIMITED with Retry-After), sign-up floods, and
// a per-account throttle the real owner gets past (no lock-out), whose answers do not tell an
// unknown email, a wrong password and a throttled account apart.
//
// Each source is an X-Forwarded-For address on a server with TRUST_PROXY=1, distinct per test, so
// the tests do not share counts.
import { PasswordHasher } from '../../src/auth/passwords';
import type pg from 'pg';
import { DEMO_ADMIN } from '../../src/db/seed/seed';
import type { TwoTenants } from '../helpers/fixtures';
import type { TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import {
  LIMITS,
  ADA,
  ADMIN_LOG_IN,
  LOG_IN,
  SIGN_UP,
  ME,
  from,
  uniqueEmail,
  flood,
  earlyInAMinute,
  authGuardFixtures,
} from './auth-guard-fixtures';

const harness = useServer(useDatabase(), { env: { TRUST_PROXY: '1', ...LIMITS } });

const { securityEvents, creatorCount } = authGuardFixtures(harness);
let tenants: TwoTenants;
let owner: pg.Client;
let proxied: TestServer;
beforeAll(() => ({ tenants, owner, server: proxied } = harness));

// A test that waits for the start of a minute (fixtures) may wait 40 s before it starts.
jest.setTimeout(120_000);
afterEach(() => jest.restoreAllMocks());

describe('per source', () => {
  test('asAnonymous: 300 wrong adminLogIn passwords from one address: 20 answered, then 429 RATE_LIMITED with Retry-After; the admin still signs in from its own address', async () => {
    await earlyInAMinute();
    // The admin signed in from its office before the attack.
    expect((await from(proxied, '10.1.0.2', ADMIN_LOG_IN, DEMO_ADMIN)).body.data!.adminLogIn.__typename).toBe(
      'AdminAuthPayload',
    );

    const answers = await flood(300, 10, (i) =>
      from(proxied, '10.1.0.1', ADMIN_LOG_IN, { email: DEMO_ADMIN.email, password: `guess-${i}-wrong` }),
    );
    const answered = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(answered).toHaveLength(20);
    expect(refused).toHaveLength(280);
    for (const a of answered)
      expect(a.body.data!.adminLogIn).toEqual({
        __typename: 'InvalidCredentialsError',
        code: 'UNAUTHENTICATED',
        message: 'Invalid email or password',
      });
    for (const r of refused) {
      expect(r.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.body.data ?? null).toBeNull();
    }
    // Of the 20 answered, 5 were checked against the password (the account's limit), the rest
    // throttled; the refused 280 did nothing. One event for the source's burst, one for the
    // account's.
    expect(await securityEvents('admin.login_failed', '10.1.0.1')).toHaveLength(5);
    expect(await securityEvents('admin.login_throttled', '10.1.0.1')).toHaveLength(1);
    expect(await securityEvents('auth.rate_limited', '10.1.0.1')).toEqual([
      expect.objectContaining({ creator_id: null, event_data: expect.objectContaining({ what: 'auth', limit: 20 }) }),
    ]);

    // During the attack: the right password from the admin's known address works...
    const admin = await from(proxied, '10.1.0.2', ADMIN_LOG_IN, DEMO_ADMIN);
    expect(admin.status).toBe(200);
    expect(admin.body.data!.adminLogIn.__typename).toBe('AdminAuthPayload');
    // ...while from an address the account has never seen, the account is throttled, and the
    // answer is that of a wrong password.
    const stranger = await from(proxied, '10.1.0.3', ADMIN_LOG_IN, DEMO_ADMIN);
    expect(stranger.status).toBe(200);
    expect(stranger.body.data!.adminLogIn).toEqual({
      __typename: 'InvalidCredentialsError',
      code: 'UNAUTHENTICATED',
      message: 'Invalid email or password',
    });
  });

  test('asAnonymous: 300 wrong logIn passwords on Ada from one address: 20 answered, then 429; Ada signs in from where she did before; creator B is not slowed or refused', async () => {
    await earlyInAMinute();
    expect((await from(proxied, '10.2.0.2', LOG_IN, ADA)).body.data!.logIn.__typename).toBe('AuthPayload');
    const answers = await flood(300, 10, (i) =>
      from(proxied, '10.2.0.1', LOG_IN, { email: ADA.email, password: `guess-${i}-wrong` }),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(20);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(280);
    expect(await securityEvents('auth.login_failed', '10.2.0.1')).toHaveLength(5);
    expect(await securityEvents('auth.login_throttled', '10.2.0.1')).toEqual([
      expect.objectContaining({ creator_id: tenants.creatorA }),
    ]);
    // The account is not locked: no lock is stored, and its owner gets in.
    expect(
      (await owner.query(`SELECT locked_until FROM creators WHERE id = $1`, [tenants.creatorA])).rows[0].locked_until,
    ).toBeNull();
    expect((await from(proxied, '10.2.0.2', LOG_IN, ADA)).body.data!.logIn.__typename).toBe('AuthPayload');
    // Tenant B, signed in, is not limited by any of it.
    const me = await from(proxied, '10.2.0.1', ME, {}, proxied.tokenFor(tenants.creatorB));
    expect(me.status).toBe(200);
    expect(me.body.data!.me.email).toBe('grace@demo.creatorgraph.dev');
  });

  test('asAnonymous: 30 aliased logIn calls in one request count 30 against the address: refused whole, nothing checked', async () => {
    const spy = jest.spyOn(PasswordHasher.prototype, 'computeVerify');
    const aliases = Array.from(
      { length: 30 },
      (_, i) => `a${i}: logIn(email: "${ADA.email}", password: "wrong-${i}") { __typename }`,
    ).join('\n');
    const response = await from(proxied, '10.2.1.1', `mutation { ${aliases} }`);
    expect(response.status).toBe(429);
    expect(response.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(spy).not.toHaveBeenCalled();
    expect(await securityEvents('auth.login_failed', '10.2.1.1')).toHaveLength(0);
  });

  test('asAnonymous: a sign-up flood from one address gets 3 accounts an hour, then 429; nothing more is written; another address still signs up', async () => {
    const before = await creatorCount();
    const answers = await flood(8, 4, () =>
      from(proxied, '10.4.0.1', SIGN_UP, {
        input: { email: uniqueEmail('flood'), password: 'a-long-enough-password' },
      }),
    );
    const created = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    expect(created).toHaveLength(3);
    for (const c of created) expect(c.body.data!.signUp.__typename).toBe('AuthPayload');
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(r.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      // An hour's window: the wait is minutes, not seconds.
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(60);
    }
    expect(await creatorCount()).toBe(before + 3);
    expect(await securityEvents('auth.rate_limited', '10.4.0.1')).toEqual([
      expect.objectContaining({ event_data: expect.objectContaining({ what: 'sign_up', limit: 3 }) }),
    ]);

    const other = await from(proxied, '10.4.0.2', SIGN_UP, {
      input: { email: uniqueEmail('other'), password: 'a-long-enough-password' },
    });
    expect(other.body.data!.signUp.__typename).toBe('AuthPayload');
    expect(await creatorCount()).toBe(before + 4);
  });
});

describe('per account', () => {
  test('asAnonymous: an unknown email, a wrong password and a throttled account (even with the right password) get the same answer, each after one password verification', async () => {
    await earlyInAMinute();
    const victim = { email: uniqueEmail('victim'), password: 'the-victims-password' };
    const bystander = { email: uniqueEmail('bystander'), password: 'the-bystanders-password' };
    for (const [who, source] of [
      [victim, '10.3.0.1'],
      [bystander, '10.3.0.2'],
    ] as const) {
      expect((await from(proxied, source, SIGN_UP, { input: who })).body.data!.signUp.__typename).toBe('AuthPayload');
    }
    // Attackers on many addresses: 5 failures in a minute, then the victim's account is throttled.
    for (let i = 0; i < 6; i++)
      await from(proxied, `10.3.1.${i}`, LOG_IN, { email: victim.email, password: `guess-${i}` });

    const spy = jest.spyOn(PasswordHasher.prototype, 'computeVerify');
    const unknown = await from(proxied, '10.3.0.9', LOG_IN, {
      email: uniqueEmail('nobody'),
      password: 'some-password-here',
    });
    expect(spy).toHaveBeenCalledTimes(1);
    const wrong = await from(proxied, '10.3.0.9', LOG_IN, { email: bystander.email, password: 'not-the-password' });
    expect(spy).toHaveBeenCalledTimes(2);
    const throttled = await from(proxied, '10.3.0.9', LOG_IN, victim);
    expect(spy).toHaveBeenCalledTimes(3);

    for (const answer of [unknown, wrong, throttled]) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe(wrong.headers.get('content-type'));
      expect(answer.headers.get('retry-after')).toBeNull();
      expect(answer.body).toEqual({
        data: {
          logIn: {
            __typename: 'InvalidCredentialsError',
            code: 'UNAUTHENTICATED',
            message: 'Invalid email or password',
          },
        },
      });
    }
    // The victim, from the address that created the account, is not throttled.
    expect((await from(proxied, '10.3.0.1', LOG_IN, victim)).body.data!.logIn.__typename).toBe('AuthPayload');
  });

  test('asAnonymous: concurrent guesses from many addresses: exactly 5 are checked against the password in a minute', async () => {
    await earlyInAMinute();
    const victim = { email: uniqueEmail('burst'), password: 'the-victims-password' };
    expect((await from(proxied, '10.6.0.1', SIGN_UP, { input: victim })).body.data!.signUp.__typename).toBe(
      'AuthPayload',
    );
    const id = (await owner.query(`SELECT id FROM creators WHERE email = $1`, [victim.email])).rows[0].id;
    // 8 at a time: within the hashing queue (16 waiting by default), which the last test covers.
    const answers = await flood(40, 8, (i) =>
      from(proxied, `10.6.1.${i}`, LOG_IN, { email: victim.email, password: `guess-${i}` }),
    );
    for (const a of answers) expect(a.body.data!.logIn.__typename).toBe('InvalidCredentialsError');
    const failed = await owner.query(
      `SELECT count(*)::int AS n FROM security_audit_logs WHERE creator_id = $1 AND event_type = 'auth.login_failed'`,
      [id],
    );
    expect(failed.rows[0].n).toBe(5);
    expect(
      (await owner.query(`SELECT failed_login_attempts FROM creators WHERE id = $1`, [id])).rows[0]
        .failed_login_attempts,
    ).toBe(5);
  });
});
