// Subscriptions are bounded (issue 16, point 7), over a real WebSocket with graphql-ws's own client
// against a real server and PostgreSQL: caps on open subscriptions per socket
// (MAX_SUBSCRIPTIONS_PER_SOCKET) and per tenant on the instance (the plan's `subscriptions`): past
// one, the new subscription is refused with QUOTA_EXCEEDED naming the cap, the others keep running,
// another tenant is not affected, and a completed subscription (or a closed socket) frees its slot.
import type pg from 'pg';
import { openFeeds } from '../../src/realtime/shared';
import type { TwoTenants } from '../helpers/fixtures';
import { useDatabase, useServer } from '../helpers/harness';
import type { TestServer } from '../helpers/server';
import { fairnessFixtures, refusal, sleep } from './subscription-fairness-fixtures';

jest.setTimeout(120_000);

// A/B/C's plans give their own caps; MAX_SUBSCRIPTIONS_PER_TENANT is for a plan that gives none.
const harness = useServer(useDatabase(), { env: { LOG_LEVEL: 'silent', MAX_SUBSCRIPTIONS_PER_TENANT: '3' } });
const { sockets, openOperations, ended, openSocket, addUser, freeCreatorWithCap } = fairnessFixtures(harness);
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
beforeAll(() => ({ server, tenants, owner } = harness));

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
