// Live subscriptions over WebSocket: events reach subscribers on another server instance, and keep
// coming when the change listener's connection drops and comes back (those written meanwhile too).
import type pg from 'pg';
import { toGlobalId } from '../../src/graphql/ids';
import type { TestDatabase } from '../helpers/database';
import { connect, type TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import { EVENT_MS, sleep, subscriptionFixtures } from './subscription-fixtures';

jest.setTimeout(60_000);

const harness = useServer(useDatabase());

const { subscribe, conversationOf } = subscriptionFixtures(harness);
let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
beforeAll(() => ({ db, server, tenants, owner } = harness));

test('an event written through instance A reaches a subscriber on instance B', async () => {
  const second = await startTestServer(db);
  try {
    const stream = subscribe(
      second,
      second.tokenFor(tenants.creatorB),
      `subscription { badgeAwarded { badge { name } user { id } } }`,
    );
    await stream.registered();
    const badge = (
      await owner.query(`INSERT INTO badges (creator_id, name) VALUES ($1, 'Cross-instance') RETURNING id`, [
        tenants.creatorB,
      ])
    ).rows[0].id;
    const user = (await owner.query(`SELECT id FROM users WHERE creator_id = $1 LIMIT 1`, [tenants.creatorB])).rows[0]
      .id;
    const awarded = await server.gql(
      `mutation($u: ID!, $b: ID!) { awardBadge(userId: $u, badgeId: $b) { __typename } }`,
      { u: toGlobalId('User', user), b: toGlobalId('Badge', badge) },
      { token: server.tokenFor(tenants.creatorB) },
    );
    expect(awarded.body.data).toEqual({ awardBadge: { __typename: 'AwardBadgeSuccess' } });
    expect((await stream.nth(1)).data.badgeAwarded).toEqual({
      badge: { name: 'Cross-instance' },
      user: { id: toGlobalId('User', user) },
    });
  } finally {
    await second.stop();
  }
});

test('the listener connection drops and reconnects; the subscription keeps streaming', async () => {
  const stream = subscribe(
    server,
    server.tokenFor(tenants.creatorA),
    `subscription { engagementMetricUpdated(metricType: "reconnect_check") { metricValue } }`,
  );
  await stream.registered();
  const before = server.app.listener.backendPid();
  const admin = await connect(db.adminUrl);
  try {
    await admin.query(`SELECT pg_terminate_backend($1)`, [before]);
  } finally {
    await admin.end();
  }
  const deadline = Date.now() + EVENT_MS;
  while (Date.now() < deadline && (!server.app.listener.connected() || server.app.listener.backendPid() === before))
    await sleep(50);
  expect(server.app.listener.connected()).toBe(true);
  expect(server.app.listener.backendPid()).not.toBe(before);
  await owner.query(
    `INSERT INTO engagement_metrics (creator_id, metric_type, metric_value, date) VALUES ($1, 'reconnect_check', 42, current_date)`,
    [tenants.creatorA],
  );
  expect((await stream.nth(1)).data.engagementMetricUpdated).toEqual({ metricValue: 42 });
});
test('messages written while the listener was away are delivered once it is back', async () => {
  const conversation = await conversationOf(tenants.creatorA);
  const stream = subscribe(
    server,
    server.tokenFor(tenants.creatorA),
    `subscription($c: ID!) { messageCreated(conversationId: $c) { content } }`,
    { c: toGlobalId('Conversation', conversation) },
  );
  await stream.registered();
  await owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'before the gap')`,
    [tenants.creatorA, conversation],
  );
  expect((await stream.nth(1)).data.messageCreated.content).toBe('before the gap');

  // Cut the listener and write while it reconnects (the first retry waits 100 ms).
  const before = server.app.listener.backendPid();
  const admin = await connect(db.adminUrl);
  try {
    await admin.query(`SELECT pg_terminate_backend($1)`, [before]);
  } finally {
    await admin.end();
  }
  await owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'during the gap')`,
    [tenants.creatorA, conversation],
  );
  expect((await stream.nth(2)).data.messageCreated.content).toBe('during the gap');
  await owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'after the gap')`,
    [tenants.creatorA, conversation],
  );
  expect((await stream.nth(3)).data.messageCreated.content).toBe('after the gap');
  await sleep(300);
  expect(stream.results.map((r) => r.data.messageCreated.content)).toEqual([
    'before the gap',
    'during the gap',
    'after the gap',
  ]);
});
