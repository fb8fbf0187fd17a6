// sendMessage / deleteMessage over the real server: the answer, what is really stored, and the
// trigger-maintained messageCount and lastMessageAt.
import { useApiHarness, gid, uuidOf, withinSeconds } from '../../helpers/api';
import { CONVERSATIONS, CONVERSATION_MESSAGES, SEND_MESSAGE, DELETE_MESSAGE, conversationsFixtures } from './fixtures';

const api = useApiHarness();
const { query, mutate, one, rowOf, expectNoCounterDrift } = api;

const { counts, conversationOf, insertConversation } = conversationsFixtures(api);

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
