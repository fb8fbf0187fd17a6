import type { ApiKeyScope } from '../../auth/viewer';
import type { TenantContext } from '../../graphql/auth-scopes';
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { prismaFor } from '../../graphql/tenant';
import { parseInput, text, z } from '../../graphql/validation';
import {
  createApiKey,
  refuseActingAdmin,
  revokeApiKey,
  updateApiKey,
  type ApiKeyDeps,
  type KeyHolder,
} from './api-key.service';

const keyDeps = (ctx: TenantContext): ApiKeyDeps => ({ app: ctx.db.app, operations: ctx.operations.byName });
const holderOf = (ctx: TenantContext): KeyHolder => ({
  viewer: ctx.viewer,
  creatorId: ctx.tenantId,
  requestId: ctx.requestId,
  client: ctx.client,
});

const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  description: 'What a partner key may do: READ runs queries, WRITE runs mutations.',
  values: { READ: { value: 'read' }, WRITE: { value: 'write' } } as const,
});
const ApiKeyStatusEnum = builder.enumType('ApiKeyStatus', { values: ['ACTIVE', 'EXPIRED', 'REVOKED'] as const });
const OperationTypeEnum = builder.enumType('PartnerOperationType', {
  values: { QUERY: { value: 'query' }, MUTATION: { value: 'mutation' } } as const,
});

function statusOf(key: { revokedAt: Date | null; expiresAt: Date | null }): 'ACTIVE' | 'EXPIRED' | 'REVOKED' {
  if (key.revokedAt) return 'REVOKED';
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return 'EXPIRED';
  return 'ACTIVE';
}

builder.prismaNode('ApiKey', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    prefix: t.exposeString('keyPrefix', {
      description: 'The start of the key, to recognise it: the rest is never shown again.',
    }),
    scopes: t.field({ type: [ApiKeyScopeEnum], resolve: (key) => key.scopes as ApiKeyScope[] }),
    allowedOperations: t.exposeStringList('allowedOperations', {
      description: 'Partner operations the key may run; empty: all of them.',
    }),
    status: t.field({ type: ApiKeyStatusEnum, resolve: statusOf }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Updated at most once a minute.',
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    usage: t.relatedConnection('usageLogs', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
    }),
  }),
});

const PartnerOperation = builder
  .objectRef<{ name: string; hash: string; type: string; document: string }>('PartnerOperation')
  .implement({
    description: 'An operation partners may run, by its sha256Hash (operations/partner/ in the repository).',
    fields: (t) => ({
      name: t.exposeString('name'),
      sha256Hash: t.exposeString('hash'),
      type: t.field({ type: OperationTypeEnum, resolve: (o) => o.type as 'query' | 'mutation' }),
      document: t.exposeString('document'),
    }),
  });

builder.queryField('partnerOperations', (t) =>
  t.field({
    type: [PartnerOperation],
    description: 'The persisted operations partner keys can run, by name.',
    authScopes: { accountHolder: true },
    resolve: (_root, _args, ctx) => [...ctx.operations.byName.values()].sort((a, b) => a.name.localeCompare(b.name)),
  }),
);

const ApiKeyFilter = builder.inputType('ApiKeyFilter', {
  fields: (t) => ({ status: t.field({ type: ApiKeyStatusEnum }) }),
});

