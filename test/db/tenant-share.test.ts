// Each tenant's share of the database pool (src/db/tenant-share.ts): one tenant's stuck or slow
// work holds at most its share of the connections, its excess waits in its own short queue and
// is then refused with 429 RATE_LIMITED and Retry-After, and other tenants are served meanwhile.
// Before the share, 12 stuck writes of one tenant held the whole pool of 5 and every other
// tenant's request failed with SERVICE_UNAVAILABLE.
import type pg from 'pg';
import { tenantClient, tenantShareOf, withTenantTransaction } from '../../src/db/tenant';
import { gid, useApiHarness } from '../helpers/api';
import { connect } from '../helpers/fixtures';

const SHARE = 2;
const QUEUE = 6;
const WAIT_MS = 1_500;

const api = useApiHarness({
  env: {
    DATABASE_POOL_MAX: '5',
    TENANT_POOL_SHARE: String(SHARE),
    TENANT_QUEUE_MAX: String(QUEUE),
    TENANT_QUEUE_WAIT_MS: String(WAIT_MS),
    STATEMENT_TIMEOUT_MS: '20000',
    TENANT_REQUEST_CONCURRENCY: '50',
  },
});

const RENAME = /* GraphQL */ `
  mutation Rename($id: ID!, $name: String!) {
    updateProgram(id: $id, input: { name: $name }) {
      __typename
      ... on UpdateProgramSuccess {
        data {
          id
          name
        }
      }
      ... on Error {
        code
        message
      }
    }
  }
`;

/** Backends waiting on a lock (the stuck work): pg_locks, which every role may read. */
async function stuckBackends(): Promise<number> {
  const row = await api.one<{ n: number }>(`SELECT count(DISTINCT pid)::int AS n FROM pg_locks WHERE NOT granted`);
  return row!.n;
}

async function until(predicate: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a tenant's share of the pool", () => {
  let locker: pg.Client;
  beforeAll(async () => {
    locker = await connect(api.db.ownerUrl);
  });
  afterAll(() => locker.end());

  test('asCreatorA: stuck writes hold at most its share; its excess is refused with 429; asCreatorB is served meanwhile', async () => {
    const A = api.tenants.creatorA;
    const program = await api.one<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 ORDER BY id LIMIT 1`, [
      A,
    ]);
    // Another session holds the row: every write of it waits in the database, on a connection.
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM programs WHERE id = $1 FOR UPDATE', [program!.id]);
    const token = api.server.tokenFor(A);
    type Renamed = { updateProgram: { __typename: string; data: { name: string } } };
    const writes = Array.from({ length: 12 }, (_, i) =>
      api.server.gql<Renamed>(RENAME, { id: gid('Program', program!.id), name: `Renamed ${i}` }, { token }),
    );
    try {
      await until(async () => (await stuckBackends()) >= SHARE, 'the first writes to reach the lock');

      // asCreatorB: served while A's work is stuck, every time.
      const tokenB = api.server.tokenFor(api.tenants.creatorB);
      for (let i = 0; i < 8; i++) {
        const { status, body } = await api.server.gql<{ me: { id: string } }>(
          '{ me { id } programs(first: 5) { totalCount } }',
          {},
          { token: tokenB },
        );
        expect(body.errors).toBeUndefined();
        expect(status).toBe(200);
        expect(body.data!.me.id).toBeTruthy();
      }
      // A holds its share and no more.
      expect(await stuckBackends()).toBe(SHARE);
      expect(tenantShareOf(api.server.app.db.app)!.usage(A)).toEqual({ active: SHARE, waiting: expect.any(Number) });

      // The queue's excess was refused at once, the rest once their wait ran out.
      await until(
        async () => tenantShareOf(api.server.app.db.app)!.usage(A).waiting === 0,
        'the queue to empty',
        3 * WAIT_MS + 10_000,
      );
    } finally {
      await locker.query('ROLLBACK');
    }
    const answers = await Promise.all(writes);
    const done = answers.filter((a) => a.body.data?.updateProgram?.__typename === 'UpdateProgramSuccess');
    const refused = answers.filter((a) => a.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    expect(done).toHaveLength(SHARE);
    expect(refused).toHaveLength(12 - SHARE);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.body.errors![0]!.message).toMatch(/share of the database/);
    }
    // Nothing the refused writes asked for was written: the name is one of the two that ran.
    const name = (await api.one<{ name: string }>(`SELECT name FROM programs WHERE id = $1`, [program!.id]))!.name;
    expect(done.map((d) => d.body.data!.updateProgram.data.name)).toContain(name);
  });

  test('asCreatorA: a burst larger than its share waits its turn and is served when the work is quick', async () => {
    const token = api.server.tokenFor(api.tenants.creatorA);
    const answers = await Promise.all(
      Array.from({ length: SHARE + QUEUE }, () => api.server.gql('{ me { id } }', {}, { token })),
    );
    for (const a of answers) {
      expect(a.body.errors).toBeUndefined();
      expect(a.status).toBe(200);
    }
  });

  test('a tenant transaction that makes tenant-client calls inside runs on its own permit (no self-deadlock at full share)', async () => {
    const A = api.tenants.creatorA;
    const base = api.server.app.db.app;
    const counts = await Promise.all(
      Array.from({ length: SHARE * 2 }, () =>
        withTenantTransaction(base, A, async (tx) => {
          const inTx = await tx.program.count();
          const outside = await tenantClient(base, A).user.count();
          return inTx + outside;
        }),
      ),
    );
    expect(new Set(counts).size).toBe(1);
    expect(tenantShareOf(base)!.usage(A)).toEqual({ active: 0, waiting: 0 });
  });
});
