// The conversations' nested relations over the real server: every relation read matches the stored
// rows.
import { useApiHarness, gid, uuidOf, uuids, type Json } from '../../helpers/api';
import { MESSAGE_ORDER, conversationsFixtures } from './fixtures';

const api = useApiHarness();
const { query, sql, ownersOf } = api;

const { conversationOf } = conversationsFixtures(api);

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
