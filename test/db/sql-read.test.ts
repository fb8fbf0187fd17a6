// Nested reads compiled to one statement (src/db/sql-read): the compiled result deep-equals what
// Prisma returns for the same args, on the demo data, through the tenant client (row-level
// security on), with Date instances, BigInt, Json, nulls, empty relations, _count, orderBy with
// NULLS, take and skip; tenant B never sees tenant A's rows through one; args' values never reach
// the SQL text; and what the compiler does not support goes to Prisma.
import type pg from 'pg';
import { createPool, createPrismaClient, type PrismaClient } from '../../src/db/clients';
import { tenantClient } from '../../src/db/tenant';
import { compiledRead, setSqlReads } from '../../src/db/sql-read/read';
import { useDatabase } from '../helpers/harness';

const database = useDatabase();
let pool: pg.Pool;
let base: PrismaClient;
let owner: pg.Pool;
let A: string;
let B: string;
let programId: string;
let lonelyUserId: string;
/** Users with conversations (half of them escalated: a null escalatedAt). */
let talkers: string[];

beforeAll(async () => {
  ({ creatorA: A, creatorB: B } = database.tenants);
  pool = createPool(database.db.appUrl, { max: 2, applicationName: 'sql-read-test', connectionTimeoutMillis: 25_000 });
  base = createPrismaClient(pool);
  owner = createPool(database.db.ownerUrl, { max: 1, applicationName: 'sql-read-test-owner' });
  database.onTeardown(async () => {
    setSqlReads(true);
    await base.$disconnect();
    await pool.end();
    await owner.end();
  });
  programId = (
    await owner.query<{ id: string }>(
      `SELECT program_id AS id FROM program_enrollments WHERE creator_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
      [A],
    )
  ).rows[0]!.id;
  // A user with no relations at all, and one with a null display name and conversations whose
  // escalation time is null for some: empty lists, zero counts, NULLS ordering.
  lonelyUserId = (
    await owner.query<{ id: string }>(
      `INSERT INTO users (creator_id, external_id, channel, display_name) VALUES ($1, 'lonely', 'web', NULL) RETURNING id`,
      [A],
    )
  ).rows[0]!.id;
  await owner.query(
    `INSERT INTO conversations (creator_id, user_id, channel, escalated_to_human, escalated_at)
     SELECT $1, u.id, 'web', g % 2 = 1, CASE WHEN g % 2 = 1 THEN now() - g * interval '1 hour' END
       FROM (SELECT id FROM users WHERE creator_id = $1 AND id <> $2 ORDER BY id LIMIT 3) u CROSS JOIN generate_series(1, 4) g`,
    [A, lonelyUserId],
  );
  talkers = (
    await owner.query<{ id: string }>(`SELECT DISTINCT user_id AS id FROM conversations WHERE escalated_at IS NOT NULL`)
  ).rows.map((r) => r.id);
  await owner.query(
    `INSERT INTO achievements (creator_id, user_id, achievement_type, points, program_id)
     SELECT $1, u.id, 'streak', 7, NULL FROM (SELECT id FROM users WHERE creator_id = $1 AND id <> $2 ORDER BY id LIMIT 2) u`,
    [A, lonelyUserId],
  );
});

type Delegate = Record<string, (args: unknown) => Promise<unknown>>;

/** The same read through Prisma (compiler off) and compiled; the compiler must take it. */
async function both(creatorId: string, model: string, operation: string, args: unknown) {
  const name = model[0]!.toLowerCase() + model.slice(1);
  expect(compiledRead(base, model, operation, args)).toBeDefined();
  const delegate = () => (tenantClient(base, creatorId) as unknown as Record<string, Delegate>)[name]!;
  setSqlReads(false);
  const prisma = await delegate()[operation]!(args);
  setSqlReads(true);
  const compiled = await delegate()[operation]!(args);
  return { prisma, compiled };
}

const Q3 = (id: string) => ({
  where: { id },
  select: {
    id: true,
    name: true,
    enrollments: {
      where: {},
      orderBy: [{ enrolledAt: 'desc' }, { id: 'asc' }],
      take: 21,
      skip: 0,
      select: {
        id: true,
        status: true,
        progress: true,
        enrolledAt: true,
        completedAt: true,
        user: {
          select: {
            id: true,
            externalId: true,
            badges: {
              orderBy: [{ earnedAt: 'desc' }, { id: 'asc' }],
              take: 6,
              skip: 0,
              select: { id: true, earnedAt: true, badge: { select: { id: true, name: true } } },
            },
          },
        },
      },
    },
  },
});

const REWARDS = (id: string) => ({
  where: { id },
  select: {
    id: true,
    externalId: true,
    displayName: true,
    changeXid: true,
    profileData: true,
    _count: { select: { achievements: true, badges: true, conversations: { where: { status: 'active' } } } },
    achievements: {
      orderBy: [{ earnedAt: 'desc' }, { id: 'asc' }],
      take: 51,
      skip: 0,
      select: { id: true, achievementType: true, earnedAt: true, points: true, program: { select: { id: true } } },
    },
    badges: {
      orderBy: [{ earnedAt: 'desc' }, { id: 'asc' }],
      take: 51,
      skip: 0,
      select: { id: true, earnedAt: true, badge: { select: { description: true, id: true, name: true } } },
    },
  },
});

test('a Q3-shaped read (program -> enrollments -> user -> badges -> badge) equals Prisma, Dates included', async () => {
  const { prisma, compiled } = await both(A, 'Program', 'findUnique', Q3(programId));
  expect(compiled).toEqual(prisma);
  const enrollments = (compiled as { enrollments: { enrolledAt: unknown; user: unknown }[] }).enrollments;
  expect(enrollments.length).toBeGreaterThan(0);
  expect(enrollments[0]!.enrolledAt).toBeInstanceOf(Date);
  expect(enrollments.some((e) => (e.user as { badges: unknown[] }).badges.length > 0)).toBe(true);
});

test('a partner-rewards read (user, _count, achievements, badges) equals Prisma: BigInt, Json, null relations', async () => {
  const userId = (
    await owner.query<{ id: string }>(
      `SELECT user_id AS id FROM achievements WHERE creator_id = $1 AND program_id IS NULL LIMIT 1`,
      [A],
    )
  ).rows[0]!.id;
  const { prisma, compiled } = await both(A, 'User', 'findUnique', REWARDS(userId));
  expect(compiled).toEqual(prisma);
  expect(typeof (compiled as { changeXid: unknown }).changeXid).toBe(
    typeof (prisma as { changeXid: unknown }).changeXid,
  );
  const lonely = await both(A, 'User', 'findUnique', REWARDS(lonelyUserId));
  expect(lonely.compiled).toEqual(lonely.prisma);
  expect(lonely.compiled).toMatchObject({
    displayName: null,
    achievements: [],
    badges: [],
    _count: { achievements: 0, badges: 0, conversations: 0 },
  });
});

test('findMany with orderBy NULLS LAST, take and skip at the root and nested, and include mode, equals Prisma', async () => {
  const list = {
    where: { id: { in: [lonelyUserId, ...talkers] }, isActive: true },
    orderBy: [{ displayName: { sort: 'asc', nulls: 'first' } }, { id: 'asc' }],
    take: 3,
    skip: 1,
    select: {
      id: true,
      displayName: true,
      lastActiveAt: true,
      createdAt: true,
      conversations: {
        orderBy: [{ escalatedAt: { sort: 'desc', nulls: 'last' } }, { id: 'asc' }],
        take: 3,
        skip: 1,
        select: { id: true, escalatedAt: true, lastMessageAt: true, messageCount: true, context: true },
      },
    },
  };
  const many = await both(A, 'User', 'findMany', list);
  expect(many.compiled).toEqual(many.prisma);
  const conversations = (many.compiled as { conversations: { escalatedAt: Date | null }[] }[]).flatMap(
    (u) => u.conversations,
  );
  expect(conversations.some((c) => c.escalatedAt === null)).toBe(true);
  expect(conversations.some((c) => c.escalatedAt instanceof Date)).toBe(true);
  const included = await both(A, 'Program', 'findFirst', {
    where: { id: programId },
    include: { enrollments: { take: 2, orderBy: { id: 'asc' } }, _count: { select: { enrollments: true } } },
  });
  expect(included.compiled).toEqual(included.prisma);
  const usage = await both(A, 'Creator', 'findUnique', {
    where: { id: A },
    select: { id: true, usage: { orderBy: [{ date: 'asc' }, { id: 'asc' }] }, _count: { select: { users: true } } },
  });
  expect(usage.compiled).toEqual(usage.prisma);
  expect((usage.compiled as { usage: { date: unknown }[] }).usage[0]?.date).toBeInstanceOf(Date);
});

test("asCreatorB: a compiled read of creator A's rows finds nothing, and nested rows are always the reader's", async () => {
  const b = tenantClient(base, B) as unknown as Record<string, Delegate>;
  expect(compiledRead(base, 'Program', 'findUnique', Q3(programId))).toBeDefined();
  expect(await b.program!.findUnique!(Q3(programId))).toBeNull();
  const programs = (await b.program!.findMany!({
    select: {
      id: true,
      creatorId: true,
      enrollments: { select: { creatorId: true, user: { select: { creatorId: true } } } },
    },
  })) as { creatorId: string; enrollments: { creatorId: string; user: { creatorId: string } }[] }[];
  expect(programs.length).toBeGreaterThan(0);
  const seen = new Set(
    programs.flatMap((p) => [p.creatorId, ...p.enrollments.flatMap((e) => [e.creatorId, e.user.creatorId])]),
  );
  expect([...seen]).toEqual([B]);
  // Without the tenant settings (the bare pool, a plain string), row-level security shows nothing.
  const compiled = compiledRead(base, 'Program', 'findMany', { select: { id: true, enrollments: true } })!;
  expect((await pool.query({ text: compiled.text, values: compiled.values })).rows).toEqual([]);
});

test('no value of the args reaches the SQL text: every one is a parameter, take and skip included', async () => {
  const evil = `x' OR 1=1; DROP TABLE users; --`;
  const args = {
    where: { displayName: evil, channel: { in: ['web', `"); SELECT 1; --`] }, createdAt: { lt: new Date(0) } },
    orderBy: { id: 'asc' },
    take: 7777,
    skip: 4242,
    select: {
      id: true,
      conversations: { where: { status: `'active'` }, take: 9191, skip: 6161, select: { id: true } },
    },
  };
  const compiled = compiledRead(base, 'User', 'findMany', args)!;
  for (const value of [evil, `"); SELECT 1; --`, `'active'`, '7777', '4242', '9191', '6161', 'web']) {
    expect(compiled.text).not.toContain(value);
  }
  expect(compiled.values).toEqual(expect.arrayContaining([evil, 7777, 4242, 9191, 6161, `'active'`]));
  expect(await (tenantClient(base, A) as unknown as Record<string, Delegate>).user!.findMany!(args)).toEqual([]);
  // A field name that is not the model's is never interpolated: the read goes to Prisma.
  expect(compiledRead(base, 'User', 'findMany', { select: { id: true, 'id" FROM users; --': true } })).toBeUndefined();
  expect(
    compiledRead(base, 'User', 'findMany', { select: { id: true, badges: true }, orderBy: { 'x"': 'asc' } }),
  ).toBeUndefined();
});

test('flat reads (one row by id, a page of rows with a filter) equal Prisma', async () => {
  const one = await both(A, 'User', 'findUnique', { where: { id: lonelyUserId } });
  expect(one.compiled).toEqual(one.prisma);
  expect(one.compiled).not.toBeNull();
  const page = await both(A, 'User', 'findMany', {
    where: { creatorId: A },
    select: { id: true, externalId: true, createdAt: true },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: 5,
    skip: 1,
  });
  expect(page.compiled).toEqual(page.prisma);
  expect((page.compiled as unknown[]).length).toBe(5);
});

test('count({ where }) (a root totalCount) equals Prisma, with and without a filter; tenant B counts none of A', async () => {
  for (const args of [{}, { where: { channel: 'web' } }, { where: { displayName: null } }, undefined]) {
    const counted = await both(A, 'User', 'count', args);
    expect(counted.compiled).toBe(counted.prisma);
    expect(typeof counted.compiled).toBe('number');
  }
  const all = await both(A, 'User', 'count', {});
  expect(all.compiled).toBeGreaterThan(0);
  const none = await both(B, 'User', 'count', { where: { id: lonelyUserId } });
  expect(none).toEqual({ prisma: 0, compiled: 0 });
});

test('what the compiler does not support goes to Prisma', () => {
  const nested = { select: { id: true, badges: { select: { id: true } } } };
  const fallbacks: [string, string, unknown][] = [
    ['User', 'findUniqueOrThrow', { where: { id: lonelyUserId }, ...nested }],
    ['User', 'findMany', { ...nested, cursor: { id: lonelyUserId } }],
    ['User', 'findMany', { ...nested, distinct: ['channel'] }],
    ['User', 'findMany', { ...nested, take: -5 }],
    ['User', 'findMany', { ...nested, where: { displayName: { contains: 'a', mode: 'insensitive' } } }],
    ['User', 'findMany', { ...nested, where: { OR: [{ channel: 'web' }] } }],
    ['User', 'findMany', { ...nested, where: { badges: { some: {} } } }],
    ['User', 'findMany', { select: { id: true, badges: { select: { id: true }, cursor: { id: lonelyUserId } } } }],
    ['User', 'findMany', { select: { id: true, _count: true } }],
    ['User', 'count', { select: { _all: true } }],
    ['User', 'count', { where: { channel: 'web' }, take: 5 }],
    ['User', 'count', { where: { OR: [{ channel: 'web' }] } }],
  ];
  for (const [model, operation, args] of fallbacks) expect(compiledRead(base, model, operation, args)).toBeUndefined();
});
