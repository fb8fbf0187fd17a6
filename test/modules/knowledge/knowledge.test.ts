// Knowledge over the real server: knowledge bases, documents (by processing status), chunks,
// and the trigger-maintained documentCount and chunkCount. Every write is checked against what
// is really stored (read through the owner role, which bypasses row-level security), and every
// operation is attempted by the other tenant: by id, by global id through node(), through
// nested relations and through each mutation.
import {
  useApiHarness,
  gid,
  uuidOf,
  expectValidation,
  expectNotFound,
  expectConflict,
  ERRORS,
} from '../../helpers/api';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count, rowOf, snapshot } = api;
const { read, mutate } = api.withTokens;

interface Seeded {
  kbs: Map<string, string>;
  docs: Map<string, string>;
}
let A: Seeded;
let B: Seeded;

beforeAll(async () => {
  const seeded = async (creatorId: string): Promise<Seeded> => ({
    kbs: new Map(
      (await api.owner.query(`SELECT id, name FROM knowledge_bases WHERE creator_id = $1`, [creatorId])).rows.map(
        (r) => [r.name, r.id],
      ),
    ),
    docs: new Map(
      (await api.owner.query(`SELECT id, title FROM documents WHERE creator_id = $1`, [creatorId])).rows.map((r) => [
        r.title,
        r.id,
      ]),
    ),
  });
  A = await seeded(api.tenants.creatorA);
  B = await seeded(api.tenants.creatorB);
});

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const GHOST = '00000000-0000-4000-8000-0000000000aa';

const kbRow = (id: string) => rowOf('knowledge_bases', id);
const docRow = (id: string) => rowOf('documents', id);
const knowledgeState = () => snapshot({ kbs: 'knowledge_bases', docs: 'documents', chunks: 'document_chunks' });

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

const KB_FIELDS = `id name description settings isActive documentCount createdAt`;
const DOC_FIELDS = `id title sourceType sourceUrl mimeType fileSizeBytes content processingStatus embeddingStatus chunkCount errorMessage metadata knowledgeBase { id documentCount }`;

const KNOWLEDGE_BASES = /* GraphQL */ `query KnowledgeBases($first: Int, $after: String, $status: ProcessingStatus) {
  knowledgeBases(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ${KB_FIELDS} documents(first: 100, processingStatus: $status) { totalCount nodes { id processingStatus } } } }
  }
}`;
const DOCUMENTS = /* GraphQL */ `query Documents($filter: DocumentFilter, $first: Int) {
  documents(filter: $filter, first: $first) { totalCount nodes { ${DOC_FIELDS} } }
}`;
const CREATE_KB = /* GraphQL */ `mutation CreateKB($input: KnowledgeBaseInput!) {
  createKnowledgeBase(input: $input) { __typename ... on CreateKnowledgeBaseSuccess { data { ${KB_FIELDS} } } ${ERRORS} }
}`;
const UPDATE_KB = /* GraphQL */ `mutation UpdateKB($id: ID!, $input: KnowledgeBaseInput!) {
  updateKnowledgeBase(id: $id, input: $input) { __typename ... on UpdateKnowledgeBaseSuccess { data { ${KB_FIELDS} } } ${ERRORS} }
}`;
const DELETE_KB = /* GraphQL */ `mutation DeleteKB($id: ID!) {
  deleteKnowledgeBase(id: $id) { __typename ... on DeleteKnowledgeBaseSuccess { data } ${ERRORS} }
}`;
const CREATE_DOC = /* GraphQL */ `mutation CreateDoc($input: CreateDocumentInput!) {
  createDocument(input: $input) { __typename ... on CreateDocumentSuccess { data { ${DOC_FIELDS} } } ${ERRORS} }
}`;
const UPDATE_DOC = /* GraphQL */ `mutation UpdateDoc($id: ID!, $input: UpdateDocumentInput!) {
  updateDocument(id: $id, input: $input) { __typename ... on UpdateDocumentSuccess { data { ${DOC_FIELDS} } } ${ERRORS} }
}`;
const DELETE_DOC = /* GraphQL */ `mutation DeleteDoc($id: ID!) {
  deleteDocument(id: $id) { __typename ... on DeleteDocumentSuccess { data } ${ERRORS} }
}`;
const ADD_CHUNKS = /* GraphQL */ `mutation AddChunks($documentId: ID!, $chunks: [DocumentChunkInput!]!) {
  addDocumentChunks(documentId: $documentId, chunks: $chunks) {
    __typename
    ... on AddDocumentChunksSuccess { data { id chunkCount chunks(first: 100) { totalCount nodes { id chunkIndex content tokenCount embeddingId metadata } } } }
    ${ERRORS}
  }
}`;
const DELETE_CHUNK = /* GraphQL */ `mutation DeleteChunk($id: ID!) {
  deleteDocumentChunk(id: $id) { __typename ... on DeleteDocumentChunkSuccess { data } ${ERRORS} }
}`;
const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on KnowledgeBase {
        name
        documentCount
        documents(first: 100) {
          totalCount
          nodes {
            id
          }
        }
      }
      ... on Document {
        title
        chunkCount
        knowledgeBase {
          id
          name
        }
        chunks(first: 100) {
          totalCount
          nodes {
            id
          }
        }
      }
      ... on DocumentChunk {
        content
        document {
          id
          title
          knowledgeBase {
            id
          }
        }
      }
    }
  }