function apiKeyWhere(status: 'ACTIVE' | 'EXPIRED' | 'REVOKED' | null | undefined) {
  const now = new Date();
  if (status === 'REVOKED') return { revokedAt: { not: null } };
  if (status === 'EXPIRED') return { revokedAt: null, expiresAt: { lte: now } };
  if (status === 'ACTIVE') return { revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
  return {};
}

builder.queryField('apiKeys', (t) =>
  t.prismaConnection({
    type: 'ApiKey',
    cursor: 'id',
    description: "The creator's partner API keys, newest first.",
    authScopes: { accountHolder: true },
    args: { filter: t.arg({ type: ApiKeyFilter }) },
    totalCount: (_c, args, ctx) => prismaFor(ctx).apiKey.count({ where: apiKeyWhere(args.filter?.status) }),
    resolve: (query, _root, args, ctx) =>
      prismaFor(ctx).apiKey.findMany({
        ...query,
        where: apiKeyWhere(args.filter?.status),
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      }),
  }),
);

const scopeList = z.array(z.enum(['read', 'write'])).transform((s) => [...new Set(s)] as ApiKeyScope[]);
const operationList = z.array(z.string().trim().min(1).max(100)).max(100);

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    scopes: t.field({ type: [ApiKeyScopeEnum], defaultValue: ['read'], description: 'Defaults to READ only.' }),
    allowedOperations: t.stringList({
      description: 'Partner operation names (see partnerOperations); empty or left out: all of them.',
    }),
    expiresAt: t.field({ type: 'DateTime', description: 'Left out: the key never expires.' }),
  }),
});

const CreateApiKeyPayload = builder.objectRef<{ id: string; secret: string }>('CreateApiKeyPayload').implement({
  fields: (t) => ({
    secret: t.exposeString('secret', {
      description: 'The key itself, for the X-Api-Key header. Shown only now: store it.',
    }),
    apiKey: t.prismaField({
      type: 'ApiKey',
      resolve: (query, p, _args, ctx) => prismaFor(ctx).apiKey.findUniqueOrThrow({ ...query, where: { id: p.id } }),
    }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.withAuth({ accountHolder: true }).field({
    type: CreateApiKeyPayload,
    description: 'Issues a partner API key. Its secret is in this response and nowhere else.',
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      refuseActingAdmin(ctx.viewer);
      const data = parseInput(
        z.object({
          name: text(100),
          scopes: scopeList.nullish(),
          allowedOperations: operationList.nullish(),
          expiresAt: z.date().nullish(),
        }),
        input,
      );
      return createApiKey(keyDeps(ctx), holderOf(ctx), {
        name: data.name,
        scopes: data.scopes ?? ['read'],
        allowedOperations: data.allowedOperations ?? [],
        expiresAt: data.expiresAt ?? null,
      });
    },
  }),
);

const UpdateApiKeyInput = builder.inputType('UpdateApiKeyInput', {
  fields: (t) => ({
    name: t.string(),
    scopes: t.field({ type: [ApiKeyScopeEnum] }),
    allowedOperations: t.stringList({ description: 'Replaces the list; empty: all operations.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'A new expiry; null: never expires; left out: unchanged.' }),
  }),
});

builder.mutationField('updateApiKey', (t) =>
  t.withAuth({ accountHolder: true }).prismaField({
    type: 'ApiKey',
    description: 'Renames a key, or changes its scopes, operations or expiry. The secret stays the same.',
    errors: { types: WRITE_ERRORS },
    args: {
      id: t.arg.idOf('ApiKey', { required: true }),
      input: t.arg({ type: UpdateApiKeyInput, required: true }),
    },
    resolve: async (query, _root, { id, ...args }, ctx) => {
      refuseActingAdmin(ctx.viewer);
      const data = parseInput(
        z.object({
          name: text(100).optional(),
          scopes: scopeList.optional(),
          allowedOperations: operationList.optional(),
          expiresAt: z.date().nullable().optional(),
        }),
        {
          ...args.input,
          // Absent and null differ for expiresAt only: null clears the expiry.
          name: args.input.name ?? undefined,
          scopes: args.input.scopes ?? undefined,
          allowedOperations: args.input.allowedOperations ?? undefined,
        },
      );
      await updateApiKey(keyDeps(ctx), holderOf(ctx), id, data);
      return prismaFor(ctx).apiKey.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.withAuth({ accountHolder: true }).prismaField({
    type: 'ApiKey',
    description: 'Revokes a key at once, for good. Repeating it is harmless.',
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.idOf('ApiKey', { required: true }) },
    resolve: async (query, _root, { id }, ctx) => {
      await revokeApiKey(keyDeps(ctx), holderOf(ctx), id);
      return prismaFor(ctx).apiKey.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);
