// What the conversations test files share: the conversations module's documents and orders, and
// fixtures and reads of what is really stored (through the owner role, which bypasses row-level
// security).
import { ERRORS, PAGE, type Json, type ApiHarness } from '../../helpers/api';

export const CONVERSATION_ORDER = `ORDER BY escalated_to_human DESC, last_message_at DESC NULLS LAST, id ASC`;
export const MESSAGE_ORDER = `ORDER BY created_at ASC, id ASC`;
export const CONVERSATION_FIELDS = `id channel status context metadata lastMessageAt messageCount escalatedToHuman escalatedAt createdAt user { id }`;
export const MESSAGE_FIELDS = `id senderType senderId content messageType metadata deliveredAt readAt responseTimeMs aiConfidence createdAt conversation { id messageCount lastMessageAt }`;

export const CONVERSATIONS = /* GraphQL */ `query Conversations($filter: ConversationFilter, $first: Int, $after: String, $last: Int, $before: String) {
  conversations(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
export const MESSAGES = /* GraphQL */ `query Messages($filter: MessageFilter, $first: Int, $after: String, $last: Int, $before: String) {
  messages(filter: $filter, first: $first, after: $after, last: $last, before: $before) { ${PAGE} }
}`;
export const CONVERSATION_MESSAGES = /* GraphQL */ `query ConversationMessages($id: ID!, $sent: DateTimeRange, $first: Int, $after: String) {
  node(id: $id) { ... on Conversation { id messageCount messages(sent: $sent, first: $first, after: $after) { ${PAGE} } } }
}`;

export const CREATE_CONVERSATION = /* GraphQL */ `mutation CreateConversation($input: CreateConversationInput!) {
  createConversation(input: $input) { __typename ... on CreateConversationSuccess { data { ${CONVERSATION_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_CONVERSATION = /* GraphQL */ `mutation UpdateConversation($id: ID!, $input: UpdateConversationInput!) {
  updateConversation(id: $id, input: $input) { __typename ... on UpdateConversationSuccess { data { ${CONVERSATION_FIELDS} } } ${ERRORS} }
}`;
export const ESCALATE = /* GraphQL */ `mutation Escalate($id: ID!, $reason: String) {
  escalateConversation(id: $id, reason: $reason) { __typename ... on EscalateConversationSuccess { data { ${CONVERSATION_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_CONVERSATION = /* GraphQL */ `mutation DeleteConversation($id: ID!) {
  deleteConversation(id: $id) { __typename ... on DeleteConversationSuccess { data } ${ERRORS} }
}`;
export const SEND_MESSAGE = /* GraphQL */ `mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) { __typename ... on SendMessageSuccess { data { ${MESSAGE_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_MESSAGE = /* GraphQL */ `mutation DeleteMessage($id: ID!) {
  deleteMessage(id: $id) { __typename ... on DeleteMessageSuccess { data } ${ERRORS} }
}`;

/** Row counts, stored conversations and users, and conversations inserted directly. */
export function conversationsFixtures(api: ApiHarness) {
  const { one, rowOf, tableCounts } = api;
  const counts = () =>
    tableCounts({
      conversations: 'conversations',
      messages: 'messages',
      interactions: 'user_interactions',
      users: 'users',
    });
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

  return { counts, conversationOf, userOf, insertConversation };
}
