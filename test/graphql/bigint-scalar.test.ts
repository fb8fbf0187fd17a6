// 64-bit totals end to end: a user whose achievements add up past 2^31 is ranked with the exact
// total, as a decimal string (the BigInt scalar), for the creator and for a partner; sizes past
// 2^53 go in and come out exact; the BigInt scalar refuses what is not a signed 64-bit whole
// number with a typed error and writes nothing; and a trigger-maintained counter at its 32-bit
// end refuses one more row with QUOTA_EXCEEDED instead of failing the write with 22003.
import { useApiHarness, gid, uuidOf, ERRORS, type Json } from '../helpers/api';
import { callAsPartner } from '../helpers/partner';

const api = useApiHarness();
const { query, mutate, send, sql, one, count } = api;

const INT4_MAX = 2_147_483_647;
/** Achievements of 1,000,000 points (the most grantAchievement takes) that pass 2^31 together. */
const ROWS = 2_148;
const BIG_TOTAL = String(ROWS * 1_000_000); // 2,148,000,000 > 2^31 - 1

const LEADERBOARD = `query($first: Int, $period: DateTimeRange) { leaderboard(first: $first, period: $period) { rank points achievements user { id pointsTotal } } }`;

let bigUser: string;

beforeAll(async () => {
  // A user of creator A with ROWS achievements, inserted as the owner (the API grants one at a time).
  bigUser = (await one<{ id: string }>(
    `INSERT INTO users (creator_id, channel, external_id, display_name) VALUES ($1, 'web', 'totals-big', 'Big Points') RETURNING id`,
    [api.tenants.creatorA],
  ))!.id;
  await sql(
    `INSERT INTO achievements (creator_id, user_id, achievement_type, points, earned_at)
     SELECT $1, $2, 'bulk.award', 1000000, now() - make_interval(secs => g) FROM generate_series(1, ${ROWS}) g`,
    [api.tenants.creatorA, bigUser],
  );
});

