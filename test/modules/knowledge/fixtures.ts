// What the knowledge test files share: the documents, each tenant's seeded knowledge bases and
// documents, new ones made through the API, and reads of what is really stored (through the owner
// role, which bypasses row-level security).
import { ERRORS, type ApiHarness } from '../../helpers/api';

export interface Seeded {
  kbs: Map<string, string>;
  docs: Map<string, string>;
}
export const GHOST = '00000000-0000-4000-8000-0000000000aa';
export const KB_FIELDS = `id name description settings isActive documentCount createdAt`;
export const DOC_FIELDS = `id title sourceType sourceUrl mimeType fileSizeBytes content processingStatus embeddingStatus chunkCount errorMessage metadata knowledgeBase { id documentCount }`;

export const KNOWLEDGE_BASES = /* GraphQL */ `query KnowledgeBases($first: Int, $after: String, $status: ProcessingStatus) {
  knowledgeBases(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ${KB_FIELDS} documents(first: 100, processingStatus: $status) { totalCount nodes { id processingStatus } } } }
  }
}`;
export const DOCUMENTS = /* GraphQL */ `query Documents($filter: DocumentFilter, $first: Int) {
  documents(filter: $filter, first: $first) { totalCount nodes { ${DOC_FIELDS} } }
}`;
export const CREATE_KB = /* GraphQL */ `mutation CreateKB($input: KnowledgeBaseInput!) {
  createKnowledgeBase(input: $input) { __typename ... on CreateKnowledgeBaseSuccess { data { ${KB_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_KB = /* GraphQL */ `mutation UpdateKB($id: ID!, $input: KnowledgeBaseInput!) {
  updateKnowledgeBase(id: $id, input: $input) { __typename ... on UpdateKnowledgeBaseSuccess { data { ${KB_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_KB = /* GraphQL */ `mutation DeleteKB($id: ID!) {
  deleteKnowledgeBase(id: $id) { __typename ... on DeleteKnowledgeBaseSuccess { data } ${ERRORS} }
}`;
export const CREATE_DOC = /* GraphQL */ `mutation CreateDoc($input: CreateDocumentInput!) {
  createDocument(input: $input) { __typename ... on CreateDocumentSuccess { data { ${DOC_FIELDS} } } ${ERRORS} }
}`;
export const UPDATE_DOC = /* GraphQL */ `mutation UpdateDoc($id: ID!, $input: UpdateDocumentInput!) {
  updateDocument(id: $id, input: $input) { __typename ... on UpdateDocumentSuccess { data { ${DOC_FIELDS} } } ${ERRORS} }
}`;
export const DELETE_DOC = /* GraphQL */ `mutation DeleteDoc($id: ID!) {
  deleteDocument(id: $id) { __typename ... on DeleteDocumentSuccess { data } ${ERRORS} }
}`;
export const ADD_CHUNKS = /* GraphQL */ `mutation AddChunks($documentId: ID!, $chunks: [DocumentChunkInput!]!) {
  addDocumentChunks(documentId: $documentId, chunks: $chunks) {
    __typename
    ... on AddDocumentChunksSuccess { data { id chunkCount chunks(first: 100) { totalCount nodes { id chunkIndex content tokenCount embeddingId metadata } } } }
    ${ERRORS}
  }
}`;
export const DELETE_CHUNK = /* GraphQL */ `mutation DeleteChunk($id: ID!) {
  deleteDocumentChunk(id: $id) { __typename ... on DeleteDocumentChunkSuccess { data } ${ERRORS} }
}`;
export const NODE = /* GraphQL */ `
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

/** Stored knowledge bases and documents, every knowledge row, and new ones made through the API. */
export function knowledgeFixtures(api: ApiHarness) {
  const { rowOf, snapshot } = api;
  const { mutate } = api.withTokens;
  const kbRow = (id: string) => rowOf('knowledge_bases', id);
  const docRow = (id: string) => rowOf('documents', id);
  const knowledgeState = () => snapshot({ kbs: 'knowledge_bases', docs: 'documents', chunks: 'document_chunks' });
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
  return { kbRow, docRow, knowledgeState, newKb, newDoc };
}

/** Each tenant's seeded knowledge bases (by name) and documents (by title), looked up once. */
export async function knowledgeRows(api: ApiHarness): Promise<{ A: Seeded; B: Seeded }> {
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
  return { A: await seeded(api.tenants.creatorA), B: await seeded(api.tenants.creatorB) };
}
