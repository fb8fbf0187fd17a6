// The conversations API over the real server: the conversations list (escalated first, then by
// latest message; filters, pagination, totals), the messages lists (oldest first, time filter),
// createConversation / updateConversation / deleteConversation, escalateConversation,
// sendMessage (messageCount and lastMessageAt follow) / deleteMessage, nested relations, tenant
// isolation (creator B against creator A's data), bad input and anonymous callers. Every test
// checks both the GraphQL answer and what is really stored (read through the owner role, which
// bypasses row-level security).
import {
  useApiHarness,
  gid,
  uuidOf,
  typeOf,
  uuids,
  withinSeconds,
  expectValidation,
  expectNotFound,
  ERRORS,
  PAGE,
  NODE,
  NODES,
  type Json,
} from '../../helpers/api';

const api = useApiHarness();
const { send, query, mutate, walk, sql, one, countOf, rowOf, tableCounts, ownersOf, expectNoCounterDrift } = api;

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const counts = () =>
  tableCounts({
    conversations: 'conversations',
    messages: 'messages',
    interactions: 'user_interactions',
    users: 'users',
  });

const CONVERSATION_ORDER = `ORDER BY escalated_to_human DESC, last_message_at DESC NULLS LAST, id ASC`;
const MESSAGE_ORDER = `ORDER BY created_at ASC, id ASC`;

const conversationOf = async (creatorId: string, extra = 'TRUE') =>
  (await one(`SELECT * FROM conversations WHERE creator_id = $1 AND ${extra} ORDER BY created_at, id LIMIT 1`, [
    creatorId,
  ]))!;
const userOf = async (creatorId: string) =>
  (await one(`SELECT * FROM users WHERE creator_id = $1 ORDER BY created_at, id LIMIT 1`, [creatorId]))!;

/** A conversation of its own (owner role) for tests that change state. */
async function insertConversation(
  creatorId: string,
  opts: { escalated?: boolean; messages?: number } = {},
): Promise<Json> {
  const user = await userOf(creatorId);
  const conversation = (await one(
    `INSERT INTO conversations (creator_id, user_id, channel, escalated_to_human, escalated_at, metadata) VALUES ($1, $2, $3, $4, $5, '{"locale": "en"}') RETURNING *`,
    [
      creatorId,
      user.id,
      user.channel,
      opts.escalated ?? false,
      opts.escalated ? new Date(Date.now() - 3_600_000) : null,
    ],
  ))!;
  if (opts.messages) {
    await api.owner.query(
      `INSERT INTO messages (creator_id, conversation_id, sender_type, content, delivered_at, created_at)
       SELECT $1, $2, 'user', 'Message ' || g, now(), now() - interval '1 hour' + g * interval '1 second' FROM generate_series(1, $3::int) g`,
      [creatorId, conversation.id, opts.messages],
    );
  }
  return (await rowOf('conversations', conversation.id))!;
}

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

const CONVERSATION_FIELDS = `id channel status context metadata lastMessageAt messageCount escalatedToHuman escalatedAt createdAt user { id }`;
const MESSAGE_FIELDS = `id senderType senderId content messageType metadata deliveredAt readAt responseTimeMs aiConfidence createdAt conversation { id messageCount lastMessageAt }`;

