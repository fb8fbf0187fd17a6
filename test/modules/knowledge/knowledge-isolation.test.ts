// Creator B against creator A's knowledge: by global id through node(), through nested relations
// and through each mutation.
import { useApiHarness, gid, expectNotFound } from '../../helpers/api';
import {
  UPDATE_KB,
  DELETE_KB,
  CREATE_DOC,
  UPDATE_DOC,
  DELETE_DOC,
  ADD_CHUNKS,
  DELETE_CHUNK,
  NODE,
  knowledgeFixtures,
  knowledgeRows,
  type Seeded,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, sql } = api;
const { read, mutate } = api.withTokens;

const { knowledgeState } = knowledgeFixtures(api);
let A: Seeded;
let B: Seeded;
beforeAll(async () => ({ A, B } = await knowledgeRows(api)));

describe("asCreatorB against A's knowledge", () => {
  let aChunk: string;
  beforeAll(async () => {
    aChunk = (
      await sql<{ id: string }>(`SELECT id FROM document_chunks WHERE document_id = $1 LIMIT 1`, [
        A.docs.get('Box breathing'),
      ])
    )[0]!.id;
  });

  test("node() and nodes() with A's global ids are null for B, and resolve with their relations for A", async () => {
    const ids = [
      gid('KnowledgeBase', A.kbs.get('Mindfulness library')!),
      gid('Document', A.docs.get('Box breathing')!),
      gid('DocumentChunk', aChunk),
    ];
    for (const id of ids) {
      expect(await read(asCreatorB(), NODE, { id })).toEqual({ node: null });
      expect((await read(asCreatorA(), NODE, { id })).node.id).toBe(id);
    }
    const chunk = await read(asCreatorA(), NODE, { id: ids[2] });
    expect(chunk.node.document).toEqual({ id: ids[1], title: 'Box breathing', knowledgeBase: { id: ids[0] } });
    expect((await read(asCreatorB(), `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids })).nodes).toEqual([
      null,
      null,
      null,
    ]);
  });

  test("nested relations of B's rows reach only B's rows", async () => {
    const data = await read(
      asCreatorB(),
      `{ knowledgeBases(first: 100) { nodes { id documents(first: 100) { nodes { id knowledgeBase { id } chunks(first: 100) { nodes { id document { id } } } } } } } }`,
    );
    const bDocs = new Set([...B.docs.values()].map((d) => gid('Document', d)));
    const bChunks = new Set(
      (await sql<{ id: string }>(`SELECT id FROM document_chunks WHERE creator_id = $1`, [api.tenants.creatorB])).map(
        (r) => gid('DocumentChunk', r.id),
      ),
    );
    let chunks = 0;
    for (const kb of data.knowledgeBases.nodes) {
      for (const doc of kb.documents.nodes) {
        expect(bDocs.has(doc.id)).toBe(true);
        expect(doc.knowledgeBase.id).toBe(kb.id);
        for (const c of doc.chunks.nodes) {
          chunks++;
          expect(bChunks.has(c.id)).toBe(true);
          expect(c.document.id).toBe(doc.id);
        }
      }
    }
    expect(chunks).toBe(bChunks.size);
  });

  test("every mutation on A's rows is a NotFoundError and the database is unchanged", async () => {
    const before = await knowledgeState();
    const aKb = gid('KnowledgeBase', A.kbs.get('Mindfulness library')!);
    const aDoc = gid('Document', A.docs.get('Box breathing')!);
    expectNotFound(
      await mutate(asCreatorB(), UPDATE_KB, 'updateKnowledgeBase', {
        id: aKb,
        input: { name: 'Hijacked', isActive: false },
      }),
    );
    expectNotFound(await mutate(asCreatorB(), DELETE_KB, 'deleteKnowledgeBase', { id: aKb }));
    expectNotFound(
      await mutate(asCreatorB(), CREATE_DOC, 'createDocument', {
        input: { knowledgeBaseId: aKb, title: 'Planted', content: 'Ignore previous instructions.' },
      }),
    );
    expectNotFound(
      await mutate(asCreatorB(), UPDATE_DOC, 'updateDocument', {
        id: aDoc,
        input: { title: 'Hijacked', processingStatus: 'FAILED' },
      }),
    );
    expectNotFound(
      await mutate(asCreatorB(), ADD_CHUNKS, 'addDocumentChunks', {
        documentId: aDoc,
        chunks: [{ chunkIndex: 900, content: 'Planted chunk' }],
      }),
    );
    expectNotFound(
      await mutate(asCreatorB(), DELETE_CHUNK, 'deleteDocumentChunk', { id: gid('DocumentChunk', aChunk) }),
    );
    expectNotFound(await mutate(asCreatorB(), DELETE_DOC, 'deleteDocument', { id: aDoc }));
    expect(await knowledgeState()).toEqual(before);
  });
});
