// Live subscriptions over WebSocket: each tenant hears only its own events, whether written through
// the API or raw SQL, and cannot watch the other's.
import type pg from 'pg';
import { toGlobalId } from '../../src/graphql/ids';
import type { TwoTenants } from '../helpers/fixtures';
import type { TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import { sleep, MESSAGES, subscriptionFixtures } from './subscription-fixtures';

jest.setTimeout(60_000);

const harness = useServer(useDatabase());

const { subscribe, conversationOf } = subscriptionFixtures(harness);
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
beforeAll(() => ({ server, tenants, owner } = harness));

test('asCreatorA and asCreatorB each hear only their own messages, whether written through the API or raw SQL', async () => {
  const a = subscribe(server, server.tokenFor(tenants.creatorA), MESSAGES);
  const b = subscribe(server, server.tokenFor(tenants.creatorB), MESSAGES);
  await a.registered(2); // a's and b's
  const convA = await conversationOf(tenants.creatorA);
  const convB = await conversationOf(tenants.creatorB);
  const sent = await server.gql(
    `mutation($c: ID!) { sendMessage(input: { conversationId: $c, content: "from A via the API" }) { __typename } }`,
    { c: toGlobalId('Conversation', convA) },
    { token: server.tokenFor(tenants.creatorA) },
  );
  expect(sent.body.data).toEqual({ sendMessage: { __typename: 'SendMessageSuccess' } });
  await owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'from B via raw SQL')`,
    [tenants.creatorB, convB],
  );

  expect((await a.nth(1)).data.messageCreated).toMatchObject({
    content: 'from A via the API',
    conversation: { id: toGlobalId('Conversation', convA) },
  });
  expect((await b.nth(1)).data.messageCreated).toMatchObject({
    content: 'from B via raw SQL',
    conversation: { id: toGlobalId('Conversation', convB) },
  });
  await sleep(500);
  expect(a.results.map((r) => r.data.messageCreated.content)).toEqual(['from A via the API']);
  expect(b.results.map((r) => r.data.messageCreated.content)).toEqual(['from B via raw SQL']);
});

test("asCreatorB cannot watch creator A's program or conversation: NOT_FOUND, and nothing streams", async () => {
  const programOfA = (
    await owner.query(`SELECT id FROM programs WHERE creator_id = $1 AND status = 'published' LIMIT 1`, [
      tenants.creatorA,
    ])
  ).rows[0].id;
  const stats = subscribe(
    server,
    server.tokenFor(tenants.creatorB),
    `subscription($p: ID!) { programStatsUpdated(programId: $p) { enrolled } }`,
    { p: toGlobalId('Program', programOfA) },
  );
  const messages = subscribe(
    server,
    server.tokenFor(tenants.creatorB),
    `subscription($c: ID!) { messageCreated(conversationId: $c) { id } }`,
    { c: toGlobalId('Conversation', await conversationOf(tenants.creatorA)) },
  );
  for (const stream of [stats, messages]) {
    await stream.answered();
    // The refusal arrives as the operation's only result: errors, no data.
    expect(stream.results.every((r) => r.data == null)).toBe(true);
    expect(JSON.stringify([...stream.results, ...stream.errors])).toMatch(/"code":"NOT_FOUND"/);
  }
});
