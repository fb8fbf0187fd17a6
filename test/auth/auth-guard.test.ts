// The endpoints anyone can call without a tenant (signUp, logIn, adminLogIn, refreshSession,
// logOut), attacked as an anonymous client would: per-source limits (429 RATE_LIMITED with
// Retry-After), a per-account throttle the real owner gets past (no lock-out), answers that do
// not tell an unknown email, a wrong password and a throttled account apart, sign-up floods,
// X-Forwarded-For only behind TRUST_PROXY, and a bounded password-hashing queue.
//
// Each source is an X-Forwarded-For address on a server with TRUST_PROXY=1, distinct per test,
// so the tests do not share counts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PasswordHasher } from '../../src/auth/passwords';
import type pg from 'pg';
import { DEMO_ADMIN } from '../../src/db/seed/seed';
import { clientAddress } from '../../src/server/client-address';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { describeWithRedis, startRedis, type RedisServer } from '../helpers/redis';
import { startTestServer, type TestServer } from '../helpers/server';

type Json = Record<string, any>;

const ADA = { email: 'ada@demo.creatorgraph.dev', password: 'demo-password-ada' };
// Refusals are answered at once here: holding them back (REFUSAL_DELAY_MS) has its own test, test/server/refusals.test.ts.
const LIMITS = {
  AUTH_RATE_PER_SOURCE: '20',
  AUTH_RATE_PER_ACCOUNT: '5',
  SIGNUP_RATE_PER_SOURCE: '3',
  REFUSAL_DELAY_MS: '0',
};

let db: TestDatabase;
let tenants: TwoTenants;
let owner: pg.Client;
let proxied: TestServer;

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
  owner = await connect(db.ownerUrl);
  proxied = await startTestServer(db, { TRUST_PROXY: '1', ...LIMITS });
});
afterAll(async () => {
  await owner?.end();
  await proxied?.stop();
  await db?.drop();
});
afterEach(() => jest.restoreAllMocks());

const ADMIN_LOG_IN = /* GraphQL */ `
  mutation AdminLogIn($email: String!, $password: String!) {
    adminLogIn(email: $email, password: $password) {
      __typename
      ... on AdminAuthPayload {
        accessToken
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
const LOG_IN = /* GraphQL */ `
  mutation LogIn($email: String!, $password: String!) {
    logIn(email: $email, password: $password) {
      __typename
      ... on AuthPayload {
        accessToken
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
const SIGN_UP = /* GraphQL */ `
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on AuthPayload {
        accessToken
        creator {
          id
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;
const ME = /* GraphQL */ `
  {
    me {
      email
    }
  }
`;

/** A request from `source` (X-Forwarded-For, believed only with TRUST_PROXY). */
function from(server: TestServer, source: string | undefined, query: string, variables: Json = {}, token?: string) {
  return server.gql<Json>(query, variables, { token, headers: source ? { 'x-forwarded-for': source } : {} });
}

const uniqueEmail = (prefix: string) => `${prefix}-${crypto.randomBytes(6).toString('hex')}@example.com`;

/** Many requests, `width` at a time; their answers in order. */
async function flood<T>(count: number, width: number, send: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await send(i);
      }
    }),
  );
  return results;
}

/**
 * The limits count in sliding minutes: a burst that straddles the turn of a minute can fit a
 * little more as the old minute slides out. Start bursts early in a minute so that each one is
 * counted against one window (waits at most half a minute; nothing is asserted on time).
 */
// A test that waits for the start of a minute (below) may wait 40 s before it starts.
jest.setTimeout(120_000);

async function earlyInAMinute() {
  const into = Date.now() % 60_000;
  if (into > 20_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
}

async function securityEvents(eventType: string, ip: string): Promise<Json[]> {
  const { rows } = await owner.query(
    `SELECT creator_id, event_type, event_data, host(ip_address) AS ip FROM security_audit_logs WHERE event_type = $1 AND host(ip_address) = $2`,
    [eventType, ip],
  );
  return rows;
}

async function creatorCount(): Promise<number> {
  return (await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM creators`)).rows[0]!.n;
}

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

describe('X-Forwarded-For', () => {
  test("anonymous: without TRUST_PROXY it is ignored: every request is the socket's address, counted and logged as such", async () => {
    const direct = await startTestServer(db, { ...LIMITS, AUTH_RATE_PER_SOURCE: '3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push(
          (await from(direct, `10.5.0.${i}`, LOG_IN, { email: uniqueEmail('xff'), password: 'some-password-here' }))
            .status,
        );
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(await securityEvents('auth.login_failed', '10.5.0.0')).toHaveLength(0);
    } finally {
      await direct.stop();
    }
  });

  test("anonymous: with TRUST_PROXY=1 the proxy's entry (the rightmost) is the client; entries the client wrote itself change nothing", async () => {
    const statuses: number[] = [];
    // An attacker varies the left part of the header; the proxy appends the real address.
    for (let i = 0; i < 23; i++)
      statuses.push(
        (
          await from(proxied, `192.0.2.${i}, 10.5.1.1`, LOG_IN, {
            email: uniqueEmail('xff'),
            password: 'some-password-here',
          })
        ).status,
      );
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429, 429]);
    expect(await securityEvents('auth.login_failed', '10.5.1.1')).toHaveLength(20);
    expect(await securityEvents('auth.login_failed', '192.0.2.0')).toHaveLength(0);
  });

  test('clientAddress: hops from the right; a short chain or a non-address falls back to the socket', () => {
    const req = (xff: string | undefined) =>
      ({
        headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
        socket: { remoteAddress: '127.0.0.1' },
      }) as never;
    expect(clientAddress(req('1.1.1.1'), 0)).toBe('127.0.0.1');
    expect(clientAddress(req('1.1.1.1, 2.2.2.2'), 1)).toBe('2.2.2.2');
    expect(clientAddress(req('1.1.1.1, 2.2.2.2, 3.3.3.3'), 2)).toBe('2.2.2.2');
    expect(clientAddress(req('2.2.2.2'), 2)).toBe('127.0.0.1');
    expect(clientAddress(req('not-an-address'), 1)).toBe('127.0.0.1');
    expect(clientAddress(req(undefined), 1)).toBe('127.0.0.1');
    expect(clientAddress(req('2001:db8::1'), 1)).toBe('2001:db8::1');
  });
});

