// Plan quotas over the real server and database: crossing a hard limit in a mutation is
// QUOTA_EXCEEDED naming the limit, and writes nothing; the limits hold for concurrent writers and
// for any writer; plans.ts agrees with plan_limits; a tenant over its limits after a downgrade can
// still work with what it has.
import { useApiHarness, gid, ERRORS } from '../../helpers/api';
import { PLAN_LIMITS } from '../../../src/modules/billing/plans.service';
import { callAsPartner } from '../../helpers/partner';
import { CREATE_USER, CREATE_PROGRAM, SEND, CREATE_DOC, quotaFixtures } from './fixtures';

const api = useApiHarness({ env: { RATE_LIMITS: 'on' } });
const { mutate, sql, count } = api;

const { B, onFreePlan } = quotaFixtures(api);

test('plans.ts mirrors the plan_limits table the database enforces', async () => {
  const rows = await sql(`SELECT * FROM plan_limits ORDER BY tier`);
  expect(
    Object.fromEntries(
      rows.map((r) => [
        r.tier,
        {
          users: Number(r.users),
          programs: Number(r.programs),
          aiInteractionsPerMonth: Number(r.ai_interactions_per_month),
          storageBytes: Number(r.storage_bytes),
          apiRequestsPerMinute: Number(r.api_requests_per_minute),
          costPerMinute: Number(r.cost_per_minute),
          badges: Number(r.badges),
          subscriptions: Number(r.subscriptions),
        },
      ]),
    ),
  ).toEqual(PLAN_LIMITS);
});

test('asCreatorB on the free plan: the 4th live program is QUOTA_EXCEEDED and nothing is written; archiving makes room', async () => {
  await onFreePlan(async () => {
    const live = await count(`programs WHERE creator_id = $1 AND status <> 'archived'`, [B()]);
    // Make exactly the free plan's 3 live programs.
    const ids: string[] = (
      await sql(`SELECT id FROM programs WHERE creator_id = $1 AND status <> 'archived' ORDER BY created_at`, [B()])
    ).map((r) => r.id);
    for (const id of ids.slice(3))
      await sql(`UPDATE programs SET status = 'archived', archived_at = now() WHERE id = $1`, [id]);
    for (let i = Math.min(live, 3); i < 3; i++)
      expect(
        (await mutate('asCreatorB', CREATE_PROGRAM, 'createProgram', { input: { name: `Fill ${i}` } })).__typename,
      ).toBe('CreateProgramSuccess');
    const before = await count('programs');
    const refused = await mutate('asCreatorB', CREATE_PROGRAM, 'createProgram', { input: { name: 'One too many' } });
    expect(refused).toEqual({
      __typename: 'QuotaExceededError',
      code: 'QUOTA_EXCEEDED',
      message: expect.stringMatching(/3 programs/),
      limit: 'programs',
      max: 3,
      used: 4,
    });
    expect(await count('programs')).toBe(before);
    // Archive one, and there is room again.
    const [first] = await sql(`SELECT id FROM programs WHERE creator_id = $1 AND status <> 'archived' LIMIT 1`, [B()]);
    const archived = await mutate(
      'asCreatorB',
      `mutation($id: ID!) { archiveProgram(id: $id) { __typename ${ERRORS} } }`,
      'archiveProgram',
      { id: gid('Program', first!.id) },
    );
    expect(archived.__typename).toBe('ArchiveProgramSuccess');
    expect(
      (await mutate('asCreatorB', CREATE_PROGRAM, 'createProgram', { input: { name: 'Now it fits' } })).__typename,
    ).toBe('CreateProgramSuccess');
    // Un-archiving past the limit is refused by the database too, whoever writes.
    await expect(
      sql(`UPDATE programs SET status = 'draft', archived_at = NULL WHERE id = $1`, [first!.id]),
    ).rejects.toThrow(/QUOTA_EXCEEDED/);
  });
});

test('asCreatorB on the free plan: concurrent sign-ups for the last user slot; exactly one gets it', async () => {
  await onFreePlan(async () => {
    const have = await count(`users WHERE creator_id = $1`, [B()]);
    // Fill to one below the limit straight in the table.
    await sql(
      `INSERT INTO users (creator_id, external_id, channel) SELECT $1, 'fill-' || g, 'web' FROM generate_series(1, $2::int) g`,
      [B(), PLAN_LIMITS.free.users - 1 - have],
    );
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        mutate('asCreatorB', CREATE_USER, 'createUser', { input: { externalId: `race-${i}`, channel: 'WEB' } }),
      ),
    );
    expect(results.filter((r) => r.__typename === 'CreateUserSuccess')).toHaveLength(1);
    expect(results.filter((r) => r.__typename === 'QuotaExceededError').map((r) => r.limit)).toEqual(
      Array(5).fill('users'),
    );
    expect(await count(`users WHERE creator_id = $1`, [B()])).toBe(PLAN_LIMITS.free.users);
    // A partner's upsert meets the same limit.
    const key = (
      await mutate(
        'asCreatorB',
        `mutation { createApiKey(input: { name: "q", scopes: [READ, WRITE] }) { ... on CreateApiKeySuccess { data { secret } } } }`,
        'createApiKey',
        {},
      )
    ).data.secret;
    const upsert = await callAsPartner(api.server.url, key, 'PartnerUpsertUser', {
      input: { channel: 'WEB', externalId: 'partner-extra' },
    });
    expect(upsert.body.data.upsertUserByExternalId.code).toBe('QUOTA_EXCEEDED');
    await sql(`DELETE FROM users WHERE creator_id = $1 AND (external_id LIKE 'fill-%' OR external_id LIKE 'race-%')`, [
      B(),
    ]);
  });
});

