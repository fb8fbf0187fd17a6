// Bad input to the conversations module's mutations is a ValidationError naming the field, and
// writes nothing.
import { useApiHarness, gid, expectValidation, type Json } from '../../helpers/api';
import {
  CREATE_CONVERSATION,
  UPDATE_CONVERSATION,
  ESCALATE,
  DELETE_CONVERSATION,
  SEND_MESSAGE,
  DELETE_MESSAGE,
  conversationsFixtures,
} from './fixtures';

const api = useApiHarness();
const { mutate, one, rowOf } = api;

const { counts, conversationOf } = conversationsFixtures(api);

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