const CONVERSATIONS = /* GraphQL */ `query Conversations($filter: ConversationFilter, $first: Int, $after: String, $last: Int, $before: String) {
  conversations(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
const MESSAGES = /* GraphQL */ `query Messages($filter: MessageFilter, $first: Int, $after: String, $last: Int, $before: String) {
  messages(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
const CONVERSATION_MESSAGES = /* GraphQL */ `query ConversationMessages($id: ID!, $sent: DateTimeRange, $first: Int, $after: String) {
  node(id: $id) { ... on Conversation { id messageCount messages(sent: $sent, first: $first, after: $after) { ${PAGE} } } }
}`;

const CREATE_CONVERSATION = /* GraphQL */ `mutation CreateConversation($input: CreateConversationInput!) {
  createConversation(input: $input) { __typename ... on CreateConversationSuccess { data { ${CONVERSATION_FIELDS} } } ${ERRORS} }
}`;
const UPDATE_CONVERSATION = /* GraphQL */ `mutation UpdateConversation($id: ID!, $input: UpdateConversationInput!) {
  updateConversation(id: $id, input: $input) { __typename ... on UpdateConversationSuccess { data { ${CONVERSATION_FIELDS} } } ${ERRORS} }
}`;
const ESCALATE = /* GraphQL */ `mutation Escalate($id: ID!, $reason: String) {
  escalateConversation(id: $id, reason: $reason) { __typename ... on EscalateConversationSuccess { data { ${CONVERSATION_FIELDS} } } ${ERRORS} }
}`;
const DELETE_CONVERSATION = /* GraphQL */ `mutation DeleteConversation($id: ID!) {
  deleteConversation(id: $id) { __typename ... on DeleteConversationSuccess { data } ${ERRORS} }
}`;
const SEND_MESSAGE = /* GraphQL */ `mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) { __typename ... on SendMessageSuccess { data { ${MESSAGE_FIELDS} } } ${ERRORS} }
}`;
const DELETE_MESSAGE = /* GraphQL */ `mutation DeleteMessage($id: ID!) {
  deleteMessage(id: $id) { __typename ... on DeleteMessageSuccess { data } ${ERRORS} }
}`;

// ------------------------------------------------------------------------------------------
// conversations: the list
// ------------------------------------------------------------------------------------------

describe('conversations (list)', () => {
  // Conversations without messages (lastMessageAt null), escalated and not, so the order's
  // every rule is exercised.
  beforeAll(async () => {
    await insertConversation(api.tenants.creatorA);
    await insertConversation(api.tenants.creatorA);
    await insertConversation(api.tenants.creatorA, { escalated: true });
    await api.owner.query(
      `UPDATE conversations SET status = 'archived' WHERE id = (SELECT id FROM conversations WHERE creator_id = $1 AND status = 'active' AND message_count > 0 ORDER BY created_at LIMIT 1)`,
      [api.tenants.creatorA],
    );
  });

  test('asCreatorA: escalated first, then by latest message (none last); totalCount is the DB count; pages walk it without overlap', async () => {
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM conversations WHERE creator_id = $1 ${CONVERSATION_ORDER}`, [
        api.tenants.creatorA,
      ])
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(10);
    const { conversations } = await query('asCreatorA', CONVERSATIONS, { first: 100 });
    expect(uuids(conversations.nodes)).toEqual(expected);
    expect(conversations.edges.map((e: Json) => e.node.id)).toEqual(conversations.nodes.map((n: Json) => n.id));
    expect(conversations.totalCount).toBe(expected.length);

    // The escalated ones really come first.
    const flags = await sql<{ id: string; escalated_to_human: boolean }>(
      `SELECT id, escalated_to_human FROM conversations WHERE id = ANY($1::uuid[])`,
      [expected],
    );
    const escalated = new Map(flags.map((f) => [f.id, f.escalated_to_human]));
    const sequence = expected.map((id) => escalated.get(id));
    expect(sequence.indexOf(false)).toBeGreaterThan(0);
    expect(sequence.lastIndexOf(true)).toBeLessThan(sequence.indexOf(false));

    expect(await walk('asCreatorA', CONVERSATIONS, 'conversations', {}, 4)).toEqual(expected);
  });

  test('asCreatorA: first/after then last/before', async () => {
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM conversations WHERE creator_id = $1 ${CONVERSATION_ORDER}`, [
        api.tenants.creatorA,
      ])
    ).map((r) => r.id);
    const p1 = (await query('asCreatorA', CONVERSATIONS, { first: 5 })).conversations;
    const p2 = (await query('asCreatorA', CONVERSATIONS, { first: 5, after: p1.pageInfo.endCursor })).conversations;
    expect(uuids(p1.nodes)).toEqual(expected.slice(0, 5));
    expect(uuids(p2.nodes)).toEqual(expected.slice(5, 10));
    expect(p2.pageInfo).toEqual(expect.objectContaining({ hasPreviousPage: true, hasNextPage: true }));
    const back = (await query('asCreatorA', CONVERSATIONS, { last: 5, before: p2.pageInfo.startCursor })).conversations;
    expect(uuids(back.nodes)).toEqual(expected.slice(0, 5));
  });

  test('asCreatorA: each filter (status, channel, escalated, userId, combined) returns exactly the matching conversations', async () => {
    const user = (await one<{ user_id: string }>(
      `SELECT user_id FROM conversations WHERE creator_id = $1 GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1`,
      [api.tenants.creatorA],
    ))!.user_id;
    const cases: [Json, string, unknown[]][] = [
      [{ status: 'ACTIVE' }, `status = 'active'`, []],
      [{ status: 'CLOSED' }, `status = 'closed'`, []],
      [{ status: 'ARCHIVED' }, `status = 'archived'`, []],
      [{ channel: 'WHATSAPP' }, `channel = 'whatsapp'`, []],
      [{ channel: 'WEB' }, `channel = 'web'`, []],
      [{ escalated: true }, `escalated_to_human`, []],
      [{ escalated: false }, `NOT escalated_to_human`, []],
      [{ userId: gid('User', user) }, `user_id = $2`, [user]],
      [
        { status: 'ACTIVE', escalated: false, channel: 'WEB' },
        `status = 'active' AND NOT escalated_to_human AND channel = 'web'`,
        [],
      ],
    ];
    const all = await countOf(`SELECT count(*)::int AS n FROM conversations WHERE creator_id = $1`, [
      api.tenants.creatorA,
    ]);
    for (const [filter, where, params] of cases) {
      const expected = (
        await sql<{ id: string }>(
          `SELECT id FROM conversations WHERE creator_id = $1 AND ${where} ${CONVERSATION_ORDER}`,
          [api.tenants.creatorA, ...params],
        )
      ).map((r) => r.id);
      expect({ filter, nonEmpty: expected.length > 0, narrower: expected.length < all }).toEqual({
        filter,
        nonEmpty: true,
        narrower: true,
      });
      const { conversations } = await query('asCreatorA', CONVERSATIONS, { filter, first: 100 });
      expect({ filter, ids: uuids(conversations.nodes), totalCount: conversations.totalCount }).toEqual({
        filter,
        ids: expected,
        totalCount: expected.length,
      });
    }
  });

  test('asCreatorA: first: 1000 returns at most 100', async () => {
    const user = await userOf(api.tenants.creatorA);
    await api.owner.query(
      `INSERT INTO conversations (creator_id, user_id, channel, context) SELECT $1, $2, $3, '{"bulk": true}' FROM generate_series(1, 110)`,
      [api.tenants.creatorA, user.id, user.channel],
    );
    try {
      const total = await countOf(`SELECT count(*)::int AS n FROM conversations WHERE creator_id = $1`, [
        api.tenants.creatorA,
      ]);
      const { conversations } = await query('asCreatorA', CONVERSATIONS, { first: 1000 });
      expect(conversations.nodes).toHaveLength(100);
      expect(conversations.pageInfo.hasNextPage).toBe(true);
      expect(conversations.totalCount).toBe(total);
    } finally {
      await api.owner.query(`DELETE FROM conversations WHERE creator_id = $1 AND context = '{"bulk": true}'`, [
        api.tenants.creatorA,
      ]);
    }
  });

  test("asCreatorB: only Grace's conversations; filtering by Ada's user finds nothing", async () => {
    const { conversations } = await query('asCreatorB', CONVERSATIONS, { first: 100 });
    const expected = (
      await sql<{ id: string }>(`SELECT id FROM conversations WHERE creator_id = $1 ${CONVERSATION_ORDER}`, [
        api.tenants.creatorB,
      ])
    ).map((r) => r.id);
    expect(uuids(conversations.nodes)).toEqual(expected);
    expect(conversations.totalCount).toBe(expected.length);
    expect([...(await ownersOf(conversations)).owners]).toEqual([api.tenants.creatorB]);
    const ada = await conversationOf(api.tenants.creatorA);
    const { conversations: none } = await query('asCreatorB', CONVERSATIONS, {
      filter: { userId: gid('User', ada.user_id) },
      first: 100,
    });
    expect(none).toEqual(expect.objectContaining({ totalCount: 0, nodes: [] }));
  });

  test('asAnonymous: UNAUTHENTICATED and no data', async () => {
    const { body } = await send('asAnonymous', CONVERSATIONS, { first: 10 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });
});

// ------------------------------------------------------------------------------------------
// messages: the lists
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// createConversation, updateConversation, deleteConversation
// ------------------------------------------------------------------------------------------

describe('createConversation / updateConversation / deleteConversation', () => {
  test('asCreatorA: createConversation stores an active, empty, unescalated conversation for Ada', async () => {
    const user = await userOf(api.tenants.creatorA);
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_CONVERSATION, 'createConversation', {
      input: {
        userId: gid('User', user.id),
        channel: 'TELEGRAM',
        context: { topic: 'sleep' },
        metadata: { source: 'test' },
      },
    });
    expect(result.__typename).toBe('CreateConversationSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        channel: 'TELEGRAM',
        status: 'ACTIVE',
        context: { topic: 'sleep' },
        metadata: { source: 'test' },
        lastMessageAt: null,
        messageCount: 0,
        escalatedToHuman: false,
        escalatedAt: null,
        user: { id: gid('User', user.id) },
      }),
    );
    const row = (await rowOf('conversations', uuidOf(result.data.id)))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        user_id: user.id,
        channel: 'telegram',
        status: 'active',
        context: { topic: 'sleep' },
        message_count: 0,
        last_message_at: null,
        escalated_to_human: false,
      }),
    );
    expect((await counts()).conversations).toBe(before.conversations + 1);
    expect((await query('asCreatorA', NODE, { id: result.data.id })).node).toEqual({
      __typename: 'Conversation',
      id: result.data.id,
    });
  });

  test('asCreatorA: updateConversation changes status, context and metadata; the DB shows it', async () => {
    const conversation = await insertConversation(api.tenants.creatorA);
    const result = await mutate('asCreatorA', UPDATE_CONVERSATION, 'updateConversation', {
      id: gid('Conversation', conversation.id),
      input: { status: 'CLOSED', context: { topic: 'done' }, metadata: { resolved: true } },
    });
    expect(result.__typename).toBe('UpdateConversationSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({ status: 'CLOSED', context: { topic: 'done' }, metadata: { resolved: true } }),
    );
    const row = (await rowOf('conversations', conversation.id))!;
    expect(row).toEqual({
      ...conversation,
      status: 'closed',
      context: { topic: 'done' },
      metadata: { resolved: true },
      updated_at: expect.any(Date),
    });
  });

  test('asCreatorA: deleteConversation removes it and its messages; interactions keep their rows without the message', async () => {
    const conversation = (await one(
      `SELECT c.* FROM conversations c WHERE c.creator_id = $1 AND EXISTS (SELECT 1 FROM user_interactions i JOIN messages m ON m.id = i.message_id WHERE m.conversation_id = c.id) ORDER BY c.created_at LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const messageIds = (
      await sql<{ id: string }>(`SELECT id FROM messages WHERE conversation_id = $1`, [conversation.id])
    ).map((r) => r.id);
    const interactionIds = (
      await sql<{ id: string }>(`SELECT id FROM user_interactions WHERE message_id = ANY($1::uuid[])`, [messageIds])
    ).map((r) => r.id);
    expect(interactionIds.length).toBeGreaterThan(0);
    const before = await counts();

    const result = await mutate('asCreatorA', DELETE_CONVERSATION, 'deleteConversation', {
      id: gid('Conversation', conversation.id),
    });
    expect(result).toEqual({ __typename: 'DeleteConversationSuccess', data: gid('Conversation', conversation.id) });
    expect(await rowOf('conversations', conversation.id)).toBeUndefined();
    expect(await countOf(`SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1`, [conversation.id])).toBe(
      0,
    );
    const after = await counts();
    expect(after).toEqual({
      ...before,
      conversations: before.conversations - 1,
      messages: before.messages - messageIds.length,
    });
    expect(await sql(`SELECT message_id FROM user_interactions WHERE id = ANY($1::uuid[])`, [interactionIds])).toEqual(
      interactionIds.map(() => ({ message_id: null })),
    );
    await expectNoCounterDrift();
    expect((await query('asCreatorA', NODE, { id: gid('Conversation', conversation.id) })).node).toBeNull();
    expectNotFound(
      await mutate('asCreatorA', DELETE_CONVERSATION, 'deleteConversation', {
        id: gid('Conversation', conversation.id),
      }),
    );
  });
});

// ------------------------------------------------------------------------------------------
// escalateConversation
// ------------------------------------------------------------------------------------------

describe('escalateConversation', () => {
  test('asCreatorA: sets escalatedToHuman, escalatedAt and the reason; the conversation joins the escalated ones at the top of the list', async () => {
    const conversation = await insertConversation(api.tenants.creatorA, { messages: 2 });
    const started = Date.now();
    const result = await mutate('asCreatorA', ESCALATE, 'escalateConversation', {
      id: gid('Conversation', conversation.id),
      reason: '  The user asked for a person  ',
    });
    expect(result.__typename).toBe('EscalateConversationSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        escalatedToHuman: true,
        escalatedAt: expect.any(String),
        metadata: { locale: 'en', escalationReason: 'The user asked for a person' },
      }),
    );
    const row = (await rowOf('conversations', conversation.id))!;
    expect(row).toEqual(
      expect.objectContaining({
        escalated_to_human: true,
        metadata: { locale: 'en', escalationReason: 'The user asked for a person' },
        message_count: 2,
      }),
    );
    withinSeconds(row.escalated_at.getTime(), started, 5);
    expect(new Date(result.data.escalatedAt).getTime()).toBe(row.escalated_at.getTime());

    // In the list it sits among the escalated conversations, ahead of every other one.
    const { conversations } = await query('asCreatorA', CONVERSATIONS, { first: 100 });
    const ids = uuids(conversations.nodes);
    const escalated = (
      await sql<{ id: string }>(
        `SELECT id FROM conversations WHERE creator_id = $1 AND escalated_to_human ${CONVERSATION_ORDER}`,
        [api.tenants.creatorA],
      )
    ).map((r) => r.id);
    expect(ids.slice(0, escalated.length)).toEqual(escalated);
    expect(escalated).toContain(conversation.id);
    const { conversations: filtered } = await query('asCreatorA', CONVERSATIONS, {
      filter: { escalated: true },
      first: 100,
    });
    expect(uuids(filtered.nodes)).toEqual(escalated);
  });

  test('asCreatorA: escalating twice keeps the first escalation time and reason', async () => {
    const conversation = await insertConversation(api.tenants.creatorA);
    const first = await mutate('asCreatorA', ESCALATE, 'escalateConversation', {
      id: gid('Conversation', conversation.id),
      reason: 'first reason',
    });
    const row1 = (await rowOf('conversations', conversation.id))!;
    await new Promise((r) => setTimeout(r, 20));
    const second = await mutate('asCreatorA', ESCALATE, 'escalateConversation', {
      id: gid('Conversation', conversation.id),
      reason: 'second reason',
    });
    expect(second.__typename).toBe('EscalateConversationSuccess');
    expect(second.data.escalatedAt).toBe(first.data.escalatedAt);
    expect(second.data.metadata.escalationReason).toBe('first reason');
    expect(await rowOf('conversations', conversation.id)).toEqual(row1);
  });

  test('asCreatorA: escalating without a reason leaves the metadata as it was', async () => {
    const conversation = await insertConversation(api.tenants.creatorA);
    const result = await mutate('asCreatorA', ESCALATE, 'escalateConversation', {
      id: gid('Conversation', conversation.id),
    });
    expect(result.data).toEqual(expect.objectContaining({ escalatedToHuman: true, metadata: { locale: 'en' } }));
    expect((await rowOf('conversations', conversation.id))!).toEqual(
      expect.objectContaining({ escalated_to_human: true, metadata: { locale: 'en' } }),
    );
  });
});

// ------------------------------------------------------------------------------------------
// sendMessage, deleteMessage
// ------------------------------------------------------------------------------------------

describe('sendMessage / deleteMessage', () => {
  test("asCreatorA: sendMessage stores a creator message; the conversation's messageCount and lastMessageAt follow, and it moves up the list", async () => {
    const conversation = await conversationOf(
      api.tenants.creatorA,
      `NOT escalated_to_human AND message_count > 0 AND last_message_at < now() - interval '1 day'`,
    );
    const before = await counts();
    const started = Date.now();
    const result = await mutate('asCreatorA', SEND_MESSAGE, 'sendMessage', {
      input: {
        conversationId: gid('Conversation', conversation.id),
        content: '  Hello from Ada  ',
        metadata: { draft: false },
      },
    });
    expect(result.__typename).toBe('SendMessageSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        senderType: 'CREATOR',
        senderId: api.tenants.creatorA,
        content: 'Hello from Ada',
        messageType: 'TEXT',
        metadata: { draft: false },
        deliveredAt: expect.any(String),
        readAt: null,
        responseTimeMs: null,
        aiConfidence: null,
        conversation: {
          id: gid('Conversation', conversation.id),
          messageCount: conversation.message_count + 1,
          lastMessageAt: result.data.createdAt,
        },
      }),
    );
    const message = (await rowOf('messages', uuidOf(result.data.id)))!;
    expect(message).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        conversation_id: conversation.id,
        sender_type: 'creator',
        sender_id: api.tenants.creatorA,
        content: 'Hello from Ada',
        message_type: 'text',
      }),
    );
    withinSeconds(message.created_at.getTime(), started, 5);
    const stored = (await rowOf('conversations', conversation.id))!;
    expect(stored.message_count).toBe(conversation.message_count + 1);
    expect(
      await one(
        `SELECT (c.last_message_at = m.created_at) AS same FROM conversations c, messages m WHERE c.id = $1 AND m.id = $2`,
        [conversation.id, message.id],
      ),
    ).toEqual({ same: true });
    expect((await counts()).messages).toBe(before.messages + 1);
    await expectNoCounterDrift();

    // Newest message of all: first among the unescalated conversations; last in its conversation.
    const { conversations } = await query('asCreatorA', CONVERSATIONS, { filter: { escalated: false }, first: 1 });
    expect(conversations.nodes[0].id).toBe(gid('Conversation', conversation.id));
    const { node } = await query('asCreatorA', CONVERSATION_MESSAGES, {
      id: gid('Conversation', conversation.id),
      first: 100,
    });
    expect(node.messages.nodes[node.messages.nodes.length - 1].id).toBe(result.data.id);
    expect(node.messages.totalCount).toBe(conversation.message_count + 1);
  });

  test('asCreatorA: an AI message keeps its type, timing and confidence, and has no sender id', async () => {
    const conversation = await insertConversation(api.tenants.creatorA);
    const result = await mutate('asCreatorA', SEND_MESSAGE, 'sendMessage', {
      input: {
        conversationId: gid('Conversation', conversation.id),
        content: 'Pick one',
        senderType: 'AI',
        messageType: 'QUICK_REPLY',
        responseTimeMs: 850,
        aiConfidence: 0.92,
      },
    });
    expect(result.data).toEqual(
      expect.objectContaining({
        senderType: 'AI',
        senderId: null,
        messageType: 'QUICK_REPLY',
        responseTimeMs: 850,
        aiConfidence: 0.92,
        conversation: expect.objectContaining({ messageCount: 1 }),
      }),
    );
    expect((await rowOf('messages', uuidOf(result.data.id)))!).toEqual(
      expect.objectContaining({
        sender_type: 'ai',
        sender_id: null,
        message_type: 'quick_reply',
        response_time_ms: 850,
        ai_confidence: 0.92,
      }),
    );
    expect((await rowOf('conversations', conversation.id))!.message_count).toBe(1);
  });

  test("asCreatorA: a USER message records the conversation's user as its sender", async () => {
    const conversation = await insertConversation(api.tenants.creatorA);
    const result = await mutate('asCreatorA', SEND_MESSAGE, 'sendMessage', {
      input: { conversationId: gid('Conversation', conversation.id), content: 'Typed by the user', senderType: 'USER' },
    });
    expect(result.__typename).toBe('SendMessageSuccess');
    expect(result.data).toEqual(expect.objectContaining({ senderType: 'USER', senderId: conversation.user_id }));
    expect((await rowOf('messages', uuidOf(result.data.id)))!).toEqual(
      expect.objectContaining({ sender_type: 'user', sender_id: conversation.user_id }),
    );
  });

  test('asCreatorA: deleteMessage removes it; messageCount and lastMessageAt fall back to the previous message', async () => {
    const conversation = await insertConversation(api.tenants.creatorA, { messages: 3 });
    const previous = (await one(`SELECT * FROM messages WHERE conversation_id = $1 ORDER BY created_at DESC LIMIT 1`, [
      conversation.id,
    ]))!;
    const sent = await mutate('asCreatorA', SEND_MESSAGE, 'sendMessage', {
      input: { conversationId: gid('Conversation', conversation.id), content: 'oops' },
    });
    expect((await rowOf('conversations', conversation.id))!.message_count).toBe(4);
    const result = await mutate('asCreatorA', DELETE_MESSAGE, 'deleteMessage', { id: sent.data.id });
    expect(result).toEqual({ __typename: 'DeleteMessageSuccess', data: sent.data.id });
    expect(await rowOf('messages', uuidOf(sent.data.id))).toBeUndefined();
    const row = (await rowOf('conversations', conversation.id))!;
    expect(row.message_count).toBe(3);
    expect(row.last_message_at).toEqual(previous.created_at);
    await expectNoCounterDrift();
  });
});

// ------------------------------------------------------------------------------------------
// Nested relations
// ------------------------------------------------------------------------------------------

describe('nested relations', () => {
  test('asCreatorA: conversation -> user -> conversations -> messages -> conversation, all matching the DB', async () => {
    const conversation = await conversationOf(api.tenants.creatorA, 'message_count > 0');
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on Conversation {
        id user { id conversations(first: 100) { totalCount nodes { id user { id } messages(first: 100) { totalCount nodes { id conversation { id } } } } } }
        messages(first: 100) { nodes { id conversation { id user { id } } } }
      } } }`,
      { id: gid('Conversation', conversation.id) },
    );
    expect(node.user.id).toBe(gid('User', conversation.user_id));
    const userConversations = (
      await sql<{ id: string }>(
        `SELECT id FROM conversations WHERE user_id = $1 ORDER BY last_message_at DESC NULLS LAST, id ASC`,
        [conversation.user_id],
      )
    ).map((r) => r.id);
    expect(uuids(node.user.conversations.nodes)).toEqual(userConversations);
    expect(node.user.conversations.totalCount).toBe(userConversations.length);
    expect(node.user.conversations.nodes.map((c: Json) => c.id)).toContain(node.id);
    for (const c of node.user.conversations.nodes) {
      expect(c.user.id).toBe(node.user.id);
      const messages = (
        await sql<{ id: string }>(`SELECT id FROM messages WHERE conversation_id = $1 ${MESSAGE_ORDER}`, [uuidOf(c.id)])
      ).map((r) => r.id);
      expect(uuids(c.messages.nodes)).toEqual(messages);
      for (const m of c.messages.nodes) expect(m.conversation.id).toBe(c.id);
    }
    for (const m of node.messages.nodes) expect(m.conversation).toEqual({ id: node.id, user: { id: node.user.id } });
    expect([...(await ownersOf(node)).owners]).toEqual([api.tenants.creatorA]);
  });
});

