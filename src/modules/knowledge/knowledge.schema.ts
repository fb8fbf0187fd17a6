import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { tenantList } from '../../graphql/crud';
import { prismaFor } from '../../graphql/tenant';
import { definedOnly, jsonObject, optionalText, parseInput, text, z } from '../../graphql/validation';

export const ProcessingStatusEnum = builder.enumType('ProcessingStatus', {
  values: {
    PENDING: { value: 'pending' },
    PROCESSING: { value: 'processing' },
    COMPLETED: { value: 'completed' },
    FAILED: { value: 'failed' },
  } as const,
});
export const SourceTypeEnum = builder.enumType('DocumentSourceType', {
  values: { UPLOAD: { value: 'upload' }, URL: { value: 'url' }, TEXT: { value: 'text' } } as const,
});

builder.prismaNode('KnowledgeBase', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    settings: t.expose('settings', { type: 'JSONObject' }),
    isActive: t.exposeBoolean('isActive'),
    documentCount: t.exposeInt('documentCount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    documents: t.relatedConnection('documents', {
      cursor: 'id',
      totalCount: true,
      args: { processingStatus: t.arg({ type: ProcessingStatusEnum }) },
      query: (args) => ({
        where: args.processingStatus ? { processingStatus: args.processingStatus } : {},
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      }),
    }),
  }),
});

builder.prismaNode('Document', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    knowledgeBase: t.relation('knowledgeBase'),
    title: t.exposeString('title'),
    sourceType: t.field({ type: SourceTypeEnum, resolve: (d) => d.sourceType as never }),
    sourceUrl: t.exposeString('sourceUrl', { nullable: true }),
    mimeType: t.exposeString('mimeType', { nullable: true }),
    fileSizeBytes: t.expose('fileSizeBytes', { type: 'BigInt' }),
    content: t.exposeString('content', { nullable: true }),
    processingStatus: t.field({ type: ProcessingStatusEnum, resolve: (d) => d.processingStatus as never }),
    embeddingStatus: t.field({ type: ProcessingStatusEnum, resolve: (d) => d.embeddingStatus as never }),
    chunkCount: t.exposeInt('chunkCount'),
    storedBytes: t.expose('storedBytes', {
      type: 'BigInt',
      description:
        "Bytes this document counts against the plan's storage: its file (fileSizeBytes), title, source URL, error message and metadata, and its chunks' content, metadata and embedding ids.",
    }),
    errorMessage: t.exposeString('errorMessage', { nullable: true }),
    metadata: t.expose('metadata', { type: 'JSONObject' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    chunks: t.relatedConnection('chunks', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ chunkIndex: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

builder.prismaNode('DocumentChunk', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    document: t.relation('document'),
    chunkIndex: t.exposeInt('chunkIndex'),
    content: t.exposeString('content'),
    tokenCount: t.exposeInt('tokenCount'),
    embeddingId: t.exposeString('embeddingId', { nullable: true }),
    metadata: t.expose('metadata', { type: 'JSONObject' }),
  }),
});

builder.queryField('knowledgeBases', (t) =>
  t.prismaConnection({
    type: 'KnowledgeBase',
    cursor: 'id',
    ...tenantList<object>('knowledgeBase', () => ({}), [{ createdAt: 'asc' }, { id: 'asc' }]),
  }),
);

const KnowledgeBaseInput = builder.inputType('KnowledgeBaseInput', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    settings: t.field({ type: 'JSONObject' }),
    isActive: t.boolean(),
  }),
});
const kbFields = {
  name: text(200),
  description: optionalText(2000),
  settings: jsonObject.nullish(),
  isActive: z.boolean().nullish(),
};

builder.mutationField('createKnowledgeBase', (t) =>
  t.prismaField({
    type: 'KnowledgeBase',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: KnowledgeBaseInput, required: true }) },
    resolve: (query, _root, { input }, ctx) =>
      prismaFor(ctx).knowledgeBase.create({
        ...query,
        data: definedOnly(parseInput(z.object(kbFields), input)),
      }),
  }),
);

builder.mutationField('updateKnowledgeBase', (t) =>
  t.prismaField({
    type: 'KnowledgeBase',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: {
      id: t.arg.idOf('KnowledgeBase', { required: true }),
      input: t.arg({ type: KnowledgeBaseInput, required: true }),
    },
    resolve: (query, _root, { id, input }, ctx) =>
      prismaFor(ctx).knowledgeBase.update({
        ...query,
        where: { id },
        data: definedOnly(parseInput(z.object({ ...kbFields, name: text(200).nullish() }), input)),
      }),
  }),
);
