// The conversations list over the real server (escalated first, then by latest message; filters,
// pagination, totals), as each actor. Every test checks the answer against what is really stored.
import { useApiHarness, gid, uuids, type Json } from '../../helpers/api';
import { CONVERSATION_ORDER, CONVERSATIONS, conversationsFixtures } from './fixtures';

const api = useApiHarness();
const { send, query, walk, sql, one, countOf, ownersOf } = api;

const { conversationOf, userOf, insertConversation } = conversationsFixtures(api);

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
