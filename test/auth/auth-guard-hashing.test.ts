// Password hashing: on threads of the lowest CPU priority, behind a bounded queue that refuses a
// sign-up flood at once while other tenants still get answers.
import fs from 'node:fs';
import { PasswordHasher } from '../../src/auth/passwords';
import type { TestDatabase } from '../helpers/database';
import type { TwoTenants } from '../helpers/fixtures';
import { startTestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import type { Json } from '../helpers/api';
import { LIMITS, SIGN_UP, ME, from, uniqueEmail, authGuardFixtures } from './auth-guard-fixtures';

const harness = useServer(useDatabase(), { env: { TRUST_PROXY: '1', ...LIMITS } });

const { creatorCount } = authGuardFixtures(harness);
let db: TestDatabase;
let tenants: TwoTenants;
beforeAll(() => ({ db, tenants } = harness));

afterEach(() => jest.restoreAllMocks());

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
