// The messages lists over the real server (the list and Conversation.messages: oldest first, time
// filter, pagination, totals), as each actor. Every test checks the answer against what is really
// stored.
import { useApiHarness, gid, uuids, type Json } from '../../helpers/api';
import { MESSAGE_ORDER, MESSAGES, CONVERSATION_MESSAGES, conversationsFixtures } from './fixtures';

const api = useApiHarness();
const { send, query, walk, sql, countOf, ownersOf, expectNoCounterDrift } = api;

const { conversationOf, userOf, insertConversation } = conversationsFixtures(api);

describe('messages (list and Conversation.messages)', () => {
  test('asCreatorA: messages oldest first; totalCount is the DB count; pages walk it without overlap', async () => {
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM messages WHERE creator_id = $1 ${MESSAGE_ORDER}`, [
        api.tenants.creatorA,
      ])
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(20);
    const { messages } = await query('asCreatorA', MESSAGES, { first: 100 });
    expect(uuids(messages.nodes)).toEqual(expected.slice(0, 100));
    expect(messages.totalCount).toBe(expected.length);
    expect(await walk('asCreatorA', MESSAGES, 'messages', {}, 30)).toEqual(expected);
  });

  test('asCreatorA: each filter (conversationId, senderType, sent range, combined) returns exactly the matching messages', async () => {
    const conversation = await conversationOf(api.tenants.creatorA, 'message_count >= 5');
    const stamps = (
      await sql<{ created_at: Date }>(
        `SELECT DISTINCT created_at FROM messages WHERE creator_id = $1 ORDER BY created_at`,
        [api.tenants.creatorA],
      )
    ).map((r) => r.created_at);
    const from = stamps[Math.floor(stamps.length / 4)]!;
    const to = stamps[Math.floor((3 * stamps.length) / 4)]!;
    const cases: [Json, string, unknown[]][] = [
      [{ conversationId: gid('Conversation', conversation.id) }, `conversation_id = $2`, [conversation.id]],
      [{ senderType: 'USER' }, `sender_type = 'user'`, []],
      [{ senderType: 'AI' }, `sender_type = 'ai'`, []],
      // Half-open: a message sent exactly at `from` is in, one sent exactly at `to` is out.
      [
        { sent: { from: from.toISOString(), to: to.toISOString() } },
        `created_at >= $2 AND created_at < $3`,
        [from, to],
      ],
      [{ sent: { from: from.toISOString() } }, `created_at >= $2`, [from]],
      [{ sent: { to: to.toISOString() } }, `created_at < $2`, [to]],
      [
        { conversationId: gid('Conversation', conversation.id), senderType: 'AI' },
        `conversation_id = $2 AND sender_type = 'ai'`,
        [conversation.id],
      ],
    ];
    const all = await countOf(`SELECT count(*)::int AS n FROM messages WHERE creator_id = $1`, [api.tenants.creatorA]);
    for (const [filter, where, params] of cases) {
      const expected = (
        await sql<{ id: string }>(`SELECT id FROM messages WHERE creator_id = $1 AND ${where} ${MESSAGE_ORDER}`, [
          api.tenants.creatorA,
          ...params,
        ])
      ).map((r) => r.id);
      expect({ filter, nonEmpty: expected.length > 0, narrower: expected.length < all }).toEqual({
        filter,
        nonEmpty: true,
        narrower: true,
      });
      const { messages } = await query('asCreatorA', MESSAGES, { filter, first: 100 });
      expect({ filter, ids: uuids(messages.nodes), totalCount: messages.totalCount }).toEqual({
        filter,
        ids: expected.slice(0, 100),
        totalCount: expected.length,
      });
    }
    const atFrom = (
      await sql<{ id: string }>(`SELECT id FROM messages WHERE creator_id = $1 AND created_at = $2`, [
        api.tenants.creatorA,
        from,
      ])
    ).map((r) => r.id);
    const atTo = (
      await sql<{ id: string }>(`SELECT id FROM messages WHERE creator_id = $1 AND created_at = $2`, [
        api.tenants.creatorA,
        to,
      ])
    ).map((r) => r.id);
    const { messages } = await query('asCreatorA', MESSAGES, {
      filter: { sent: { from: from.toISOString(), to: to.toISOString() } },
      first: 100,
    });
    for (const id of atFrom) expect(uuids(messages.nodes)).toContain(id);
    for (const id of atTo) expect(uuids(messages.nodes)).not.toContain(id);
  });

  test("asCreatorA: Conversation.messages is the conversation's messages, oldest first, with its sent filter", async () => {
    const conversation = await conversationOf(api.tenants.creatorA, 'message_count >= 6');
    const rows = await sql<{ id: string; created_at: Date }>(
      `SELECT id, created_at FROM messages WHERE conversation_id = $1 ${MESSAGE_ORDER}`,
      [conversation.id],
    );
    const { node } = await query('asCreatorA', CONVERSATION_MESSAGES, {
      id: gid('Conversation', conversation.id),
      first: 100,
    });
    expect(uuids(node.messages.nodes)).toEqual(rows.map((r) => r.id));
    expect(node.messages.totalCount).toBe(rows.length);
    expect(node.messageCount).toBe(rows.length);

    const from = rows[1]!.created_at;
    const to = rows[4]!.created_at;
    const { node: window } = await query('asCreatorA', CONVERSATION_MESSAGES, {
      id: gid('Conversation', conversation.id),
      sent: { from: from.toISOString(), to: to.toISOString() },
      first: 100,
    });
    const expected = rows
      .filter((r) => r.created_at.getTime() >= from.getTime() && r.created_at.getTime() < to.getTime())
      .map((r) => r.id);
    expect(expected).toEqual(rows.slice(1, 4).map((r) => r.id));
    expect(uuids(window.messages.nodes)).toEqual(expected);
    expect(window.messages.totalCount).toBe(expected.length);

    // Pages of 2 walk the conversation in order.
    const p1 = (
      await query('asCreatorA', CONVERSATION_MESSAGES, { id: gid('Conversation', conversation.id), first: 2 })
    ).node.messages;
    const p2 = (
      await query('asCreatorA', CONVERSATION_MESSAGES, {
        id: gid('Conversation', conversation.id),
        first: 2,
        after: p1.pageInfo.endCursor,
      })
    ).node.messages;
    expect([...uuids(p1.nodes), ...uuids(p2.nodes)]).toEqual(rows.slice(0, 4).map((r) => r.id));
  });

  test('asCreatorA: first: 1000 returns at most 100, in the list and in Conversation.messages', async () => {
    const conversation = await insertConversation(api.tenants.creatorA, { messages: 110 });
    try {
      const total = await countOf(`SELECT count(*)::int AS n FROM messages WHERE creator_id = $1`, [
        api.tenants.creatorA,
      ]);
      const { messages } = await query('asCreatorA', MESSAGES, { first: 1000 });
      expect(messages.nodes).toHaveLength(100);
      expect(messages.pageInfo.hasNextPage).toBe(true);
      expect(messages.totalCount).toBe(total);
      const { node } = await query('asCreatorA', CONVERSATION_MESSAGES, {
        id: gid('Conversation', conversation.id),
        first: 1000,
      });
      expect(node.messages.nodes).toHaveLength(100);
      expect(node.messages.totalCount).toBe(110);
      expect(node.messageCount).toBe(110);
    } finally {
      await api.owner.query(`DELETE FROM conversations WHERE id = $1`, [conversation.id]);
    }
    await expectNoCounterDrift();
  });

  test("asCreatorB: only Grace's messages; Ada's conversation id as a filter finds nothing", async () => {
    const { messages } = await query('asCreatorB', MESSAGES, { first: 100 });
    expect(messages.totalCount).toBe(
      await countOf(`SELECT count(*)::int AS n FROM messages WHERE creator_id = $1`, [api.tenants.creatorB]),
    );
    expect([...(await ownersOf(messages)).owners]).toEqual([api.tenants.creatorB]);
    const ada = await conversationOf(api.tenants.creatorA, 'message_count > 0');
    const { messages: none } = await query('asCreatorB', MESSAGES, {
      filter: { conversationId: gid('Conversation', ada.id) },
      first: 100,
    });
    expect(none).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
  });

  test('asCreatorA: a filter id of the wrong type is VALIDATION_FAILED naming the filter field', async () => {
    const user = await userOf(api.tenants.creatorA);
    const { body } = await send('asCreatorA', MESSAGES, { filter: { conversationId: gid('User', user.id) }, first: 5 });
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body.errors)).toContain('filter.conversationId');
    expect(body.data ?? null).toBeNull();
  });

  test('asAnonymous: UNAUTHENTICATED and no data', async () => {
    const { body } = await send('asAnonymous', MESSAGES, { first: 10 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });
});
