// Tenant statements are prepared once per connection (src/db/tenant-wire.ts): reused, not
// re-parsed; bounded per connection; redone after an error left their state unknown; and a
// prepared plan never carries one tenant's rows to another. One pooled connection, so that every
// statement meets the prepared statements of the ones before it.
import pg from 'pg';
import { createPool, createPrismaClient, type PrismaClient } from '../../src/db/clients';
import { tenantClient } from '../../src/db/tenant';
import { MAX_PREPARED, TENANT_SETTINGS_SQL, TenantStatement } from '../../src/db/tenant-wire';
import type { TestDatabase } from '../helpers/database';
import { connect, type TwoTenants } from '../helpers/fixtures';
import { useDatabase } from '../helpers/harness';

const database = useDatabase();
let db: TestDatabase;
let tenants: TwoTenants;
beforeAll(() => ({ db, tenants } = database));

async function withClient<T>(preparedStatements: boolean, fn: (base: PrismaClient) => Promise<T>): Promise<T> {
  const pool: pg.Pool = createPool(db.appUrl, { max: 1, applicationName: 'prepared-statements-test' });
  const base = createPrismaClient(pool, { preparedStatements });
  try {
    return await fn(base);
  } finally {
    await base.$disconnect();
    await pool.end();
  }
}

/** The prepared statements of the pool's one connection, and how often each was executed. */
async function prepared(base: PrismaClient, creatorId: string) {
  const rows = await tenantClient(base, creatorId).$queryRaw<{ statement: string; runs: number; generic: number }[]>`
    SELECT statement, (generic_plans + custom_plans)::int AS runs, generic_plans::int AS generic FROM pg_prepared_statements WHERE name LIKE 'cg\\_%' ORDER BY statement`;
  return rows;
}

test('asCreatorA: a statement run three times is parsed once; so is the tenant settings statement', async () => {
  await withClient(true, async (base) => {
    const a = tenantClient(base, tenants.creatorA);
    for (let i = 0; i < 3; i++) await a.program.findMany({ where: { status: 'published' }, select: { id: true } });
    const statements = await prepared(base, tenants.creatorA);
    // Prisma's text or the compiled read's (src/db/sql-read), whichever sent it.
    const programs = statements.filter((s) => /FROM (?:"public"\.)?"programs"/.test(s.statement));
    expect(programs).toHaveLength(1);
    expect(programs[0]!.runs).toBe(3);
    // The settings went ahead of the three reads and of the read of pg_prepared_statements.
    expect(statements.find((s) => s.statement === TENANT_SETTINGS_SQL)?.runs).toBe(4);
  });
});

test('asCreatorA then asCreatorB on one connection, past the switch to a generic plan: each sees only its own rows', async () => {
  await withClient(true, async (base) => {
    const read = (creatorId: string) =>
      tenantClient(base, creatorId).user.findMany({ where: { channel: { not: 'none' } }, select: { creatorId: true } });
    for (let i = 0; i < 8; i++) {
      const own = i % 4 === 3 ? tenants.creatorB : tenants.creatorA;
      const users = await read(own);
      expect(users.length).toBeGreaterThan(0);
      expect(new Set(users.map((u) => u.creatorId))).toEqual(new Set([own]));
    }
    const [users] = (await prepared(base, tenants.creatorA)).filter((s) =>
      s.statement.includes('FROM "public"."users"'),
    );
    expect(users!.runs).toBe(8);
    expect(users!.generic).toBeGreaterThan(0);
  });
});

test('on one connection, after errors at execution and at parse, every statement is prepared again and runs', async () => {
  // One pg client, reused after each error (pg-pool would drop it: this is the harder case).
  const client = await connect(db.appUrl);
  try {
    const settings = [tenants.creatorA, '5000', 'system:', '', ''];
    const run = (text: string, values: unknown[] = []) =>
      new Promise<pg.QueryResult>((resolve, reject) => {
        client.query(
          new TenantStatement(
            {
              text,
              values,
              callback: (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result)),
            },
            settings,
            true,
          ) as never,
        );
      });
    const divide = 'SELECT (10 / $1::int)::int AS x, current_setting($2) AS tenant';
    // Fails while it is first prepared, then while it is known; runs after each.
    await expect(run(divide, [0, 'app.current_creator_id'])).rejects.toThrow(/division by zero/);
    expect((await run(divide, [2, 'app.current_creator_id'])).rows).toEqual([{ x: 5, tenant: tenants.creatorA }]);
    await expect(run(divide, [0, 'app.current_creator_id'])).rejects.toThrow(/division by zero/);
    expect((await run(divide, [5, 'app.current_creator_id'])).rows).toEqual([{ x: 2, tenant: tenants.creatorA }]);
    // A value that cannot be bound: node-postgres closes the (known) statement itself.
    await expect(
      run(divide, [
        {
          toPostgres: () => {
            throw new Error('cannot bind this');
          },
        },
        'app.current_creator_id',
      ]),
    ).rejects.toThrow('cannot bind this');
    expect((await run(divide, [1, 'app.current_creator_id'])).rows).toEqual([{ x: 10, tenant: tenants.creatorA }]);
    // A text that does not parse fails with its own error each time, never "already exists".
    for (let i = 0; i < 2; i++) await expect(run('SELEKT 1')).rejects.toThrow(/syntax error/);
    expect((await run('SELECT 1::int AS one')).rows).toEqual([{ one: 1 }]);
    // Outside the round trips, the connection has no tenant.
    expect(
      (await client.query(`SELECT coalesce(current_setting('app.current_creator_id', true), '') AS tenant`)).rows,
    ).toEqual([{ tenant: '' }]);
    const prepared = (
      await client.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'cg\\_%'`)
    ).rows.map((r) => r.statement);
    expect(prepared.filter((t) => t === divide)).toHaveLength(1);
    expect(prepared.filter((t) => t === TENANT_SETTINGS_SQL)).toHaveLength(1);
  } finally {
    await client.end();
  }
});

test('a connection keeps at most MAX_PREPARED statements, dropping the least recently used', async () => {
  await withClient(true, async (base) => {
    const a = tenantClient(base, tenants.creatorA);
    for (let i = 0; i < MAX_PREPARED + 20; i++) await a.$queryRawUnsafe(`SELECT ${i}::int AS n`);
    const statements = await prepared(base, tenants.creatorA);
    expect(statements.length).toBeLessThanOrEqual(MAX_PREPARED);
    expect(statements.some((s) => s.statement === 'SELECT 0::int AS n')).toBe(false);
    expect(statements.some((s) => s.statement === `SELECT ${MAX_PREPARED + 19}::int AS n`)).toBe(true);
  });
});

test('with DATABASE_PREPARED_STATEMENTS off, nothing is prepared', async () => {
  await withClient(false, async (base) => {
    const a = tenantClient(base, tenants.creatorA);
    await a.program.findMany({ select: { id: true } });
    // Whatever the name: the connection holds no prepared statement at all.
    expect(await a.$queryRaw`SELECT name, statement FROM pg_prepared_statements`).toEqual([]);
  });
});
