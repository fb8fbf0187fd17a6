// The auth limits of several instances sharing Redis: an address's calls, an account's failed
// log-ins and the addresses it knows count across instances.
import type { TestDatabase } from '../helpers/database';
import { describeWithRedis, startRedis, type RedisServer } from '../helpers/redis';
import { startTestServer, type TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import { LIMITS, LOG_IN, SIGN_UP, from, uniqueEmail, earlyInAMinute } from './auth-guard-fixtures';

const harness = useServer(useDatabase(), { env: { TRUST_PROXY: '1', ...LIMITS } });

let db: TestDatabase;
beforeAll(() => ({ db } = harness));

// A test that waits for the start of a minute (fixtures) may wait 40 s before it starts.
jest.setTimeout(120_000);

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
