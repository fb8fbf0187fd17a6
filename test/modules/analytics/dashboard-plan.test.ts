// The dashboard summary stays an index range over the day, whatever the tenant's size: the
// statement the server sends (captured at the pg client) is explained as the application role,
// and no count may filter a tenant's rows by the day's bounds after reading them.
import pg from 'pg';
import { createPool, createPrismaClient } from '../../../src/db/clients';
import { tenantClient } from '../../../src/db/tenant';
import { daySummary } from '../../../src/modules/analytics/insights.service';
import { asTenant, connect } from '../../helpers/fixtures';
import { useDatabase } from '../../helpers/harness';

const database = useDatabase();

beforeAll(() => database.owner.query('ANALYZE'));

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Filter?: string;
  Plans?: PlanNode[];
}

function scans(node: PlanNode): PlanNode[] {
  return [...(node['Relation Name'] ? [node] : []), ...(node.Plans ?? []).flatMap(scans)];
}

/** The index conditions a table scan uses: its own, or those of the bitmap index scans under it. */
function indexConditions(node: PlanNode): string[] {
  return [
    ...(node['Index Cond'] ? [node['Index Cond']] : []),
    ...(node.Plans ?? []).filter((p) => p['Node Type'].startsWith('Bitmap')).flatMap(indexConditions),
  ];
}

const BY_TIME = /\w+_at >= /;

test('asCreatorA: every count of daySummary reads its table through an index on the day', async () => {
  const pool = createPool(database.db.appUrl, { max: 1, applicationName: 'test-plan' });
  const prisma = createPrismaClient(pool);
  const captured: { text: string; values?: unknown[] }[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as { text?: string; values?: unknown[] };
    if (typeof q === 'object' && q?.text?.includes('"newUsers"')) captured.push({ text: q.text, values: q.values });
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
  try {
    const summary = await daySummary(tenantClient(prisma, database.tenants.creatorA), new Date());
    expect(Object.keys(summary).sort()).toEqual([
      'activeUsers',
      'badgesAwarded',
      'conversationsEscalated',
      'date',
      'enrollmentsCompleted',
      'messages',
      'newUsers',
    ]);
  } finally {
    pg.Client.prototype.query = original;
    await prisma.$disconnect();
    await pool.end();
  }
  expect(captured).toHaveLength(1);

  const app = await connect(database.db.appUrl);
  try {
    const plan = await asTenant(app, database.tenants.creatorA, async (c) => {
      // The seeded tables are small enough to read whole or through any index: plan with index
      // scans only, so that the day's bounds must be an index condition where an index allows.
      await c.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off');
      const result = await c.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>({
        text: `EXPLAIN (FORMAT JSON) ${captured[0]!.text}`,
        values: captured[0]!.values,
      });
      return result.rows[0]!['QUERY PLAN'][0]!.Plan;
    });
    const read = scans(plan).map((s) => ({
      table: s['Relation Name'],
      timeInIndex: indexConditions(s).some((c) => BY_TIME.test(c)),
      timeInFilter: BY_TIME.test(s.Filter ?? ''),
    }));
    expect(read.map((r) => r.table).sort()).toEqual([
      'conversations',
      'messages',
      'program_enrollments',
      'user_badges',
      'users',
      'users',
    ]);
    expect(read.filter((r) => !r.timeInIndex || r.timeInFilter)).toEqual([]);
  } finally {
    await app.end();
  }
});