describe('password hashing', () => {
  test("hashes are computed on threads of the lowest CPU priority (nice 19), never on the event loop's", async () => {
    // This process's threads and their nice values (the test servers above have hashers too).
    const nices = () =>
      fs.readdirSync(`/proc/${process.pid}/task`).map((tid) => {
        const stat = fs.readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8');
        return { tid: Number(tid), nice: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]) };
      });
    const lowBefore = nices().filter((t) => t.nice === 19).length;
    const hasher = new PasswordHasher(1, 1);
    try {
      const hash = await hasher.hash('a-long-enough-password');
      const after = nices();
      expect(after.find((t) => t.tid === process.pid)!.nice).toBe(0);
      expect(after.filter((t) => t.nice === 19)).toHaveLength(lowBefore + 1);
      expect(await hasher.verify(hash, 'a-long-enough-password')).toBe(true);
      expect(await hasher.verify(hash, 'another-password')).toBe(false);
    } finally {
      await hasher.close();
    }
  });

  test("asAnonymous flood of sign-ups beyond the hashing queue: RATE_LIMITED at once, nothing written; creator B's { me } still answers meanwhile", async () => {
    const tight = await startTestServer(db, {
      TRUST_PROXY: '1',
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE: '1',
    });
    const real = PasswordHasher.prototype.computeHash;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The hashes in progress hold until released: 1 runs, 1 waits, the rest are over the bound.
    const spy = jest.spyOn(PasswordHasher.prototype, 'computeHash').mockImplementation(async function (
      this: PasswordHasher,
      password: string,
    ) {
      await gate;
      return real.call(this, password);
    });
    try {
      const before = await creatorCount();
      const settled: Json[] = [];
      const all = Array.from({ length: 6 }, (_, i) =>
        from(tight, `10.7.0.${i}`, SIGN_UP, {
          input: { email: uniqueEmail('hash'), password: 'a-long-enough-password' },
        }).then((r) => {
          settled.push(r);
          return r;
        }),
      );
      for (let i = 0; i < 600 && settled.length < 4; i++) await new Promise((r) => setTimeout(r, 50));
      expect(settled).toHaveLength(4);
      expect(spy).toHaveBeenCalledTimes(1);
      for (const r of settled) {
        expect(r.status).toBe(429);
        expect(r.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
        expect(r.headers.get('retry-after')).toBe('1');
      }
      // Signed-in traffic of another tenant is served while the hashing is saturated.
      const me = await from(tight, '10.7.1.1', ME, {}, tight.tokenFor(tenants.creatorB));
      expect(me.status).toBe(200);
      expect(me.body.data!.me.email).toBe('grace@demo.creatorgraph.dev');

      release();
      const answers = await Promise.all(all);
      expect(answers.filter((a) => a.status === 200 && a.body.data?.signUp.__typename === 'AuthPayload')).toHaveLength(
        2,
      );
      expect(await creatorCount()).toBe(before + 2);
    } finally {
      release();
      await tight.stop();
    }
  });
});

describeWithRedis('several instances sharing Redis', () => {
  let redis: RedisServer;
  let one: TestServer;
  let two: TestServer;
  beforeAll(async () => {
    redis = await startRedis();
    one = await startTestServer(db, { TRUST_PROXY: '1', ...LIMITS, AUTH_RATE_PER_SOURCE: '4', REDIS_URL: redis.url });
    two = await startTestServer(db, { TRUST_PROXY: '1', ...LIMITS, AUTH_RATE_PER_SOURCE: '4', REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await redis?.stop();
  });

  test("asAnonymous: an address's calls, an account's failed log-ins and the addresses it knows count across instances", async () => {
    await earlyInAMinute();
    const victim = { email: uniqueEmail('shared'), password: 'the-victims-password' };
    // Signed up on one from 10.8.0.2: that address knows the account, on every instance.
    expect((await from(one, '10.8.0.2', SIGN_UP, { input: victim })).body.data!.signUp.__typename).toBe('AuthPayload');

    // One address, alternating instances: 4 calls a minute in all.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await from(i % 2 === 0 ? one : two, '10.8.0.1', LOG_IN, { email: victim.email, password: `guess-${i}` }))
          .status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    // More guesses on two, from other addresses: 7 failures in all, past the account's 5.
    for (let i = 0; i < 3; i++)
      expect(
        (await from(two, `10.8.1.${i}`, LOG_IN, { email: victim.email, password: `guess-more-${i}` })).body.data!.logIn
          .__typename,
      ).toBe('InvalidCredentialsError');

    // On one, which saw only 2 of those failures, the account is throttled all the same.
    expect((await from(one, '10.8.0.3', LOG_IN, victim)).body.data!.logIn.__typename).toBe('InvalidCredentialsError');
    // On two, which never saw the sign-up, the owner's address is known.
    expect((await from(two, '10.8.0.2', LOG_IN, victim)).body.data!.logIn.__typename).toBe('AuthPayload');
  });
});
