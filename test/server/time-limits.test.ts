// Time limits: a request past its resolver budget and statements past STATEMENT_TIMEOUT_MS stop,
// with a typed error.
import { tenantClient } from '../../src/db/tenant';
import type { TestDatabase } from '../helpers/database';
import type { TwoTenants } from '../helpers/fixtures';
import { startTestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';

const harness = useServer(useDatabase());

let db: TestDatabase;
let tenants: TwoTenants;
beforeAll(() => ({ db, tenants } = harness));

describe('time limits', () => {
  test('a request past its resolver budget stops starting work: REQUEST_TIMEOUT, not a hang or a 500', async () => {
    const tight = await startTestServer(db, { RESOLVER_BUDGET_MS: '1' });
    try {
      const response = await tight.gql(
        `{ users(first: 50) { nodes { enrollments(first: 10) { nodes { program { name } } } } } }`,
        {},
        { token: tight.tokenFor(tenants.creatorA) },
      );
      expect(response.status).toBe(200);
      const codes = new Set((response.body.errors ?? []).map((e) => e.extensions?.code));
      expect([...codes]).toEqual(['REQUEST_TIMEOUT']);
    } finally {
      await tight.stop();
    }
  });

  test('statements of a request are cancelled past STATEMENT_TIMEOUT_MS (set with the tenant, per transaction)', async () => {
    const quick = await startTestServer(db, { STATEMENT_TIMEOUT_MS: '300' });
    try {
      const client = tenantClient(quick.app.db.app, tenants.creatorA);
      expect(await client.$queryRaw`SELECT current_setting('statement_timeout') AS t`).toEqual([{ t: '300ms' }]);
      const started = Date.now();
      await expect(client.$queryRaw`SELECT pg_sleep(2)`).rejects.toThrow(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await quick.stop();
    }
  });
});
