// Subscriptions are bounded and share their work (issue 16, point 7), over a real WebSocket with
// graphql-ws's own client against a real server and PostgreSQL:
//
// * caps on open subscriptions per socket (MAX_SUBSCRIPTIONS_PER_SOCKET) and per tenant on the
//   instance (the plan's `subscriptions`): past one, the new subscription is refused with
//   QUOTA_EXCEEDED naming the cap, the others keep running, another tenant is not affected, and
//   a completed subscription (or a closed socket) frees its slot;
// * a tenant's dashboard summary is computed once per burst of changes for all its subscribers
//   (before: once per subscription, 1,500 statements for 5 writes with 300 subscriptions).
//   Statements are counted at the application role's pg client, in this process.
import crypto from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { toGlobalId } from '../../src/graphql/ids';
import { openFeeds } from '../../src/realtime/shared';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

jest.setTimeout(120_000);

type Json = Record<string, any>;

let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
let appRole: string;
const sockets: Client[] = [];
/** The text of every statement the application role sent. */
const sent: string[] = [];
const originalQuery = pg.Client.prototype.query;

const SUMMARY = `subscription { dashboardSummary { date newUsers activeUsers messages conversationsEscalated badgesAwarded enrollmentsCompleted } }`;
/** daySummary's statement (src/modules/analytics/insights.service.ts). */
const isSummarySql = (text: string) => text.includes('AS "newUsers"') && text.includes('AS "enrollmentsCompleted"');
const summaryStatements = () => sent.filter(isSummarySql).length;

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
  appRole = new URL(db.appUrl).username;
  owner = await connect(db.ownerUrl);
  // A/B/C's plans give their own caps; MAX_SUBSCRIPTIONS_PER_TENANT is for a plan that gives none.
  server = await startTestServer(db, { LOG_LEVEL: 'silent', MAX_SUBSCRIPTIONS_PER_TENANT: '3' });
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    if ((this as unknown as { connectionParameters: { user: string } }).connectionParameters.user === appRole) {
      const q = args[0] as string | { text: string };
      sent.push(typeof q === 'string' ? q : q.text);
    }
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
});

