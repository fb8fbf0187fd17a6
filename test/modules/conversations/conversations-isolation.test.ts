// Tenant isolation of the conversations module: creator B against creator A's conversations and
// messages, by id, in writes and through relations.
import { useApiHarness, gid, typeOf, expectNotFound, NODE, NODES, type Json } from '../../helpers/api';
import {
  CONVERSATION_MESSAGES,
  CREATE_CONVERSATION,
  UPDATE_CONVERSATION,
  ESCALATE,
  DELETE_CONVERSATION,
  SEND_MESSAGE,
  DELETE_MESSAGE,
  conversationsFixtures,
} from './fixtures';

const api = useApiHarness();
const { query, mutate, sql, one, countOf, rowOf, ownersOf } = api;

const { counts, conversationOf } = conversationsFixtures(api);

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
