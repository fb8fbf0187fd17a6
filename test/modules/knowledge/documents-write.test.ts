// createDocument / updateDocument / deleteDocument over the real server: the answer, what is really
// stored, and the trigger-maintained documentCount.
import { useApiHarness, gid, uuidOf, expectValidation, expectNotFound } from '../../helpers/api';
import {
  GHOST,
  DOCUMENTS,
  CREATE_DOC,
  UPDATE_DOC,
  DELETE_DOC,
  ADD_CHUNKS,
  knowledgeFixtures,
  knowledgeRows,
  type Seeded,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, expectUnauthenticated, count } = api;
const { read, mutate } = api.withTokens;

const { kbRow, docRow, knowledgeState, newDoc } = knowledgeFixtures(api);
let A: Seeded;
beforeAll(async () => ({ A } = await knowledgeRows(api)));

describe('createDocument / updateDocument / deleteDocument', () => {
  test('asCreatorA: creates a PENDING document, sized from its content; documentCount goes up by one', async () => {
    const kbId = A.kbs.get('Running FAQ')!;
    const before = (await kbRow(kbId))!.document_count as number;
    const content = 'Warm up for five minutes. Then run — gently.';
    const result = await mutate(asCreatorA(), CREATE_DOC, 'createDocument', {
      input: {
        knowledgeBaseId: gid('KnowledgeBase', kbId),
        title: ' Warming up ',
        content,
        metadata: { author: 'Ada' },
      },
    });
    expect(result.__typename).toBe('CreateDocumentSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        title: 'Warming up',
        sourceType: 'TEXT',
        content,
        fileSizeBytes: String(Buffer.byteLength(content)),
        processingStatus: 'PENDING',
        embeddingStatus: 'PENDING',
        chunkCount: 0,
        metadata: { author: 'Ada' },
        knowledgeBase: { id: gid('KnowledgeBase', kbId), documentCount: before + 1 },
      }),
    );
    expect(await docRow(uuidOf(result.data.id))).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        knowledge_base_id: kbId,
        title: 'Warming up',
        source_type: 'text',
        processing_status: 'pending',
        file_size_bytes: String(Buffer.byteLength(content)),
      }),
    );
    expect((await kbRow(kbId))!.document_count).toBe(before + 1);
  });

  test('asCreatorA: a URL document keeps its sourceUrl', async () => {
    const result = await mutate(asCreatorA(), CREATE_DOC, 'createDocument', {
      input: {
        knowledgeBaseId: gid('KnowledgeBase', A.kbs.get('Running FAQ')!),
        title: 'NHS running guide',
        sourceType: 'URL',
        sourceUrl: 'https://www.nhs.uk/running',
      },
    });
    expect(result.__typename).toBe('CreateDocumentSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        sourceType: 'URL',
        sourceUrl: 'https://www.nhs.uk/running',
        content: null,
        fileSizeBytes: '0',
      }),
    );
    expect(await docRow(uuidOf(result.data.id))).toEqual(
      expect.objectContaining({ source_type: 'url', source_url: 'https://www.nhs.uk/running' }),
    );
  });

  test('asCreatorA: sourceType URL without sourceUrl is a ValidationError naming input.sourceUrl; nothing written', async () => {
    const kbId = A.kbs.get('Running FAQ')!;
    const before = await knowledgeState();
    const result = await mutate(asCreatorA(), CREATE_DOC, 'createDocument', {
      input: { knowledgeBaseId: gid('KnowledgeBase', kbId), title: 'Somewhere online', sourceType: 'URL' },
    });
    expectValidation(result, ['input.sourceUrl']);
    const notUrl = await mutate(asCreatorA(), CREATE_DOC, 'createDocument', {
      input: {
        knowledgeBaseId: gid('KnowledgeBase', kbId),
        title: 'Somewhere online',
        sourceType: 'URL',
        sourceUrl: 'not a url',
      },
    });
    expectValidation(notUrl, ['input.sourceUrl']);
    expect(await knowledgeState()).toEqual(before);
  });

  test('asCreatorA: other bad input is a ValidationError naming the field; nothing written', async () => {
    const kbId = gid('KnowledgeBase', A.kbs.get('Running FAQ')!);
    const before = await knowledgeState();
    expectValidation(
      await mutate(asCreatorA(), CREATE_DOC, 'createDocument', { input: { knowledgeBaseId: kbId, title: '   ' } }),
      ['input.title'],
    );
    expectValidation(
      await mutate(asCreatorA(), CREATE_DOC, 'createDocument', {
        input: { knowledgeBaseId: kbId, title: 't'.repeat(501), mimeType: 'm'.repeat(201) },
      }),
      ['input.mimeType', 'input.title'],
    );
    expectValidation(
      await mutate(asCreatorA(), CREATE_DOC, 'createDocument', { input: { knowledgeBaseId: 'bad', title: 'Fine' } }),
      ['input.knowledgeBaseId'],
    );
    expectValidation(
      await mutate(asCreatorA(), CREATE_DOC, 'createDocument', {
        input: { knowledgeBaseId: gid('Document', A.kbs.get('Running FAQ')!), title: 'Fine' },
      }),
      ['input.knowledgeBaseId'],
    );
    const doc = gid('Document', A.docs.get('Shin splints')!);
    expectValidation(await mutate(asCreatorA(), UPDATE_DOC, 'updateDocument', { id: doc, input: { title: '' } }), [
      'input.title',
    ]);
    expectValidation(
      await mutate(asCreatorA(), UPDATE_DOC, 'updateDocument', { id: doc, input: { errorMessage: 'e'.repeat(2001) } }),
      ['input.errorMessage'],
    );
    expect(await knowledgeState()).toEqual(before);
  });

  test('asCreatorA: a malformed knowledgeBaseId and a bad title are reported together', async () => {
    const before = await knowledgeState();
    const result = await mutate(asCreatorA(), CREATE_DOC, 'createDocument', {
      input: { knowledgeBaseId: 'bad', title: '' },
    });
    expectValidation(result, ['input.knowledgeBaseId', 'input.title']);
    expect(await knowledgeState()).toEqual(before);
  });

  test('asCreatorA: a knowledge base that does not exist is a NotFoundError; nothing written', async () => {
    const before = await count(`documents`);
    expectNotFound(
      await mutate(asCreatorA(), CREATE_DOC, 'createDocument', {
        input: { knowledgeBaseId: gid('KnowledgeBase', GHOST), title: 'Orphan' },
      }),
    );
    expect(await count(`documents`)).toBe(before);
  });

  test('asCreatorA: updateDocument sets statuses and error message', async () => {
    const doc = await newDoc(asCreatorA(), gid('KnowledgeBase', A.kbs.get('Running FAQ')!), 'Will fail');
    const result = await mutate(asCreatorA(), UPDATE_DOC, 'updateDocument', {
      id: doc,
      input: {
        processingStatus: 'FAILED',
        embeddingStatus: 'FAILED',
        errorMessage: 'Parser crashed',
        metadata: { tries: 3 },
      },
    });
    expect(result.__typename).toBe('UpdateDocumentSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        title: 'Will fail',
        processingStatus: 'FAILED',
        embeddingStatus: 'FAILED',
        errorMessage: 'Parser crashed',
        metadata: { tries: 3 },
      }),
    );
    expect(await docRow(uuidOf(doc))).toEqual(
      expect.objectContaining({
        processing_status: 'failed',
        embedding_status: 'failed',
        error_message: 'Parser crashed',
        metadata: { tries: 3 },
      }),
    );
    const failed = await read(asCreatorA(), DOCUMENTS, { filter: { processingStatus: 'FAILED' }, first: 100 });
    expect(failed.documents.nodes.map((n: any) => n.id)).toContain(doc);
  });

  test('asCreatorA: deleteDocument removes it and its chunks, documentCount goes down; a second delete is a NotFoundError', async () => {
    const kbId = A.kbs.get('Mindfulness library')!;
    const doc = await newDoc(asCreatorA(), gid('KnowledgeBase', kbId), 'To delete');
    expect(
      (
        await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
          documentId: doc,
          chunks: [{ chunkIndex: 0, content: 'only chunk' }],
        })
      ).__typename,
    ).toBe('AddDocumentChunksSuccess');
    const before = (await kbRow(kbId))!.document_count as number;
    const result = await mutate(asCreatorA(), DELETE_DOC, 'deleteDocument', { id: doc });
    expect(result).toEqual({ __typename: 'DeleteDocumentSuccess', data: doc });
    expect(await docRow(uuidOf(doc))).toBeUndefined();
    expect(await count(`document_chunks WHERE document_id = $1`, [uuidOf(doc)])).toBe(0);
    expect((await kbRow(kbId))!.document_count).toBe(before - 1);
    expectNotFound(await mutate(asCreatorA(), DELETE_DOC, 'deleteDocument', { id: doc }));
  });

  test('asAnonymous: document mutations are UNAUTHENTICATED and write nothing', async () => {
    const before = await knowledgeState();
    const doc = gid('Document', A.docs.get('Shin splints')!);
    await expectUnauthenticated(CREATE_DOC, {
      input: { knowledgeBaseId: gid('KnowledgeBase', A.kbs.get('Running FAQ')!), title: 'Anon' },
    });
    await expectUnauthenticated(UPDATE_DOC, { id: doc, input: { title: 'Anon' } });
    await expectUnauthenticated(DELETE_DOC, { id: doc });
    await expectUnauthenticated(ADD_CHUNKS, { documentId: doc, chunks: [{ chunkIndex: 99, content: 'anon' }] });
    expect(await knowledgeState()).toEqual(before);
  });
});
