// X-Forwarded-For is believed only behind TRUST_PROXY, and only the proxy's own entry.
import { clientAddress } from '../../src/server/client-address';
import type { TestDatabase } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import { LIMITS, LOG_IN, from, uniqueEmail, authGuardFixtures } from './auth-guard-fixtures';

const harness = useServer(useDatabase(), { env: { TRUST_PROXY: '1', ...LIMITS } });

const { securityEvents } = authGuardFixtures(harness);
let db: TestDatabase;
let proxied: TestServer;
beforeAll(() => ({ db, server: proxied } = harness));

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