describe('points totals past 2^31', () => {
  test('asCreatorA: the leaderboard ranks the user first with the exact total as a string', async () => {
    const board = (await query('asCreatorA', LEADERBOARD, { first: 100 })).leaderboard as Json[];
    expect(board[0]).toEqual({
      rank: 1,
      points: BIG_TOTAL,
      achievements: String(ROWS),
      user: { id: gid('User', bigUser), pointsTotal: BIG_TOTAL },
    });
    // Every entry equals what is stored, exactly.
    const rows = await sql<{ id: string; points: string; n: string }>(
      `SELECT user_id::text AS id, sum(points)::text AS points, count(*)::text AS n FROM achievements WHERE creator_id = $1 GROUP BY 1`,
      [api.tenants.creatorA],
    );
    const stored = new Map(rows.map((r) => [r.id, r]));
    for (const entry of board) {
      const row = stored.get(uuidOf(entry.user.id))!;
      expect([entry.points, entry.achievements, entry.user.pointsTotal]).toEqual([row.points, row.n, row.points]);
    }
  });

  test('asCreatorA: a period leaderboard sums only that period, still exactly', async () => {
    const from = new Date(Date.now() - 1_000 * 1_000).toISOString(); // the newest ~1,000 rows
    const board = (await query('asCreatorA', LEADERBOARD, { first: 1, period: { from } })).leaderboard as Json[];
    const row = (await one<{ points: string }>(
      `SELECT sum(points)::text AS points FROM achievements WHERE user_id = $1 AND earned_at >= $2`,
      [bigUser, from],
    ))!;
    expect(board[0]).toEqual(
      expect.objectContaining({ points: row.points, user: expect.objectContaining({ pointsTotal: BIG_TOTAL }) }),
    );
  });

  test('asCreatorA: User.pointsTotal is the exact string, read by id and in a list', async () => {
    const node = (
      await query('asCreatorA', `query($id: ID!) { node(id: $id) { ... on User { pointsTotal } } }`, {
        id: gid('User', bigUser),
      })
    ).node;
    expect(node.pointsTotal).toBe(BIG_TOTAL);
    const users = (await query('asCreatorA', `{ users(first: 100) { nodes { id pointsTotal } } }`)).users
      .nodes as Json[];
    expect(users.find((u) => u.id === gid('User', bigUser))!.pointsTotal).toBe(BIG_TOTAL);
  });

  test('asPartner: PartnerUserRewards carries the exact total', async () => {
    const key = await mutate(
      'asCreatorA',
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { data { secret } } ${ERRORS} } }`,
      'createApiKey',
      {
        input: { name: 'totals', scopes: ['READ'] },
      },
    );
    const response = await callAsPartner(api.server.url, key.data.secret, 'PartnerUserRewards', {
      userId: gid('User', bigUser),
    });
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.user.pointsTotal).toBe(BIG_TOTAL);
    expect(response.body.data.user.achievements.totalCount).toBe(ROWS);
  });

  test("asCreatorB: B's leaderboard is unaffected: only B's users, each with B's exact sums", async () => {
    const board = (await query('asCreatorB', LEADERBOARD, { first: 100 })).leaderboard as Json[];
    const rows = await sql<{ id: string; points: string }>(
      `SELECT user_id::text AS id, sum(points)::text AS points FROM achievements WHERE creator_id = $1 GROUP BY user_id ORDER BY sum(points) DESC, user_id LIMIT 100`,
      [api.tenants.creatorB],
    );
    expect(board.map((e) => [uuidOf(e.user.id), e.points])).toEqual(rows.map((r) => [r.id, r.points]));
  });
});

describe('points per achievement', () => {
  const GRANT = `mutation($input: GrantAchievementInput!) { grantAchievement(input: $input) { __typename ${ERRORS} } }`;

  test.each([
    ['one past the bound (1,000,000)', 1_000_001, 'VALIDATION_FAILED'],
    ['past the Int range', 2 ** 31, 'BAD_USER_INPUT'],
  ])('asCreatorA: points %s (%d) is refused with %s and nothing is written', async (_name, points, code) => {
    const before = await count(`achievements WHERE user_id = $1`, [bigUser]);
    const { body } = await send('asCreatorA', GRANT, {
      input: { userId: gid('User', bigUser), achievementType: 'bulk.refused', points },
    });
    const refusal = body.data?.grantAchievement ?? body.errors?.[0]?.extensions;
    expect(refusal.code).toBe(code);
    if (code === 'VALIDATION_FAILED')
      expect(refusal.fields).toEqual([{ path: 'input.points', message: expect.any(String) }]);
    expect(await count(`achievements WHERE user_id = $1`, [bigUser])).toBe(before);
  });
});

describe('BigInt values past 2^53', () => {
  const CREATE_DOCUMENT = `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { __typename ... on CreateDocumentSuccess { data { id fileSizeBytes storedBytes } } ${ERRORS} } }`;
  let knowledgeBaseId: string;

  beforeAll(async () => {
    // Room for a 2^53 + 1 byte file on every plan (this file's own database).
    await sql(`UPDATE plan_limits SET storage_bytes = 9223372036854775807`);
    const kb = await mutate(
      'asCreatorA',
      `mutation { createKnowledgeBase(input: { name: "Totals" }) { __typename ... on CreateKnowledgeBaseSuccess { data { id } } ${ERRORS} } }`,
      'createKnowledgeBase',
      {},
    );
    knowledgeBaseId = kb.data.id;
  });

  test('asCreatorA: a file size of 2^53 + 1 sent as a string is stored and read back exactly; planUsage sums storage exactly', async () => {
    const created = await mutate('asCreatorA', CREATE_DOCUMENT, 'createDocument', {
      input: { knowledgeBaseId, title: 'huge', fileSizeBytes: '9007199254740993' },
    });
    expect(created.__typename).toBe('CreateDocumentSuccess');
    expect(created.data.fileSizeBytes).toBe('9007199254740993');
    const stored = (await one<{ size: string; stored: string }>(
      `SELECT file_size_bytes::text AS size, stored_bytes::text AS stored FROM documents WHERE id = $1`,
      [uuidOf(created.data.id)],
    ))!;
    expect([stored.size, created.data.storedBytes]).toEqual(['9007199254740993', stored.stored]);

    const lines = (await query('asCreatorA', `{ planUsage { lines { resource used limit remaining } } }`)).planUsage
      .lines as Json[];
    const storage = lines.find((l) => l.resource === 'storageBytes')!;
    const used = (await one<{ n: string }>(`SELECT sum(stored_bytes)::text AS n FROM documents WHERE creator_id = $1`, [
      api.tenants.creatorA,
    ]))!.n;
    expect(storage.used).toBe(used);
    expect(BigInt(storage.used)).toBeGreaterThan(2n ** 53n);
    expect(storage.limit).toMatch(/^\d+$/);
  });

  test.each([
    ['a number past 2^53', 9007199254740993, /JSON number/],
    ['a fraction', 1.5, /JSON number/],
    ['a string past 2^63 - 1', '9223372036854775808', /signed 64-bit/],
    ['a string below -2^63', '-9223372036854775809', /signed 64-bit/],
    ['a string that is not a whole number', '12e3', /decimal digits/],
    ['a megabyte of digits', '9'.repeat(1_000_000), /decimal digits/],
    ['a boolean', true, /decimal string/],
  ])(
    'asCreatorA: fileSizeBytes as %s is refused with BAD_USER_INPUT and nothing is written',
    async (_name, value, message) => {
      const before = await count(`documents WHERE creator_id = $1`, [api.tenants.creatorA]);
      const { body } = await send('asCreatorA', CREATE_DOCUMENT, {
        input: { knowledgeBaseId, title: 'refused', fileSizeBytes: value },
      });
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.errors?.[0]?.message).toMatch(message);
      expect(await count(`documents WHERE creator_id = $1`, [api.tenants.creatorA])).toBe(before);
    },
  );

  test('asCreatorA: a literal past 2^53 in the document is refused as a validation error; a string literal passes', async () => {
    const literal = (size: string) =>
      `mutation { createDocument(input: { knowledgeBaseId: "${knowledgeBaseId}", title: "lit", fileSizeBytes: ${size} }) { __typename } }`;
    const refused = await send('asCreatorA', literal('9007199254740993'));
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refused.body.errors?.[0]?.message).toMatch(/write larger values as a string/);
    expect((await send('asCreatorA', literal('"9007199254740994"'))).body.data?.createDocument.__typename).toBe(
      'CreateDocumentSuccess',
    );
  });
});

describe('counters at their 32-bit end', () => {
  const QUOTA = `... on QuotaExceededError { code limit max used }`;

  test('asCreatorA: sendMessage to a conversation holding 2^31 - 1 messages is QUOTA_EXCEEDED and writes nothing', async () => {
    const conversation = (await one<{ id: string; n: number }>(
      `SELECT id, message_count AS n FROM conversations WHERE creator_id = $1 LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    await sql(`UPDATE conversations SET message_count = $2 WHERE id = $1`, [conversation.id, INT4_MAX]);
    try {
      const before = await count(`messages WHERE conversation_id = $1`, [conversation.id]);
      const result = await mutate(
        'asCreatorA',
        `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ${QUOTA} ${ERRORS} } }`,
        'sendMessage',
        {
          input: {
            conversationId: gid('Conversation', conversation.id),
            content: 'one more',
            senderType: 'CREATOR',
            messageType: 'TEXT',
          },
        },
      );
      expect(result).toEqual({
        __typename: 'QuotaExceededError',
        code: 'QUOTA_EXCEEDED',
        limit: 'messages_per_conversation',
        max: INT4_MAX,
        used: INT4_MAX + 1,
        message: expect.any(String),
      });
      expect(await count(`messages WHERE conversation_id = $1`, [conversation.id])).toBe(before);
      expect(
        (await one<{ n: number }>(`SELECT message_count AS n FROM conversations WHERE id = $1`, [conversation.id]))!.n,
      ).toBe(INT4_MAX);
    } finally {
      await sql(`UPDATE conversations SET message_count = $2 WHERE id = $1`, [conversation.id, conversation.n]);
    }
  });

  test('asCreatorA: awardBadge of a badge awarded 2^31 - 1 times is QUOTA_EXCEEDED and writes nothing', async () => {
    const badge = (await one<{ id: string; n: number }>(
      `SELECT id, awarded_count AS n FROM badges WHERE creator_id = $1 AND is_active LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const user = (await one<{ id: string }>(
      `SELECT u.id FROM users u WHERE u.creator_id = $1 AND NOT EXISTS (SELECT 1 FROM user_badges b WHERE b.user_id = u.id AND b.badge_id = $2) LIMIT 1`,
      [api.tenants.creatorA, badge.id],
    ))!;
    await sql(`UPDATE badges SET awarded_count = $2 WHERE id = $1`, [badge.id, INT4_MAX]);
    try {
      const result = await mutate(
        'asCreatorA',
        `mutation($u: ID!, $b: ID!) { awardBadge(userId: $u, badgeId: $b) { __typename ${QUOTA} ${ERRORS} } }`,
        'awardBadge',
        { u: gid('User', user.id), b: gid('Badge', badge.id) },
      );
      expect(result).toEqual(
        expect.objectContaining({ __typename: 'QuotaExceededError', limit: 'awards_per_badge', max: INT4_MAX }),
      );
      expect(await count(`user_badges WHERE badge_id = $1 AND user_id = $2`, [badge.id, user.id])).toBe(0);
    } finally {
      await sql(`UPDATE badges SET awarded_count = $2 WHERE id = $1`, [badge.id, badge.n]);
    }
  });

  test('asCreatorA: enrollUser in a program holding 2^31 - 1 enrollments is QUOTA_EXCEEDED and writes nothing', async () => {
    const program = (await one<{ id: string; n: number }>(
      `SELECT id, enrollment_count AS n FROM programs WHERE creator_id = $1 AND status = 'published' LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const user = (await one<{ id: string }>(
      `SELECT u.id FROM users u WHERE u.creator_id = $1 AND NOT EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = u.id AND e.program_id = $2) LIMIT 1`,
      [api.tenants.creatorA, program.id],
    ))!;
    await sql(`UPDATE programs SET enrollment_count = $2 WHERE id = $1`, [program.id, INT4_MAX]);
    try {
      const result = await mutate(
        'asCreatorA',
        `mutation($p: ID!, $u: ID!) { enrollUser(programId: $p, userId: $u) { __typename ${QUOTA} ${ERRORS} } }`,
        'enrollUser',
        { p: gid('Program', program.id), u: gid('User', user.id) },
      );
      expect(result).toEqual(
        expect.objectContaining({ __typename: 'QuotaExceededError', limit: 'enrollments_per_program', max: INT4_MAX }),
      );
      expect(await count(`program_enrollments WHERE program_id = $1 AND user_id = $2`, [program.id, user.id])).toBe(0);
    } finally {
      await sql(`UPDATE programs SET enrollment_count = $2 WHERE id = $1`, [program.id, program.n]);
    }
  });

  test('the counters still agree with a recount', async () => {
    await api.expectNoCounterDrift();
  });
});
