// The conversations module as an anonymous caller: refused, and nothing written or changed.
import { useApiHarness, gid } from '../../helpers/api';
import {
  CONVERSATIONS,
  MESSAGES,
  CREATE_CONVERSATION,
  ESCALATE,
  SEND_MESSAGE,
  conversationsFixtures,
} from './fixtures';

const api = useApiHarness();
const { send, rowOf } = api;

const { counts, conversationOf } = conversationsFixtures(api);

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