afterAll(async () => {
  pg.Client.prototype.query = originalQuery;
  for (const s of sockets) void s.dispose();
  await owner?.end();
  await server?.stop();
  await db?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Operations open over the server's sockets (its /metrics gauge). */
const openOperations = async () =>
  Number(
    /creatorgraph_open_subscriptions\{kind="operations"\} (\d+)/.exec(
      await (await fetch(server.url.replace('/graphql', '/metrics'))).text(),
    )![1],
  );

/** Runs `end` (a complete or a close), then waits until the server has ended `n` operations. */
async function ended(n: number, end: () => unknown) {
  const before = await openOperations();
  await end();
  const deadline = Date.now() + 15_000;
  while ((await openOperations()) > before - n) {
    if (Date.now() > deadline) throw new Error(`the server did not end ${n} operations`);
    await sleep(50);
  }
}

interface Subscription {
  results: Json[];
  errors: Json[][];
  /** The n-th result (1-based), or a rejection after `ms`. */
  nth(n: number, ms?: number): Promise<Json>;
  /** The operation's outcome: its first result (accepted) or its error (refused). */
  outcome(ms?: number): Promise<'accepted' | Json[]>;
  /** Completes the subscription (the client sends `complete`). */
  stop(): void;
}

/** One WebSocket of `token`, on which subscriptions are opened. */
function openSocket(token: string) {
  const client = createClient({
    url: server.url.replace('http://', 'ws://'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
  });
  sockets.push(client);
  return {
    client,
    subscribe(query: string = SUMMARY): Subscription {
      const results: Json[] = [];
      const errors: Json[][] = [];
      let changed: () => void = () => undefined;
      const settled = () => new Promise<void>((r) => (changed = r));
      let next = settled();
      const notify = () => {
        changed();
        next = settled();
      };
      const stop = client.subscribe<Json>(
        { query },
        {
          next: (value) => {
            results.push(value);
            notify();
          },
          error: (error) => {
            errors.push(Array.isArray(error) ? (error as Json[]) : [{ message: String(error) }]);
            notify();
          },
          complete: () => undefined,
        },
      );
      const waitFor = async <T>(ready: () => T | undefined, ms: number, what: string): Promise<T> => {
        const deadline = Date.now() + ms;
        for (;;) {
          const value = ready();
          if (value !== undefined) return value;
          if (Date.now() > deadline)
            throw new Error(
              `timed out waiting for ${what}; results ${JSON.stringify(results).slice(0, 300)} errors ${JSON.stringify(errors).slice(0, 300)}`,
            );
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([next, new Promise((r) => (timer = setTimeout(r, Math.max(1, deadline - Date.now()))))]);
          clearTimeout(timer);
        }
      };
      return {
        results,
        errors,
        stop,
        nth: (n, ms = 15_000) => waitFor(() => results[n - 1], ms, `result ${n}`),
        outcome: (ms = 15_000) =>
          waitFor<'accepted' | Json[]>(
            () => (errors[0] ? errors[0] : results.length > 0 ? 'accepted' : undefined),
            ms,
            'the first result or an error',
          ),
      };
    },
  };
}

async function addUser(creatorId: string) {
  await owner.query(`INSERT INTO users (creator_id, external_id, channel) VALUES ($1, $2, 'web')`, [
    creatorId,
    `fair-${crypto.randomUUID()}`,
  ]);
}

async function summaryOverHttp(creatorId: string): Promise<Json> {
  const { body } = await server.gql<Json>(
    `{ dashboardSummary { date newUsers activeUsers messages conversationsEscalated badgesAwarded enrollmentsCompleted } }`,
    {},
    { token: server.tokenFor(creatorId) },
  );
  expect(body.errors).toBeUndefined();
  return body.data!.dashboardSummary;
}

/** A new creator on the free plan, whose cap of open subscriptions is `cap`. */
async function freeCreatorWithCap(cap: number): Promise<string> {
  // Only creator C is on the free plan in this file (A is pro, B starter).
  await owner.query(`UPDATE plan_limits SET subscriptions = $1 WHERE tier = 'free'`, [cap]);
  const id = (
    await owner.query(`INSERT INTO creators (email, password_hash, first_name) VALUES ($1, 'x', 'C') RETURNING id`, [
      `cap-${crypto.randomUUID().slice(0, 8)}@example.com`,
    ])
  ).rows[0].id as string;
  await owner.query(
    `INSERT INTO subscriptions (creator_id, tier, status, current_period_start, current_period_end) VALUES ($1, 'free', 'active', now(), now() + interval '30 days')`,
    [id],
  );
  return id;
}

const refusal = (outcome: 'accepted' | Json[]) => (outcome === 'accepted' ? outcome : outcome.map((e) => e.extensions));

test('asCreatorA: one socket holds at most MAX_SUBSCRIPTIONS_PER_SOCKET (25) subscriptions; the 26th is refused with QUOTA_EXCEEDED, the others keep streaming, and a completed one frees its slot', async () => {
  const socket = openSocket(server.tokenFor(tenants.creatorA));
  const held = Array.from({ length: 25 }, () => socket.subscribe());
  expect(await Promise.all(held.map((s) => s.outcome()))).toEqual(Array(25).fill('accepted'));

  const refused = socket.subscribe();
  expect(refusal(await refused.outcome())).toEqual([
    { code: 'QUOTA_EXCEEDED', quota: 'subscriptions_per_socket', max: 25 },
  ]);
  expect(refused.errors[0]![0]!.message).toMatch(/25 subscriptions/);

  // The 25 keep running: a new user reaches each of them; the refused one never streams.
  const before = held[0]!.results[0]!.data.dashboardSummary.newUsers as number;
  await addUser(tenants.creatorA);
  for (const s of held) expect((await s.nth(2)).data.dashboardSummary.newUsers).toBe(before + 1);
  expect(refused.results).toEqual([]);

  // A completed subscription frees its slot, on the same socket.
  await ended(1, () => held[0]!.stop());
  const again = socket.subscribe();
  expect(await again.outcome()).toBe('accepted');
  expect(refusal(await socket.subscribe().outcome())).toEqual([
    { code: 'QUOTA_EXCEEDED', quota: 'subscriptions_per_socket', max: 25 },
  ]);

  // Queries over the socket are not subscriptions: they do not need a slot.
  const query = socket.subscribe(`{ dashboardSummary { newUsers } }`);
  expect(await query.outcome()).toBe('accepted');
  await socket.client.dispose();
});

test("a tenant holds at most its plan's `subscriptions` across sockets (concurrent subscribes included); asCreatorB still subscribes while C is at its cap; completing or closing frees slots", async () => {
  const creatorC = await freeCreatorWithCap(4);
  const tokenC = server.tokenFor(creatorC);
  const first = openSocket(tokenC);
  const second = openSocket(tokenC);
  // Six at once over two sockets: exactly four start, whatever the interleaving.
  const six = [
    first.subscribe(),
    first.subscribe(),
    first.subscribe(),
    second.subscribe(),
    second.subscribe(),
    second.subscribe(),
  ];
  const outcomes = await Promise.all(six.map((s) => s.outcome()));
  expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(4);
  expect(outcomes.filter((o) => o !== 'accepted').map(refusal)).toEqual([
    [{ code: 'QUOTA_EXCEEDED', quota: 'subscriptions', max: 4 }],
    [{ code: 'QUOTA_EXCEEDED', quota: 'subscriptions', max: 4 }],
  ]);

  // Another socket of C is refused too: the cap is the tenant's, not the socket's.
  const third = openSocket(tokenC);
  expect(refusal(await third.subscribe().outcome())).toEqual([
    { code: 'QUOTA_EXCEEDED', quota: 'subscriptions', max: 4 },
  ]);

  // asCreatorB is not affected by C being at its cap, and hears its own changes.
  const b = openSocket(server.tokenFor(tenants.creatorB)).subscribe();
  expect(await b.outcome()).toBe('accepted');
  const bBefore = b.results[0]!.data.dashboardSummary.newUsers as number;
  await addUser(tenants.creatorB);
  expect((await b.nth(2)).data.dashboardSummary.newUsers).toBe(bBefore + 1);

  // C's four still stream.
  const accepted = six.filter((_, i) => outcomes[i] === 'accepted');
  await addUser(creatorC);
  for (const s of accepted) expect((await s.nth(2)).data.dashboardSummary.newUsers).toBe(1);

  // Completing one frees one slot, for any of C's sockets.
  await ended(1, () => accepted[0]!.stop());
  expect(await third.subscribe().outcome()).toBe('accepted');
  expect(refusal(await third.subscribe().outcome())).toEqual([
    { code: 'QUOTA_EXCEEDED', quota: 'subscriptions', max: 4 },
  ]);

  // Closing a socket frees all of its slots.
  await ended(3, async () => {
    await first.client.dispose();
    await second.client.dispose();
  });
  const fourth = openSocket(tokenC);
  const more = [fourth.subscribe(), fourth.subscribe(), fourth.subscribe()];
  expect(await Promise.all(more.map((s) => s.outcome()))).toEqual(['accepted', 'accepted', 'accepted']);
  expect(refusal(await fourth.subscribe().outcome())).toEqual([
    { code: 'QUOTA_EXCEEDED', quota: 'subscriptions', max: 4 },
  ]);
  await third.client.dispose();
  await fourth.client.dispose();
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

test('a tenant whose plan gives no cap gets MAX_SUBSCRIPTIONS_PER_TENANT (3 here)', async () => {
  // A creator with no billing subscription is on the free plan; without a free row, the plan
  // gives no number (app.plan_limit is null).
  const planless = (
    await owner.query(`INSERT INTO creators (email, password_hash, first_name) VALUES ($1, 'x', 'D') RETURNING id`, [
      `planless-${crypto.randomUUID().slice(0, 8)}@example.com`,
    ])
  ).rows[0].id as string;
  const free = (await owner.query(`DELETE FROM plan_limits WHERE tier = 'free' RETURNING *`)).rows[0];
  try {
    const socket = openSocket(server.tokenFor(planless));
    const four = [socket.subscribe(), socket.subscribe(), socket.subscribe(), socket.subscribe()];
    const outcomes = await Promise.all(four.map((s) => s.outcome()));
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(3);
    expect(outcomes.filter((o) => o !== 'accepted').map(refusal)).toEqual([
      [{ code: 'QUOTA_EXCEEDED', quota: 'subscriptions', max: 3 }],
    ]);
    await socket.client.dispose();
  } finally {
    const columns = Object.keys(free);
    await owner.query(
      `INSERT INTO plan_limits (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => free[c]),
    );
  }
});

test('once every socket has closed, no feed, slot or hub listener is left behind', async () => {
  for (const s of sockets) void s.dispose();
  const deadline = Date.now() + 15_000;
  while ((await openOperations()) > 0 && Date.now() < deadline) await sleep(50);
  expect(await openOperations()).toBe(0);
  expect(openFeeds(server.app.listener.hub)).toBe(0);
  expect(server.app.listener.hub.subscriberCount).toBe(0);
  // And the slots are free: a new socket of asCreatorA may open 25 again.
  const socket = openSocket(server.tokenFor(tenants.creatorA));
  const all = Array.from({ length: 25 }, () => socket.subscribe());
  expect(await Promise.all(all.map((s) => s.outcome()))).toEqual(Array(25).fill('accepted'));
  await socket.client.dispose();
});
