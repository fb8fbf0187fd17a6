// Subscriptions share their work (issue 16, point 7), over a real WebSocket with graphql-ws's own
// client against a real server and PostgreSQL: a tenant's dashboard summary is computed once per
// burst of changes for all its subscribers (before: once per subscription, 1,500 statements for 5
// writes with 300 subscriptions), and the watchers of one program share its funnel. Statements are
// counted at the application role's pg client, in this process.
import pg from 'pg';
import { toGlobalId } from '../../src/graphql/ids';
import type { TwoTenants } from '../helpers/fixtures';
import { useDatabase, useServer } from '../helpers/harness';
import type { TestServer } from '../helpers/server';
import { fairnessFixtures, sleep } from './subscription-fairness-fixtures';

jest.setTimeout(120_000);

// A/B/C's plans give their own caps; MAX_SUBSCRIPTIONS_PER_TENANT is for a plan that gives none.
const harness = useServer(useDatabase(), { env: { LOG_LEVEL: 'silent', MAX_SUBSCRIPTIONS_PER_TENANT: '3' } });
const { openSocket, addUser, summaryOverHttp } = fairnessFixtures(harness);
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
beforeAll(() => ({ server, tenants, owner } = harness));

/** The text of every statement the application role sent. */
const sent: string[] = [];
const originalQuery = pg.Client.prototype.query;
/** daySummary's statement (src/modules/analytics/insights.service.ts). */
const isSummarySql = (text: string) => text.includes('AS "newUsers"') && text.includes('AS "enrollmentsCompleted"');
const summaryStatements = () => sent.filter(isSummarySql).length;

beforeAll(() => {
  const appRole = new URL(harness.db.appUrl).username;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if ((this as unknown as { connectionParameters: { user: string } }).connectionParameters.user === appRole) {
      const q = args[0] as string | { text: string };
      sent.push(typeof q === 'string' ? q : q.text);
    }
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
});
afterAll(() => {
  pg.Client.prototype.query = originalQuery;
});

test("asCreatorA: 60 dashboardSummary subscriptions and 5 writes cost 6 summary computations, not 360; every subscriber gets each update; asCreatorB never receives A's numbers", async () => {
  const b = openSocket(server.tokenFor(tenants.creatorB)).subscribe();
  expect(await b.outcome()).toBe('accepted');
  // Let the first computations of anything else settle, then count A's alone.
  await sleep(500);
  sent.length = 0;

  const tokenA = server.tokenFor(tenants.creatorA);
  const subs = [0, 1, 2].flatMap(() => {
    const socket = openSocket(tokenA);
    return Array.from({ length: 20 }, () => socket.subscribe());
  });
  expect(await Promise.all(subs.map((s) => s.outcome()))).toEqual(Array(60).fill('accepted'));
  const start = subs[0]!.results[0]!.data.dashboardSummary;
  for (const s of subs) expect(s.results[0]!.data.dashboardSummary).toEqual(start);
  expect(summaryStatements()).toBe(1);

  for (let write = 1; write <= 5; write++) {
    await addUser(tenants.creatorA);
    // Every subscriber receives this write's numbers before the next write.
    for (const s of subs) expect((await s.nth(write + 1)).data.dashboardSummary.newUsers).toBe(start.newUsers + write);
  }
  await sleep(500);
  // One at the start and one per write (before: one per subscription each time, 60 + 300).
  expect(summaryStatements()).toBe(6);
  for (const s of subs) expect(s.results).toHaveLength(6);
  expect(subs[0]!.results.at(-1)!.data.dashboardSummary).toEqual(await summaryOverHttp(tenants.creatorA));

  // B's dashboard saw none of it: still its one first result, its own numbers.
  expect(b.results).toHaveLength(1);
  const ofB = await summaryOverHttp(tenants.creatorB);
  expect(b.results[0]!.data.dashboardSummary).toEqual(ofB);
});

test('programStatsUpdated: the watchers of one program share one funnel computation per burst', async () => {
  const program = (
    await owner.query(
      `INSERT INTO programs (creator_id, name, status, published_at) VALUES ($1, 'Shared funnel', 'published', now()) RETURNING id`,
      [tenants.creatorA],
    )
  ).rows[0].id as string;
  const globalId = toGlobalId('Program', program);
  const socket = openSocket(server.tokenFor(tenants.creatorA));
  await sleep(300);
  sent.length = 0;
  const watchers = Array.from({ length: 20 }, () =>
    socket.subscribe(`subscription { programStatsUpdated(programId: "${globalId}") { enrolled } }`),
  );
  expect(await Promise.all(watchers.map((s) => s.outcome()))).toEqual(Array(20).fill('accepted'));
  const user = (await owner.query(`SELECT id FROM users WHERE creator_id = $1 LIMIT 1`, [tenants.creatorA])).rows[0].id;
  await owner.query(`INSERT INTO program_enrollments (creator_id, program_id, user_id) VALUES ($1, $2, $3)`, [
    tenants.creatorA,
    program,
    user,
  ]);
  for (const s of watchers) expect((await s.nth(2)).data.programStatsUpdated).toEqual({ enrolled: 1 });
  await sleep(300);
  // The funnel's grouped count: once at the start and once for the enrollment (before: 40).
  expect(sent.filter((text) => text.includes('AS "medianSecondsToComplete"')).length).toBe(2);
  await socket.client.dispose();
});