// ------------------------------------------------------------------------------------------
// Tenant isolation: creator B against creator A's data
// ------------------------------------------------------------------------------------------

describe("asCreatorB against Ada's conversations and messages", () => {
  let adaConversation: Json;
  let adaMessage: Json;
  let graceConversation: Json;

  beforeAll(async () => {
    adaConversation = await conversationOf(api.tenants.creatorA, 'NOT escalated_to_human AND message_count > 0');
    adaMessage = (await one(`SELECT * FROM messages WHERE conversation_id = $1 ORDER BY created_at LIMIT 1`, [
      adaConversation.id,
    ]))!;
    graceConversation = await conversationOf(api.tenants.creatorB, 'message_count > 0');
  });

  test("node(id) is null for Ada's conversation and message (Ada sees them)", async () => {
    for (const id of [gid('Conversation', adaConversation.id), gid('Message', adaMessage.id)]) {
      expect({ id, node: (await query('asCreatorB', NODE, { id })).node }).toEqual({ id, node: null });
      expect((await query('asCreatorA', NODE, { id })).node).toEqual({ __typename: typeOf(id), id });
    }
    expect(
      (await query('asCreatorB', CONVERSATION_MESSAGES, { id: gid('Conversation', adaConversation.id), first: 100 }))
        .node,
    ).toBeNull();
  });

  test("nodes(ids) is null in Ada's places and returns Grace's own", async () => {
    const { nodes } = await query('asCreatorB', NODES, {
      ids: [
        gid('Conversation', adaConversation.id),
        gid('Conversation', graceConversation.id),
        gid('Message', adaMessage.id),
      ],
    });
    expect(nodes).toEqual([null, { __typename: 'Conversation', id: gid('Conversation', graceConversation.id) }, null]);
  });

  test.each([
    [
      'updateConversation',
      () => [
        UPDATE_CONVERSATION,
        'updateConversation',
        { id: gid('Conversation', adaConversation.id), input: { status: 'ARCHIVED', metadata: { hijacked: true } } },
      ],
    ],
    [
      'escalateConversation',
      () => [ESCALATE, 'escalateConversation', { id: gid('Conversation', adaConversation.id), reason: 'hijack' }],
    ],
    [
      'deleteConversation',
      () => [DELETE_CONVERSATION, 'deleteConversation', { id: gid('Conversation', adaConversation.id) }],
    ],
    ['deleteMessage', () => [DELETE_MESSAGE, 'deleteMessage', { id: gid('Message', adaMessage.id) }]],
  ] as [string, () => [string, string, Json]][])(
    "%s with Ada's id: NotFoundError; her conversation and message are unchanged",
    async (_name, call) => {
      const [document, field, variables] = call();
      const conversationBefore = await rowOf('conversations', adaConversation.id);
      const messageBefore = await rowOf('messages', adaMessage.id);
      const before = await counts();
      const result = await mutate('asCreatorB', document, field, variables);
      expectNotFound(result);
      expect(result.data).toBeUndefined();
      expect(await rowOf('conversations', adaConversation.id)).toEqual(conversationBefore);
      expect(await rowOf('messages', adaMessage.id)).toEqual(messageBefore);
      expect(await counts()).toEqual(before);
    },
  );

  test("sendMessage to Ada's conversation: NotFoundError, nothing written, her counters unchanged", async () => {
    const conversationBefore = await rowOf('conversations', adaConversation.id);
    const before = await counts();
    expectNotFound(
      await mutate('asCreatorB', SEND_MESSAGE, 'sendMessage', {
        input: { conversationId: gid('Conversation', adaConversation.id), content: 'injected message' },
      }),
    );
    expect(await counts()).toEqual(before);
    expect(await rowOf('conversations', adaConversation.id)).toEqual(conversationBefore);
    expect(await sql(`SELECT id FROM messages WHERE content = 'injected message'`)).toEqual([]);
  });

  test("createConversation for Ada's user: NotFoundError, nothing written", async () => {
    const before = await counts();
    expectNotFound(
      await mutate('asCreatorB', CREATE_CONVERSATION, 'createConversation', {
        input: { userId: gid('User', adaConversation.user_id), channel: 'WEB' },
      }),
    );
    expect(await counts()).toEqual(before);
    expect(
      await countOf(`SELECT count(*)::int AS n FROM conversations WHERE user_id = $1 AND creator_id = $2`, [
        adaConversation.user_id,
        api.tenants.creatorB,
      ]),
    ).toBe(0);
  });

  test("every relation reachable from Grace's conversations stays within Grace's rows", async () => {
    const data = await query(
      'asCreatorB',
      `{
        conversations(first: 100) { nodes { id user { id conversations(first: 100) { nodes { id messages(first: 100) { nodes { id conversation { id } } } } } } messages(first: 100) { nodes { id conversation { id user { id } } } } } }
        messages(first: 100) { nodes { id conversation { id user { id } } } }
        me { users(first: 100) { nodes { id conversations(first: 100) { nodes { id messages(first: 100) { nodes { id } } } } } } }
      }`,
    );
    const { owners, count } = await ownersOf(data);
    expect(count).toBeGreaterThan(100);
    expect([...owners]).toEqual([api.tenants.creatorB]);
  });
});

