// Plan quotas over the real server and database: crossing a hard limit in a mutation is
// QUOTA_EXCEEDED naming the limit, and writes nothing; the limits hold for concurrent writers
// and for any writer; plans.ts agrees with plan_limits; usage_tracking is kept daily and
// idempotently.
import { useApiHarness, gid, uuidOf, ERRORS, type Json } from '../../helpers/api';
import { PLAN_LIMITS } from '../../../src/modules/billing/plans.service';
import { snapshotUsage } from '../../../src/jobs/usage';
import { connect } from '../../helpers/fixtures';
import { callAsPartner } from '../../helpers/partner';

const api = useApiHarness({ env: { RATE_LIMITS: 'on' } });
const { mutate, sql, one, count, snapshot } = api;

const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ... on CreateUserSuccess { data { id } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
const CREATE_PROGRAM = `mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename ... on CreateProgramSuccess { data { id } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
const CREATE_DOC = `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { __typename ... on QuotaExceededError { limit max used } ${ERRORS} } }`;

const B = () => api.tenants.creatorB;
/** Creator B on the free plan for the duration of a test. */
async function onFreePlan<T>(fn: () => Promise<T>): Promise<T> {
  const [live] = await sql(
    `SELECT id, tier FROM subscriptions WHERE creator_id = $1 AND status IN ('active','trialing','past_due')`,
    [B()],
  );
  await sql(`UPDATE subscriptions SET tier = 'free' WHERE id = $1`, [live!.id]);
  try {
    return await fn();
  } finally {
    await sql(`UPDATE subscriptions SET tier = $2 WHERE id = $1`, [live!.id, live!.tier]);
  }
}

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

test("usage_tracking: the daily snapshot counts each creator's usage, and a second run writes nothing", async () => {
  const owner = await connect(api.db.ownerUrl);
  try {
    const today = new Date().toISOString().slice(0, 10);
    const first = await snapshotUsage(owner, today);
    expect(first.written).toBeGreaterThan(0);
    expect((await snapshotUsage(owner, today)).written).toBe(0);
    const rows = await sql(
      `SELECT usage_type, quantity FROM usage_tracking WHERE creator_id = $1 AND date = $2::date`,
      [api.tenants.creatorA, today],
    );
    const byType = Object.fromEntries(rows.map((r) => [r.usage_type, Number(r.quantity)]));
    expect(byType.users).toBe(await count(`users WHERE creator_id = $1`, [api.tenants.creatorA]));
    expect(byType.programs).toBe(
      await count(`programs WHERE creator_id = $1 AND archived_at IS NULL`, [api.tenants.creatorA]),
    );
    expect(byType.messages).toBe(
      await count(`messages WHERE creator_id = $1 AND created_at >= $2::date`, [api.tenants.creatorA, today]),
    );
    // A change is picked up by the next run, and only that row is written.
    await sql(`INSERT INTO users (creator_id, external_id, channel) VALUES ($1, 'usage-new', 'web')`, [
      api.tenants.creatorA,
    ]);
    expect((await snapshotUsage(owner, today)).written).toBe(1);
    expect(
      Number(
        (await one(
          `SELECT quantity FROM usage_tracking WHERE creator_id = $1 AND date = $2::date AND usage_type = 'users'`,
          [api.tenants.creatorA, today],
        ))!.quantity,
      ),
    ).toBe(byType.users! + 1);
    // The creator reads it through the API; creator B sees only B's.
    const mine = await api.query('asCreatorB', `{ usage(first: 100) { nodes { id usageType quantity date } } }`);
    expect(mine.usage.nodes.length).toBeGreaterThan(0);
    const ids = mine.usage.nodes.map((n: Json) => Buffer.from(n.id, 'base64').toString().split(':')[1]);
    expect(await sql(`SELECT DISTINCT creator_id FROM usage_tracking WHERE id = ANY($1::uuid[])`, [ids])).toEqual([
      { creator_id: B() },
    ]);
  } finally {
    await owner.end();
  }
});

test("API requests per minute: past the plan's rate a tenant gets 429 RATE_LIMITED with Retry-After, and other tenants do not", async () => {
  // A new creator on the free plan, whose rate is lowered for this test's database.
  await sql(`UPDATE plan_limits SET api_requests_per_minute = 5 WHERE tier = 'free'`);
  try {
    const signUp = await api.server.gql(
      `mutation { signUp(input: { email: "rate@example.com", password: "correct horse battery staple" }) { ... on AuthPayload { accessToken } } }`,
    );
    const token = (signUp.body.data as Json).signUp.accessToken as string;
    const statuses: number[] = [];
    let refused: Json | undefined;
    for (let i = 0; i < 7; i++) {
      const r = await api.server.gql(`{ me { email } }`, {}, { token });
      statuses.push(r.status);
      if (r.status === 429) refused = { body: r.body, retryAfter: r.headers.get('retry-after') };
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(refused!.body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(Number(refused!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused!.body.data ?? null).toBeNull();
    // Creator A's requests are counted apart.
    expect((await api.server.gql(`{ me { email } }`, {}, { token: api.asCreatorA() })).status).toBe(200);
  } finally {
    await sql(`UPDATE plan_limits SET api_requests_per_minute = 1000 WHERE tier = 'free'`);
  }
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

test('storage counts what is stored, not what the client declares', async () => {
  await onFreePlan(async () => {
    const [kb] = await sql(`SELECT id FROM knowledge_bases WHERE creator_id = $1 LIMIT 1`, [B()]);
    const content = 'x'.repeat(200_000);
    const made = await mutate(
      'asCreatorB',
      CREATE_DOC.replace('__typename', '__typename ... on CreateDocumentSuccess { data { id fileSizeBytes } }'),
      'createDocument',
      {
        input: { knowledgeBaseId: gid('KnowledgeBase', kb!.id), title: 'Declared small', content, fileSizeBytes: '0' },
      },
    );
    expect(made.__typename).toBe('CreateDocumentSuccess');
    expect(Number(made.data.fileSizeBytes)).toBe(200_000);
    const stored = await one(`SELECT sum(file_size_bytes)::bigint AS total FROM documents WHERE creator_id = $1`, [
      B(),
    ]);
    expect(Number(stored!.total)).toBeGreaterThanOrEqual(200_000);
  });
});

test('operations over a WebSocket count against the same per-minute rate as HTTP', async () => {
  const { createClient } = await import('graphql-ws');
  const { default: WebSocket } = await import('ws');
  await sql(`UPDATE plan_limits SET api_requests_per_minute = 3 WHERE tier = 'free'`);
  try {
    const signUp = await api.server.gql(
      `mutation { signUp(input: { email: "ws-rate@example.com", password: "correct horse battery staple" }) { ... on AuthPayload { accessToken } } }`,
    );
    const token = (signUp.body.data as Json).signUp.accessToken as string;
    for (let i = 0; i < 3; i++) expect((await api.server.gql(`{ me { email } }`, {}, { token })).status).toBe(200);
    const client = createClient({
      url: api.server.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    try {
      const outcome = await new Promise<Json>((resolve) => {
        client.subscribe(
          { query: `mutation { updateMe(input: { firstName: "Sneaky" }) { __typename } }` },
          { next: (v) => resolve({ next: v }), error: (e) => resolve({ error: e }), complete: () => undefined },
        );
      });
      expect(JSON.stringify(outcome)).toContain('RATE_LIMITED');
    } finally {
      await client.dispose();
    }
    expect(await one(`SELECT first_name FROM creators WHERE email = 'ws-rate@example.com'`)).toEqual({
      first_name: null,
    });
  } finally {
    await sql(`UPDATE plan_limits SET api_requests_per_minute = 1000 WHERE tier = 'free'`);
  }
});

describe('storage counts every stored byte, chunks included', () => {
  const DOC = `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { __typename ... on CreateDocumentSuccess { data { id storedBytes } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
  const CHUNKS = `mutation($documentId: ID!, $chunks: [DocumentChunkInput!]!) { addDocumentChunks(documentId: $documentId, chunks: $chunks) {
    __typename ... on AddDocumentChunksSuccess { data { chunkCount storedBytes } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
  const chunks = (from: number, n: number, bytes: number) =>
    Array.from({ length: n }, (_, i) => ({
      chunkIndex: from + i,
      content: 'c'.repeat(bytes),
      embeddingId: `emb-${from + i}`,
      metadata: { page: from + i },
    }));
  // What one chunk counts: its content, its metadata's JSON text (as jsonb prints it) and its embedding id.
  const chunkBytes = (c: { content: string; embeddingId: string; metadata: Json }) =>
    Buffer.byteLength(c.content) +
    Buffer.byteLength(JSON.stringify(c.metadata).replace(/":/g, '": ')) +
    c.embeddingId.length;
  const storedOf = async (creator: string) =>
    Number(
      (await one(`SELECT coalesce(sum(stored_bytes), 0)::bigint AS n FROM documents WHERE creator_id = $1`, [creator]))!
        .n,
    );
  const kbOf = async (creator: string) =>
    gid('KnowledgeBase', (await one(`SELECT id FROM knowledge_bases WHERE creator_id = $1 LIMIT 1`, [creator]))!.id);

  test("asCreatorA: a document counts its own bytes and its chunks'; deleting a chunk gives them back; planUsage reports the same figure", async () => {
    const made = await mutate('asCreatorA', DOC, 'createDocument', {
      input: {
        knowledgeBaseId: await kbOf(api.tenants.creatorA),
        title: 'Counted',
        content: 'd'.repeat(1000),
        metadata: { lang: 'en' },
      },
    });
    const own = Number(made.data.storedBytes);
    expect(own).toBe(1000 + 'Counted'.length + Buffer.byteLength('{"lang": "en"}'));
    const batch = chunks(0, 5, 10_000);
    const added = await mutate('asCreatorA', CHUNKS, 'addDocumentChunks', { documentId: made.data.id, chunks: batch });
    expect(added.data).toEqual({
      chunkCount: 5,
      storedBytes: String(own + batch.reduce((n, c) => n + chunkBytes(c), 0)),
    });
    const chunk = (await one(`SELECT id FROM document_chunks WHERE document_id = $1 AND chunk_index = 0`, [
      uuidOf(made.data.id),
    ]))!.id;
    await mutate(
      'asCreatorA',
      `mutation($id: ID!) { deleteDocumentChunk(id: $id) { __typename } }`,
      'deleteDocumentChunk',
      { id: gid('DocumentChunk', chunk) },
    );
    expect(
      Number((await one(`SELECT stored_bytes FROM documents WHERE id = $1`, [uuidOf(made.data.id)]))!.stored_bytes),
    ).toBe(own + batch.slice(1).reduce((n, c) => n + chunkBytes(c), 0));
    // A chunk edited by any writer moves the count too.
    await sql(
      `UPDATE document_chunks SET content = content || repeat('+', 500) WHERE document_id = $1 AND chunk_index = 1`,
      [uuidOf(made.data.id)],
    );
    expect(
      Number((await one(`SELECT stored_bytes FROM documents WHERE id = $1`, [uuidOf(made.data.id)]))!.stored_bytes),
    ).toBe(own + 500 + batch.slice(1).reduce((n, c) => n + chunkBytes(c), 0));
    const usage = (await api.query('asCreatorA', `{ planUsage { lines { resource used } } }`)).planUsage.lines.find(
      (l: Json) => l.resource === 'storageBytes',
    );
    expect(usage.used).toBe(String(await storedOf(api.tenants.creatorA)));
    // The counter agrees with a recount of every document.
    expect(
      await sql(
        `SELECT d.id FROM documents d WHERE d.stored_bytes <> app.document_own_bytes(d) + coalesce((SELECT sum(app.chunk_bytes(c)) FROM document_chunks c WHERE c.document_id = d.id), 0)`,
      ),
    ).toEqual([]);
  });

  test('asCreatorB on the free plan: chunks past the storage quota are QUOTA_EXCEEDED and nothing is written; creator A is not limited', async () => {
    await onFreePlan(async () => {
      const kb = await kbOf(B());
      // Fill B's storage to 30,000 bytes below its plan with one declared file.
      const title = 'Filler';
      const declared = PLAN_LIMITS.free.storageBytes - (await storedOf(B())) - 30_000 - title.length - 2;
      const filler = await mutate('asCreatorB', DOC, 'createDocument', {
        input: { knowledgeBaseId: kb, title, fileSizeBytes: String(declared) },
      });
      expect(filler.__typename).toBe('CreateDocumentSuccess');
      expect(await storedOf(B())).toBe(PLAN_LIMITS.free.storageBytes - 30_000);
      const doc = await mutate('asCreatorB', DOC, 'createDocument', {
        input: { knowledgeBaseId: kb, title: 'Chunked' },
      });
      const tables = {
        chunks: 'document_chunks',
        documents: `documents WHERE creator_id = '${B()}'`,
        audit: 'audit_log',
      };
      const before = await snapshot(tables);
      // 5 x 10,000 bytes do not fit in what is left: refused, all of them, naming the limit.
      const refused = await mutate('asCreatorB', CHUNKS, 'addDocumentChunks', {
        documentId: doc.data.id,
        chunks: chunks(0, 5, 10_000),
      });
      expect(refused).toEqual(
        expect.objectContaining({
          __typename: 'QuotaExceededError',
          code: 'QUOTA_EXCEEDED',
          limit: 'storage_bytes',
          max: PLAN_LIMITS.free.storageBytes,
        }),
      );
      expect(refused.used).toBeGreaterThan(PLAN_LIMITS.free.storageBytes);
      expect(await snapshot(tables)).toEqual(before);
      // Two of them fit: four concurrent writers of one chunk each, exactly two get in.
      const raced = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          mutate('asCreatorB', CHUNKS, 'addDocumentChunks', { documentId: doc.data.id, chunks: chunks(i, 1, 10_000) }),
        ),
      );
      expect(raced.map((r) => r.__typename).sort()).toEqual([
        'AddDocumentChunksSuccess',
        'AddDocumentChunksSuccess',
        'QuotaExceededError',
        'QuotaExceededError',
      ]);
      expect(await count(`document_chunks WHERE document_id = $1`, [uuidOf(doc.data.id)])).toBe(2);
      expect(await storedOf(B())).toBeLessThanOrEqual(PLAN_LIMITS.free.storageBytes);
      // After QUOTA_EXCEEDED, more chunks keep being refused, and change nothing.
      const full = await snapshot(tables);
      for (let i = 4; i < 7; i++)
        expect(
          (
            await mutate('asCreatorB', CHUNKS, 'addDocumentChunks', {
              documentId: doc.data.id,
              chunks: chunks(i, 1, 10_000),
            })
          ).code,
        ).toBe('QUOTA_EXCEEDED');
      expect(await snapshot(tables)).toEqual(full);
      // Whoever writes: growing a chunk in place past the plan is refused by the database.
      await expect(
        sql(
          `UPDATE document_chunks SET content = repeat('z', 20000) WHERE document_id = $1 AND chunk_index = (SELECT min(chunk_index) FROM document_chunks WHERE document_id = $1)`,
          [uuidOf(doc.data.id)],
        ),
      ).rejects.toThrow(/QUOTA_EXCEEDED/);
      // Creator A (pro) is untouched by B's full storage.
      const a = await mutate('asCreatorA', DOC, 'createDocument', {
        input: { knowledgeBaseId: await kbOf(api.tenants.creatorA), title: 'A goes on' },
      });
      expect(
        (
          await mutate('asCreatorA', CHUNKS, 'addDocumentChunks', {
            documentId: a.data.id,
            chunks: chunks(0, 5, 10_000),
          })
        ).__typename,
      ).toBe('AddDocumentChunksSuccess');
      // Deleting the filler makes room again.
      await mutate('asCreatorB', `mutation($id: ID!) { deleteDocument(id: $id) { __typename } }`, 'deleteDocument', {
        id: filler.data.id,
      });
      expect(
        (
          await mutate('asCreatorB', CHUNKS, 'addDocumentChunks', {
            documentId: doc.data.id,
            chunks: chunks(10, 3, 10_000),
          })
        ).data.chunkCount,
      ).toBe(5);
    });
  });
});
