// Documents of a knowledge base and their chunks: the list, and the writes. The knowledge bases
// themselves and the node types are in knowledge.schema.ts.
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { fromGlobalId } from '../../graphql/ids';
import { prismaFor } from '../../graphql/tenant';
import { definedOnly, jsonObject, optionalText, parseInput, text, z, validateAll } from '../../graphql/validation';
import { ProcessingStatusEnum, SourceTypeEnum } from './knowledge.schema';

const DocumentFilter = builder.inputType('DocumentFilter', {
  fields: (t) => ({
    processingStatus: t.field({ type: ProcessingStatusEnum }),
    knowledgeBaseId: t.idOf('KnowledgeBase'),
  }),
});
const documentWhere = (f: typeof DocumentFilter.$inferInput | null | undefined) => ({
  ...(f?.processingStatus ? { processingStatus: f.processingStatus } : {}),
  ...(f?.knowledgeBaseId ? { knowledgeBaseId: f.knowledgeBaseId } : {}),
});

builder.queryField('documents', (t) =>
  t.prismaConnection({
    type: 'Document',
    cursor: 'id',
    args: { filter: t.arg({ type: DocumentFilter }) },
    ...tenantList(
      'document',
      (args: { filter?: typeof DocumentFilter.$inferInput | null }) => documentWhere(args.filter),
      [{ createdAt: 'desc' }, { id: 'asc' }],
    ),
  }),
);

const CreateDocumentInput = builder.inputType('CreateDocumentInput', {
  fields: (t) => ({
    knowledgeBaseId: t.id({ required: true }),
    title: t.string({ required: true }),
    sourceType: t.field({ type: SourceTypeEnum, defaultValue: 'text' }),
    sourceUrl: t.string(),
    mimeType: t.string(),
    fileSizeBytes: t.field({ type: 'BigInt' }),
    content: t.string(),
    metadata: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('createDocument', (t) =>
  t.prismaField({
    type: 'Document',
    description: 'Adds a document to a knowledge base; it starts as PENDING for processing.',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: CreateDocumentInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      // The knowledge base id is decoded here, not declared with t.idOf: a bad id is reported
      // together with the other problems of the input (one VALIDATION_FAILED listing all).
      const [knowledgeBaseId, data] = validateAll(
        () => fromGlobalId(String(input.knowledgeBaseId), 'KnowledgeBase', 'input.knowledgeBaseId'),
        () =>
          parseInput(
            z
              .object({
                title: text(500),
                sourceType: z.enum(['upload', 'url', 'text']),
                sourceUrl: z.string().url('must be a URL').max(2000).nullish(),
                mimeType: z.string().max(200).nullish(),
                content: z.string().max(5_000_000, 'must be at most 5 MB of text').nullish(),
                metadata: jsonObject.nullish(),
              })
              .refine((d) => d.sourceType !== 'url' || d.sourceUrl, {
                message: 'is required when sourceType is URL',
                path: ['sourceUrl'],
              }),
            input,
          ),
      );
      return prismaFor(ctx).document.create({
        ...query,
        data: {
          knowledgeBaseId,
          ...definedOnly(data),
          fileSizeBytes: input.fileSizeBytes ?? BigInt(Buffer.byteLength(data.content ?? '')),
        },
      });
    },
  }),
);

const UpdateDocumentInput = builder.inputType('UpdateDocumentInput', {
  fields: (t) => ({
    title: t.string(),
    processingStatus: t.field({ type: ProcessingStatusEnum }),
    embeddingStatus: t.field({ type: ProcessingStatusEnum }),
    errorMessage: t.string(),
    metadata: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('updateDocument', (t) =>
  t.prismaField({
    type: 'Document',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: {
      id: t.arg.idOf('Document', { required: true }),
      input: t.arg({ type: UpdateDocumentInput, required: true }),
    },
    resolve: (query, _root, { id, ...args }, ctx) => {
      const data = parseInput(
        z.object({ title: text(500).nullish(), errorMessage: optionalText(2000), metadata: jsonObject.nullish() }),
        args.input,
      );
      return prismaFor(ctx).document.update({
        ...query,
        where: { id },
        data: {
          ...definedOnly(data),
          ...(args.input.processingStatus ? { processingStatus: args.input.processingStatus } : {}),
          ...(args.input.embeddingStatus ? { embeddingStatus: args.input.embeddingStatus } : {}),
        },
      });
    },
  }),
);

const ChunkInput = builder.inputType('DocumentChunkInput', {
  fields: (t) => ({
    chunkIndex: t.int({ required: true }),
    content: t.string({ required: true }),
    tokenCount: t.int(),
    embeddingId: t.string(),
    metadata: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('addDocumentChunks', (t) =>
  t.prismaField({
    type: 'Document',
    description: 'Stores the chunks a document was split into (all or none).',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: {
      documentId: t.arg.idOf('Document', { required: true }),
      chunks: t.arg({ type: [ChunkInput], required: true }),
    },
    resolve: async (query, _root, { documentId, ...args }, ctx) => {
      const chunks = parseInput(
        z
          .array(
            z.object({
              chunkIndex: z.number().int().min(0),
              content: text(100_000),
              tokenCount: z.number().int().min(0).nullish(),
              embeddingId: z.string().max(200).nullish(),
              metadata: jsonObject.nullish(),
            }),
          )
          .min(1, 'must not be empty')
          .max(1000, 'must be at most 1000 chunks'),
        args.chunks,
        'chunks',
      );
      const db = prismaFor(ctx);
      // One statement: the chunks land together or not at all.
      await db.documentChunk.createMany({ data: chunks.map((c) => ({ documentId, ...definedOnly(c) })) });
      return db.document.findUniqueOrThrow({ ...query, where: { id: documentId } });
    },
  }),
);

deleteMutation('deleteKnowledgeBase', 'KnowledgeBase', 'knowledgeBase');
deleteMutation('deleteDocument', 'Document', 'document');
deleteMutation('deleteDocumentChunk', 'DocumentChunk', 'documentChunk');
