// createConversation / updateConversation / deleteConversation over the real server: the answer
// and what is really stored.
import { useApiHarness, gid, uuidOf, expectNotFound, NODE } from '../../helpers/api';
import { CREATE_CONVERSATION, UPDATE_CONVERSATION, DELETE_CONVERSATION, conversationsFixtures } from './fixtures';

const api = useApiHarness();
const { query, mutate, sql, one, countOf, rowOf, expectNoCounterDrift } = api;

const { counts, userOf, insertConversation } = conversationsFixtures(api);

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
