// escalateConversation over the real server: the answer, what is really stored, and the place of
// an escalated conversation in the list.
import { useApiHarness, gid, uuids, withinSeconds } from '../../helpers/api';
import { CONVERSATION_ORDER, CONVERSATIONS, ESCALATE, conversationsFixtures } from './fixtures';

const api = useApiHarness();
const { query, mutate, sql, rowOf } = api;

const { insertConversation } = conversationsFixtures(api);

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
