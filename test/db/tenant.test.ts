// The application's tenant boundary: Prisma through the per-request extension and the tenant
// transaction helper, over a real pool as the application role.
import type pg from 'pg';
import { createPool, createPrismaClient, type PrismaClient } from '../../src/db/clients';
import { tenantClient, TenantError, withTenantTransaction } from '../../src/db/tenant';
import { useDatabase } from '../helpers/harness';

const database = useDatabase();
let pool: pg.Pool;
let base: PrismaClient;
let A: string;
let B: string;

beforeAll(() => {
  ({ creatorA: A, creatorB: B } = database.tenants);
  // Two connections for many concurrent requests: connections are reused across tenants. The
  // 200 transactions below queue for them: a wait bounded by the app's 2 s fail-fast default ran
  // out on a busy machine (the test is about isolation, not about how fast the queue drains).
  pool = createPool(database.db.appUrl, {
    max: 2,
    applicationName: 'tenant-client-test',
    connectionTimeoutMillis: 25_000,
  });
  base = createPrismaClient(pool);
  database.onTeardown(async () => {
    await base.$disconnect();
    await pool.end();
  });
});

test('asCreatorA and asCreatorB each read only their own rows; the bare client reads nothing', async () => {
  const usersA = await tenantClient(base, A).user.findMany();
  const usersB = await tenantClient(base, B).user.findMany();
  expect(usersA.length).toBeGreaterThan(0);
  expect(usersB.length).toBeGreaterThan(0);
  expect(usersA.every((u) => u.creatorId === A)).toBe(true);
  expect(usersB.every((u) => u.creatorId === B)).toBe(true);
  expect(await base.user.count()).toBe(0);
  expect(await base.creator.count()).toBe(0);
});

test('raw queries through the tenant client are scoped too', async () => {
  const rows = await tenantClient(base, B).$queryRaw<
    { creator_id: string }[]
  >`SELECT DISTINCT creator_id::text FROM users`;
  expect(rows).toEqual([{ creator_id: B }]);
});

test("asCreatorB cannot find, update or delete creator A's row by its id", async () => {
  const a = tenantClient(base, A);
  const b = tenantClient(base, B);
  const program = await a.program.findFirstOrThrow();
  expect(await b.program.findUnique({ where: { id: program.id } })).toBeNull();
  await expect(b.program.update({ where: { id: program.id }, data: { name: 'hijacked' } })).rejects.toMatchObject({
    code: 'P2025',
  });
  await expect(b.program.delete({ where: { id: program.id } })).rejects.toMatchObject({ code: 'P2025' });
  expect((await b.program.updateMany({ where: { id: program.id }, data: { name: 'hijacked' } })).count).toBe(0);
  expect((await a.program.findUniqueOrThrow({ where: { id: program.id } })).name).toBe(program.name);
});

test('a create without creatorId lands in the current tenant', async () => {
  const user = await tenantClient(base, B).user.create({ data: { externalId: 'created-by-b', channel: 'web' } });
  expect(user.creatorId).toBe(B);
});

test('withTenantTransaction commits all steps together, or none', async () => {
  const program = await withTenantTransaction(base, A, async (tx) => {
    const p = await tx.program.create({ data: { name: 'Atomic' } });
    const user = await tx.user.findFirstOrThrow();
    await tx.programEnrollment.create({ data: { programId: p.id, userId: user.id } });
    return tx.program.findUniqueOrThrow({ where: { id: p.id } });
  });
  expect(program.enrollmentCount).toBe(1);

  await expect(
    withTenantTransaction(base, A, async (tx) => {
      await tx.program.create({ data: { name: 'Never committed' } });
      throw new Error('second step failed');
    }),
  ).rejects.toThrow('second step failed');
  expect(await tenantClient(base, A).program.count({ where: { name: 'Never committed' } })).toBe(0);
});

test("inside withTenantTransaction for B, A's rows are invisible and A's parents unusable", async () => {
  const programOfA = await tenantClient(base, A).program.findFirstOrThrow();
  await expect(
    withTenantTransaction(base, B, async (tx) => {
      const user = await tx.user.findFirstOrThrow();
      expect(await tx.program.findUnique({ where: { id: programOfA.id } })).toBeNull();
      return tx.programEnrollment.create({ data: { programId: programOfA.id, userId: user.id } });
    }),
  ).rejects.toMatchObject({ code: 'P2003' });
});

test('a tenant client refuses $transaction (multi-step writes go through withTenantTransaction)', () => {
  expect(() => tenantClient(base, A).$transaction()).toThrow(TenantError);
});

test('a tenant id that is not a UUID is refused before any query', async () => {
  expect(() => tenantClient(base, "x' OR true --")).toThrow(TenantError);
  await expect(withTenantTransaction(base, '', async () => 1)).rejects.toThrow(TenantError);
});

