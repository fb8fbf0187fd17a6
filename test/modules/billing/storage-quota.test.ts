// The storage quota over the real server: it counts every stored byte (chunks included), not what
// the client declares, and refuses growth past the plan's limit.
import { useApiHarness, gid, uuidOf, ERRORS, type Json } from '../../helpers/api';
import { PLAN_LIMITS } from '../../../src/modules/billing/plans.service';
import { CREATE_DOC, quotaFixtures } from './fixtures';

const api = useApiHarness({ env: { RATE_LIMITS: 'on' } });
const { mutate, sql, one, count, snapshot } = api;

const { B, onFreePlan } = quotaFixtures(api);

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