`;

async function newKb(token: string, name: string) {
  const r = await mutate(token, CREATE_KB, 'createKnowledgeBase', { input: { name } });
  expect(r.__typename).toBe('CreateKnowledgeBaseSuccess');
  return r.data.id as string;
}
async function newDoc(token: string, knowledgeBaseId: string, title: string, content = 'Some text.') {
  const r = await mutate(token, CREATE_DOC, 'createDocument', { input: { knowledgeBaseId, title, content } });
  expect(r.__typename).toBe('CreateDocumentSuccess');
  return r.data.id as string;
}

// ------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// Knowledge bases
// ------------------------------------------------------------------------------------------

describe('createKnowledgeBase / updateKnowledgeBase', () => {
  test('asCreatorA: creates one owned by A with documentCount 0; update changes only the given fields', async () => {
    const created = await mutate(asCreatorA(), CREATE_KB, 'createKnowledgeBase', {
      input: { name: '  Recipes  ', description: 'Healthy food.', settings: { chunkSize: 200 } },
    });
    expect(created.__typename).toBe('CreateKnowledgeBaseSuccess');
    expect(created.data).toEqual(
      expect.objectContaining({
        name: 'Recipes',
        description: 'Healthy food.',
        settings: { chunkSize: 200 },
        isActive: true,
        documentCount: 0,
      }),
    );
    const id = uuidOf(created.data.id);
    expect(await kbRow(id)).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        name: 'Recipes',
        description: 'Healthy food.',
        settings: { chunkSize: 200 },
        document_count: 0,
      }),
    );

    const updated = await mutate(asCreatorA(), UPDATE_KB, 'updateKnowledgeBase', {
      id: created.data.id,
      input: { isActive: false, description: 'Healthy food, fast.' },
    });
    expect(updated.__typename).toBe('UpdateKnowledgeBaseSuccess');
    expect(updated.data).toEqual(
      expect.objectContaining({
        name: 'Recipes',
        description: 'Healthy food, fast.',
        settings: { chunkSize: 200 },
        isActive: false,
      }),
    );
    expect(await kbRow(id)).toEqual(
      expect.objectContaining({ name: 'Recipes', description: 'Healthy food, fast.', is_active: false }),
    );
  });

  test('asCreatorA: invalid input is a ValidationError naming every bad field; nothing written or changed', async () => {
    const before = await knowledgeState();
    expectValidation(
      await mutate(asCreatorA(), CREATE_KB, 'createKnowledgeBase', {
        input: { name: ' ', description: 'd'.repeat(2001) },
      }),
      ['input.description', 'input.name'],
    );
    expectValidation(await mutate(asCreatorA(), CREATE_KB, 'createKnowledgeBase', { input: {} }), ['input.name']);
    expectValidation(
      await mutate(asCreatorA(), CREATE_KB, 'createKnowledgeBase', { input: { name: 'n'.repeat(201) } }),
      ['input.name'],
    );
    const kb = gid('KnowledgeBase', A.kbs.get('Running FAQ')!);
    expectValidation(await mutate(asCreatorA(), UPDATE_KB, 'updateKnowledgeBase', { id: kb, input: { name: '' } }), [
      'input.name',
    ]);
    expectValidation(
      await mutate(asCreatorA(), UPDATE_KB, 'updateKnowledgeBase', {
        id: gid('Document', A.kbs.get('Running FAQ')!),
        input: { name: 'x' },
      }),
      ['id'],
    );
    expect(await knowledgeState()).toEqual(before);
  });

  test('asCreatorA: deleteKnowledgeBase removes it with its documents and chunks; a second delete is a NotFoundError', async () => {
    const kb = await newKb(asCreatorA(), 'Scratch');
    const doc = await newDoc(asCreatorA(), kb, 'Scratch doc');
    expect(
      (
        await mutate(asCreatorA(), ADD_CHUNKS, 'addDocumentChunks', {
          documentId: doc,
          chunks: [
            { chunkIndex: 0, content: 'a' },
            { chunkIndex: 1, content: 'b' },
          ],
        })
      ).__typename,
    ).toBe('AddDocumentChunksSuccess');
    const result = await mutate(asCreatorA(), DELETE_KB, 'deleteKnowledgeBase', { id: kb });
    expect(result).toEqual({ __typename: 'DeleteKnowledgeBaseSuccess', data: kb });
    expect(await kbRow(uuidOf(kb))).toBeUndefined();
    expect(await docRow(uuidOf(doc))).toBeUndefined();
    expect(await count(`document_chunks WHERE document_id = $1`, [uuidOf(doc)])).toBe(0);
    expectNotFound(await mutate(asCreatorA(), DELETE_KB, 'deleteKnowledgeBase', { id: kb }));
  });

  test('asAnonymous: knowledge base mutations are UNAUTHENTICATED and write nothing', async () => {
    const before = await knowledgeState();
    const kb = gid('KnowledgeBase', A.kbs.get('Running FAQ')!);
    await expectUnauthenticated(CREATE_KB, { input: { name: 'Anon' } });
    await expectUnauthenticated(UPDATE_KB, { id: kb, input: { name: 'Anon' } });
    await expectUnauthenticated(DELETE_KB, { id: kb });
    expect(await knowledgeState()).toEqual(before);
  });
});

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// Chunks
// ------------------------------------------------------------------------------------------

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

// ------------------------------------------------------------------------------------------
// Creator B against A's knowledge
// ------------------------------------------------------------------------------------------

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
