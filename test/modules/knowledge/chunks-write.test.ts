// addDocumentChunks / deleteDocumentChunk over the real server: the answer, what is really stored,
// and the trigger-maintained chunkCount.
import { useApiHarness, gid, uuidOf, expectValidation, expectNotFound, expectConflict } from '../../helpers/api';
import { GHOST, ADD_CHUNKS, DELETE_CHUNK, knowledgeFixtures, knowledgeRows, type Seeded } from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, count } = api;
const { mutate } = api.withTokens;

const { kbRow, docRow, knowledgeState, newDoc } = knowledgeFixtures(api);
let A: Seeded;
beforeAll(async () => ({ A } = await knowledgeRows(api)));

describe('addDocumentChunks / deleteDocumentChunk', () => {
  test('asCreatorA: stores every chunk; chunkCount goes up by their number; the parent documentCount does not change', async () => {
    const kbId = A.kbs.get('Running FAQ')!;
    const doc = await newDoc(asCreatorA(), gid('KnowledgeBase', kbId), 'Chunked');
    const kbCount = (await kbRow(kbId))!.document_count;
    const result = await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
      documentId: doc,
      chunks: [
        { chunkIndex: 1, content: 'Second part.', tokenCount: 2, embeddingId: 'vec_2' },
        { chunkIndex: 0, content: 'First part.', tokenCount: 2, metadata: { page: 1 } },
        { chunkIndex: 2, content: 'Third part.' },
      ],
    });
    expect(result.__typename).toBe('AddDocumentChunksSuccess');
    expect(result.data.chunkCount).toBe(3);
    expect(result.data.chunks.totalCount).toBe(3);
    expect(
      result.data.chunks.nodes.map((c: any) => [c.chunkIndex, c.content, c.tokenCount, c.embeddingId, c.metadata]),
    ).toEqual([
      [0, 'First part.', 2, null, { page: 1 }],
      [1, 'Second part.', 2, 'vec_2', {}],
      [2, 'Third part.', 0, null, {}],
    ]);
    expect((await docRow(uuidOf(doc)))!.chunk_count).toBe(3);
    expect(
      await count(`document_chunks WHERE document_id = $1 AND creator_id = $2`, [uuidOf(doc), api.tenants.creatorA]),
    ).toBe(3);
    expect((await kbRow(kbId))!.document_count).toBe(kbCount);

    // More chunks later add to the count.
    const more = await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
      documentId: doc,
      chunks: [{ chunkIndex: 3, content: 'Fourth.' }],
    });
    expect(more.data.chunkCount).toBe(4);

    // Deleting one chunk lowers it; deleting it again is a NotFoundError.
    const chunkId = result.data.chunks.nodes[0].id;
    expect(await mutate(asCreatorA(), DELETE_CHUNK, 'deleteDocumentChunk', { id: chunkId })).toEqual({
      __typename: 'DeleteDocumentChunkSuccess',
      data: chunkId,
    });
    expect((await docRow(uuidOf(doc)))!.chunk_count).toBe(3);
    expectNotFound(await mutate(asCreatorA(), DELETE_CHUNK, 'deleteDocumentChunk', { id: chunkId }));
  });

  test('asCreatorA: a chunk index already used (in the batch or stored) is a ConflictError and none of the batch is stored', async () => {
    const doc = await newDoc(asCreatorA(), gid('KnowledgeBase', A.kbs.get('Running FAQ')!), 'Conflicting chunks');
    await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
      documentId: doc,
      chunks: [{ chunkIndex: 0, content: 'zero' }],
    });
    const before = await knowledgeState();
    expectConflict(
      await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
        documentId: doc,
        chunks: [
          { chunkIndex: 1, content: 'one' },
          { chunkIndex: 0, content: 'zero again' },
        ],
      }),
    );
    expectConflict(
      await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
        documentId: doc,
        chunks: [
          { chunkIndex: 5, content: 'five' },
          { chunkIndex: 5, content: 'five again' },
        ],
      }),
    );
    expect(await knowledgeState()).toEqual(before);
    expect((await docRow(uuidOf(doc)))!.chunk_count).toBe(1);
  });

  test('asCreatorA: invalid chunks are a ValidationError naming each bad chunk field; none stored', async () => {
    const doc = gid('Document', A.docs.get('Shin splints')!);
    const before = await knowledgeState();
    expectValidation(await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', { documentId: doc, chunks: [] }), [
      'chunks',
    ]);
    expectValidation(
      await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
        documentId: doc,
        chunks: [
          { chunkIndex: 50, content: 'fine' },
          { chunkIndex: -1, content: '  ', tokenCount: -3 },
        ],
      }),
      ['chunks.1.chunkIndex', 'chunks.1.content', 'chunks.1.tokenCount'],
    );
    expectValidation(
      await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
        documentId: 'nope',
        chunks: [{ chunkIndex: 50, content: 'fine' }],
      }),
      ['documentId'],
    );
    expect(await knowledgeState()).toEqual(before);
  });

  test('asCreatorA: chunks for a document that does not exist are a NotFoundError; none stored', async () => {
    const before = await count(`document_chunks`);
    expectNotFound(
      await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
        documentId: gid('Document', GHOST),
        chunks: [{ chunkIndex: 0, content: 'lost' }],
      }),
    );
    expect(await count(`document_chunks`)).toBe(before);
  });
});