// ------------------------------------------------------------------------------------------
// Bad input
// ------------------------------------------------------------------------------------------

describe('bad input is a ValidationError naming the field, and writes nothing', () => {
  test.each([
    ['empty content', { content: '' }, ['input.content']],
    ['blank content', { content: '   ' }, ['input.content']],
    ['content over 10000 characters', { content: 'c'.repeat(10_001) }, ['input.content']],
    ['aiConfidence 1.5', { content: 'ok', senderType: 'AI', aiConfidence: 1.5 }, ['input.aiConfidence']],
    ['a negative responseTimeMs', { content: 'ok', senderType: 'AI', responseTimeMs: -5 }, ['input.responseTimeMs']],
    [
      'empty content and aiConfidence -0.1',
      { content: '', aiConfidence: -0.1 },
      ['input.aiConfidence', 'input.content'],
    ],
  ])('asCreatorA: sendMessage with %s; no message, the counters unchanged', async (_name, input, paths) => {
    const conversation = await conversationOf(api.tenants.creatorA, 'message_count > 0');
    const before = await counts();
    const result = await mutate('asCreatorA', SEND_MESSAGE, 'sendMessage', {
      input: { conversationId: gid('Conversation', conversation.id), ...input },
    });
    expectValidation(result, paths);
    expect(result.data).toBeUndefined();
    expect(await counts()).toEqual(before);
    expect(await rowOf('conversations', conversation.id)).toEqual(conversation);
  });

  test.each([
    ['a User id', (c: Json) => gid('User', c.user_id)],
    ['a Message id', (c: Json) => gid('Message', c.id)],
    ['a malformed id', () => 'conversation-1'],
  ])(
    'asCreatorA: sendMessage with %s as conversationId names input.conversationId; nothing written',
    async (_name, id) => {
      const conversation = await conversationOf(api.tenants.creatorA, 'message_count > 0');
      const before = await counts();
      expectValidation(
        await mutate('asCreatorA', SEND_MESSAGE, 'sendMessage', {
          input: { conversationId: id(conversation), content: 'hello' },
        }),
        ['input.conversationId'],
      );
      expect(await counts()).toEqual(before);
    },
  );

  test('asCreatorA: escalateConversation with a reason over 1000 characters names reason; with a User id names id; nothing changes', async () => {
    const conversation = await conversationOf(api.tenants.creatorA, 'NOT escalated_to_human');
    expectValidation(
      await mutate('asCreatorA', ESCALATE, 'escalateConversation', {
        id: gid('Conversation', conversation.id),
        reason: 'r'.repeat(1001),
      }),
      ['reason'],
    );
    expectValidation(
      await mutate('asCreatorA', ESCALATE, 'escalateConversation', { id: gid('User', conversation.user_id) }),
      ['id'],
    );
    expect(await rowOf('conversations', conversation.id)).toEqual(conversation);
  });

  test('asCreatorA: createConversation with a Conversation id or a malformed id as userId names input.userId; nothing written', async () => {
    const conversation = await conversationOf(api.tenants.creatorA);
    const before = await counts();
    expectValidation(
      await mutate('asCreatorA', CREATE_CONVERSATION, 'createConversation', {
        input: { userId: gid('Conversation', conversation.id), channel: 'WEB' },
      }),
      ['input.userId'],
    );
    expectValidation(
      await mutate('asCreatorA', CREATE_CONVERSATION, 'createConversation', {
        input: { userId: '???', channel: 'WEB' },
      }),
      ['input.userId'],
    );
    expect(await counts()).toEqual(before);
  });

  test('asCreatorA: updateConversation, deleteConversation and deleteMessage with an id of the wrong type name id; nothing changes', async () => {
    const conversation = await conversationOf(api.tenants.creatorA, 'message_count > 0');
    const message = (await one(`SELECT * FROM messages WHERE conversation_id = $1 LIMIT 1`, [conversation.id]))!;
    const before = await counts();
    expectValidation(
      await mutate('asCreatorA', UPDATE_CONVERSATION, 'updateConversation', {
        id: gid('Message', conversation.id),
        input: { status: 'CLOSED' },
      }),
      ['id'],
    );
    expectValidation(
      await mutate('asCreatorA', DELETE_CONVERSATION, 'deleteConversation', { id: gid('User', conversation.id) }),
      ['id'],
    );
    expectValidation(
      await mutate('asCreatorA', DELETE_MESSAGE, 'deleteMessage', { id: gid('Conversation', message.id) }),
      ['id'],
    );
    expect(await counts()).toEqual(before);
    expect(await rowOf('conversations', conversation.id)).toEqual(conversation);
    expect(await rowOf('messages', message.id)).toEqual(message);
  });
});

// ------------------------------------------------------------------------------------------
// Anonymous
// ------------------------------------------------------------------------------------------

describe('asAnonymous', () => {
  test.each([
    ['conversations', CONVERSATIONS],
    ['messages', MESSAGES],
  ])('%s: UNAUTHENTICATED and no data', async (_name, document) => {
    const { body } = await send('asAnonymous', document, { first: 5 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  test('sendMessage, escalateConversation and createConversation: UNAUTHENTICATED, nothing written or changed', async () => {
    const conversation = await conversationOf(api.tenants.creatorA, 'NOT escalated_to_human');
    const before = await counts();
    for (const [document, variables] of [
      [SEND_MESSAGE, { input: { conversationId: gid('Conversation', conversation.id), content: 'anonymous' } }],
      [ESCALATE, { id: gid('Conversation', conversation.id) }],
      [CREATE_CONVERSATION, { input: { userId: gid('User', conversation.user_id), channel: 'WEB' } }],
    ] as const) {
      const { body } = await send('asAnonymous', document, variables);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.data ?? null).toBeNull();
    }
    expect(await counts()).toEqual(before);
    expect(await rowOf('conversations', conversation.id)).toEqual(conversation);
  });
});
