// Reading knowledge over the real server: knowledge bases and documents (by processing status), with
// the trigger-maintained documentCount, as each actor.
import { useApiHarness, gid, uuidOf } from '../../helpers/api';
import { KNOWLEDGE_BASES, DOCUMENTS, knowledgeRows, type Seeded } from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count } = api;
const { read } = api.withTokens;

let A: Seeded;
let B: Seeded;
beforeAll(async () => ({ A, B } = await knowledgeRows(api)));

describe('knowledgeBases and documents', () => {
  test("asCreatorA: lists exactly A's knowledge bases, oldest first, with documentCount equal to a recount", async () => {
    const data = await read(asCreatorA(), KNOWLEDGE_BASES, { first: 100 });
    const expected = await sql<{ id: string; name: string; n: number }>(
      `SELECT k.id, k.name, (SELECT count(*)::int FROM documents d WHERE d.knowledge_base_id = k.id) AS n FROM knowledge_bases k WHERE k.creator_id = $1 ORDER BY k.created_at, k.id`,
      [api.tenants.creatorA],
    );
    expect(data.knowledgeBases.totalCount).toBe(expected.length);
    expect(
      data.knowledgeBases.edges.map((e: any) => ({
        id: e.node.id,
        name: e.node.name,
        documentCount: e.node.documentCount,
        listed: e.node.documents.totalCount,
      })),
    ).toEqual(expected.map((r) => ({ id: gid('KnowledgeBase', r.id), name: r.name, documentCount: r.n, listed: r.n })));
    const library = data.knowledgeBases.edges.find((e: any) => e.node.name === 'Mindfulness library').node;
    expect(library).toEqual(
      expect.objectContaining({
        description: 'Guides the assistant answers from.',
        settings: { chunkSize: 400 },
        isActive: true,
        documentCount: 2,
      }),
    );
  });

  test('asCreatorA: KnowledgeBase.documents filters by processingStatus', async () => {
    const processing = await read(asCreatorA(), KNOWLEDGE_BASES, { first: 100, status: 'PROCESSING' });
    const all = processing.knowledgeBases.edges.flatMap((e: any) => e.node.documents.nodes);
    expect(all.map((d: any) => uuidOf(d.id)).sort()).toEqual(
      (
        await sql<{ id: string }>(
          `SELECT id FROM documents WHERE creator_id = $1 AND processing_status = 'processing'`,
          [api.tenants.creatorA],
        )
      )
        .map((r) => r.id)
        .sort(),
    );
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((d: any) => d.processingStatus === 'PROCESSING')).toBe(true);
  });

  test('asCreatorA: documents by processingStatus and by knowledge base, with their fields', async () => {
    for (const [status, stored] of [
      ['COMPLETED', 'completed'],
      ['PROCESSING', 'processing'],
      ['FAILED', 'failed'],
    ] as const) {
      const data = await read(asCreatorA(), DOCUMENTS, { filter: { processingStatus: status }, first: 100 });
      const expected = await sql<{ id: string }>(
        `SELECT id FROM documents WHERE creator_id = $1 AND processing_status = $2 ORDER BY created_at DESC, id`,
        [api.tenants.creatorA, stored],
      );
      expect(data.documents.totalCount).toBe(expected.length);
      expect(data.documents.nodes.map((n: any) => n.id)).toEqual(expected.map((r) => gid('Document', r.id)));
      expect(data.documents.nodes.every((n: any) => n.processingStatus === status)).toBe(true);
    }
    const kbId = A.kbs.get('Running FAQ')!;
    const byKb = await read(asCreatorA(), DOCUMENTS, { filter: { knowledgeBaseId: gid('KnowledgeBase', kbId) } });
    expect(byKb.documents.totalCount).toBe(1);
    const doc = byKb.documents.nodes[0];
    const body = 'Slow down, shorten your stride, and rest a day between runs. See a physiotherapist if pain persists.';
    expect(doc).toEqual(
      expect.objectContaining({
        id: gid('Document', A.docs.get('Shin splints')!),
        title: 'Shin splints',
        sourceType: 'TEXT',
        sourceUrl: null,
        mimeType: 'text/plain',
        fileSizeBytes: String(Buffer.byteLength(body)),
        content: body,
        processingStatus: 'COMPLETED',
        embeddingStatus: 'COMPLETED',
        chunkCount: await count(`document_chunks WHERE document_id = $1`, [A.docs.get('Shin splints')]),
        knowledgeBase: { id: gid('KnowledgeBase', kbId), documentCount: 1 },
      }),
    );
  });

  test("asCreatorB: lists only B's knowledge bases and documents; filtering by A's knowledge base finds nothing", async () => {
    const kbs = await read(asCreatorB(), KNOWLEDGE_BASES, { first: 100 });
    expect(kbs.knowledgeBases.edges.map((e: any) => uuidOf(e.node.id)).sort()).toEqual([...B.kbs.values()].sort());
    expect(kbs.knowledgeBases.totalCount).toBe(B.kbs.size);
    const docs = await read(asCreatorB(), DOCUMENTS, { first: 100 });
    expect(docs.documents.nodes.map((n: any) => uuidOf(n.id)).sort()).toEqual([...B.docs.values()].sort());
    expect(docs.documents.totalCount).toBe(B.docs.size);
    const byAKb = await read(asCreatorB(), DOCUMENTS, {
      filter: { knowledgeBaseId: gid('KnowledgeBase', A.kbs.get('Mindfulness library')!) },
    });
    expect(byAKb.documents).toEqual({ totalCount: 0, nodes: [] });
  });

  test('asAnonymous: knowledgeBases and documents are UNAUTHENTICATED', async () => {
    await expectUnauthenticated(KNOWLEDGE_BASES);
    await expectUnauthenticated(DOCUMENTS);
  });

  test('asAnonymous: asking only for totalCount is UNAUTHENTICATED too, not a count of 0', async () => {
    await expectUnauthenticated(`{ knowledgeBases { totalCount } }`);
    await expectUnauthenticated(`{ documents { totalCount } }`);
  });
});