test('200 interleaved requests of two tenants over 2 pooled connections never see each other', async () => {
  const ops = Array.from({ length: 200 }, (_, i) => {
    const creatorId = i % 2 === 0 ? A : B;
    const client = tenantClient(base, creatorId);
    const work =
      i % 3 === 0
        ? client.user.findMany({ select: { creatorId: true } })
        : i % 3 === 1
          ? client.program.findMany({ select: { creatorId: true } })
          : client.conversation.findMany({ select: { creatorId: true } });
    return work.then((rows) => ({ creatorId, seen: [...new Set(rows.map((r) => r.creatorId))] }));
  });
  const results = await Promise.all(ops);
  expect(results.filter((r) => r.seen.length !== 1 || r.seen[0] !== r.creatorId)).toEqual([]);
  // And the connections carry no tenant once the requests are done.
  expect(await base.user.count()).toBe(0);
});

test("asCreatorB looking up asCreatorA's rows by unique key in the same tick as A gets nothing (Prisma would merge the lookups)", async () => {
  const usersOfA = await tenantClient(base, A).user.findMany({ select: { id: true } });
  const rounds = await Promise.all(
    usersOfA.flatMap((u) => [
      tenantClient(base, A).user.findUnique({ where: { id: u.id }, select: { id: true, creatorId: true } }),
      tenantClient(base, B).user.findUnique({ where: { id: u.id }, select: { id: true, creatorId: true } }),
      tenantClient(base, B)
        .user.findUniqueOrThrow({ where: { id: u.id } })
        .then(
          () => 'found',
          () => 'not found',
        ),
    ]),
  );
  for (let i = 0; i < usersOfA.length; i++) {
    expect(rounds[i * 3]).toEqual({ id: usersOfA[i]!.id, creatorId: A });
    expect(rounds[i * 3 + 1]).toBeNull();
    expect(rounds[i * 3 + 2]).toBe('not found');
  }
});

test('a compound unique key works through the tenant client', async () => {
  const user = (await tenantClient(base, A).user.findFirst({ select: { id: true } }))!;
  const profile = await tenantClient(base, A).userProfile.findUnique({
    where: { creatorId_userId: { creatorId: A, userId: user.id } },
  });
  const viaFilter = await tenantClient(base, A).userProfile.findFirst({ where: { userId: user.id } });
  expect(profile?.id ?? null).toBe(viaFilter?.id ?? null);
  expect(
    await tenantClient(base, B).userProfile.findUnique({
      where: { creatorId_userId: { creatorId: A, userId: user.id } },
    }),
  ).toBeNull();
});

test('200 interleaved tenant transactions of two tenants over 2 pooled connections never see each other', async () => {
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => {
      const creatorId = i % 2 === 0 ? A : B;
      return withTenantTransaction(
        base,
        creatorId,
        async (tx) => {
          const users = await tx.user.findMany({ select: { creatorId: true } });
          const setting = await tx.$queryRaw<
            { tenant: string }[]
          >`SELECT current_setting('app.current_creator_id', true) AS tenant`;
          return { creatorId, seen: [...new Set(users.map((u) => u.creatorId)), setting[0]!.tenant] };
        },
        { maxWait: 25_000 },
      );
    }),
  );
  expect(results.filter((r) => r.seen.some((c) => c !== r.creatorId))).toEqual([]);
  expect(await base.user.count()).toBe(0);
});

test('withTenantTransaction with an isolation level sets the tenant after SET TRANSACTION, and sees only its rows', async () => {
  const [row] = await withTenantTransaction(
    base,
    B,
    (tx) => tx.$queryRaw<{ tenant: string; level: string; others: number }[]>`
      SELECT current_setting('app.current_creator_id') AS tenant, current_setting('transaction_isolation') AS level,
             (SELECT count(*)::int FROM users WHERE creator_id <> ${B}::uuid) AS others`,
    { isolationLevel: 'Serializable' },
  );
  expect(row).toEqual({ tenant: B, level: 'serializable', others: 0 });
});

test('a tenant statement leaves its pooled connection without tenant or timeout, even when it fails', async () => {
  const before = await pool.query<{ timeout: string }>(`SELECT current_setting('statement_timeout') AS timeout`);
  // Succeeding and failing statements of both tenants, over the pool's two connections.
  const outcomes = await Promise.all(
    Array.from({ length: 20 }, (_, i) => {
      const client = tenantClient(base, i % 2 === 0 ? A : B);
      return i % 4 < 2
        ? client.$queryRaw<{ tenant: string }[]>`SELECT current_setting('app.current_creator_id', true) AS tenant`.then(
            (rows) => rows[0]!.tenant,
          )
        : client.$queryRaw`SELECT 1 / 0`.then(
            () => 'no error',
            (error: Error) => (/division by zero/.test(error.message) ? 'failed' : error.message),
          );
    }),
  );
  expect(outcomes).toEqual(Array.from({ length: 20 }, (_, i) => (i % 4 < 2 ? (i % 2 === 0 ? A : B) : 'failed')));
  const after = await Promise.all(
    [0, 1].map(() =>
      pool.query<{ tenant: string | null; timeout: string; xact: boolean }>(
        `SELECT current_setting('app.current_creator_id', true) AS tenant, current_setting('statement_timeout') AS timeout, pg_current_xact_id_if_assigned() IS NOT NULL AS xact, pg_sleep(0.05)`,
      ),
    ),
  );
  for (const { rows } of after) {
    expect(rows[0]!.tenant ?? '').toBe('');
    expect(rows[0]!.timeout).toBe(before.rows[0]!.timeout);
  }
});