test('asCreatorB on the free plan: AI messages per month and storage are limited; creator messages are not', async () => {
  await onFreePlan(async () => {
    const [conversation] = await sql(`SELECT id FROM conversations WHERE creator_id = $1 LIMIT 1`, [B()]);
    const used = await count(
      `messages WHERE creator_id = $1 AND sender_type = 'ai' AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
      [B()],
    );
    await sql(
      `INSERT INTO messages (creator_id, conversation_id, sender_type, content) SELECT $1, $2, 'ai', 'filler' FROM generate_series(1, $3::int)`,
      [B(), conversation!.id, PLAN_LIMITS.free.aiInteractionsPerMonth - used],
    );
    const before = await count('messages');
    const refused = await mutate('asCreatorB', SEND, 'sendMessage', {
      input: { conversationId: gid('Conversation', conversation!.id), content: 'one more answer', senderType: 'AI' },
    });
    expect(refused).toEqual(
      expect.objectContaining({ __typename: 'QuotaExceededError', limit: 'ai_interactions_per_month', max: 1000 }),
    );
    expect(await count('messages')).toBe(before);
    expect(
      (
        await mutate('asCreatorB', SEND, 'sendMessage', {
          input: { conversationId: gid('Conversation', conversation!.id), content: 'the creator may still write' },
        })
      ).__typename,
    ).toBe('SendMessageSuccess');
    await sql(`DELETE FROM messages WHERE creator_id = $1 AND content = 'filler'`, [B()]);

    const [kb] = await sql(`SELECT id FROM knowledge_bases WHERE creator_id = $1 LIMIT 1`, [B()]);
    const docs = await count('documents');
    const big = await mutate('asCreatorB', CREATE_DOC, 'createDocument', {
      input: {
        knowledgeBaseId: gid('KnowledgeBase', kb!.id),
        title: 'Huge',
        fileSizeBytes: String(PLAN_LIMITS.free.storageBytes),
      },
    });
    expect(big).toEqual(expect.objectContaining({ __typename: 'QuotaExceededError', limit: 'storage_bytes' }));
    expect(await count('documents')).toBe(docs);
  });
});

test("creator A (pro plan) is not limited by creator B's plan", async () => {
  await onFreePlan(async () => {
    expect(
      (await mutate('asCreatorA', CREATE_PROGRAM, 'createProgram', { input: { name: 'Pro room' } })).__typename,
    ).toBe('CreateProgramSuccess');
  });
});
test('asCreatorA over its limits after a downgrade can still work with what it has: enroll, rename, erase; only growth is refused', async () => {
  const [live] = await sql(
    `SELECT id, tier FROM subscriptions WHERE creator_id = $1 AND status IN ('active','trialing','past_due')`,
    [api.tenants.creatorA],
  );
  await sql(`UPDATE subscriptions SET tier = 'free' WHERE id = $1`, [live!.id]);
  try {
    expect(
      await count(`programs WHERE creator_id = $1 AND status <> 'archived'`, [api.tenants.creatorA]),
    ).toBeGreaterThan(PLAN_LIMITS.free.programs);
    const [program] = await sql(`SELECT id FROM programs WHERE creator_id = $1 AND status = 'published' LIMIT 1`, [
      api.tenants.creatorA,
    ]);
    const [user] = await sql(
      `SELECT u.id FROM users u WHERE u.creator_id = $1 AND NOT EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = u.id AND e.program_id = $2) LIMIT 1`,
      [api.tenants.creatorA, program!.id],
    );
    const enrolled = await mutate(
      'asCreatorA',
      `mutation($p: ID!, $u: ID!) { enrollUser(programId: $p, userId: $u) { __typename ${ERRORS} } }`,
      'enrollUser',
      { p: gid('Program', program!.id), u: gid('User', user!.id) },
    );
    expect(enrolled.__typename).toBe('EnrollUserSuccess');
    const renamed = await mutate(
      'asCreatorA',
      `mutation($id: ID!) { updateProgram(id: $id, input: { name: "Renamed while over" }) { __typename ${ERRORS} } }`,
      'updateProgram',
      { id: gid('Program', program!.id) },
    );
    expect(renamed.__typename).toBe('UpdateProgramSuccess');
    const erased = await mutate(
      'asCreatorA',
      `mutation($id: ID!) { eraseUser(userId: $id) { __typename ${ERRORS} } }`,
      'eraseUser',
      { id: gid('User', user!.id) },
    );
    expect(erased.__typename).toBe('EraseUserSuccess');
    // Growth is still refused.
    expect((await mutate('asCreatorA', CREATE_PROGRAM, 'createProgram', { input: { name: 'Over' } })).__typename).toBe(
      'QuotaExceededError',
    );
  } finally {
    await sql(`UPDATE subscriptions SET tier = $2 WHERE id = $1`, [live!.id, live!.tier]);
  }
});
