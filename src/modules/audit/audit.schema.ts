import { builder } from '../../graphql/builder';
import { tenantList } from '../../graphql/crud';
import { ValidationError } from '../../graphql/errors';
import { adminClient } from '../../graphql/data-access';
import { DateRangeInput, timeRange } from '../shared/enums';

const AUDIT_VALUES = (when: string) =>
  `The recorded columns ${when}, by column name: for an UPDATE only the columns that changed (and the row's user_id and conversation_id references), for an INSERT or DELETE the whole row. Secrets are never recorded. A value whose JSON is over 1 KiB is replaced by { truncated: true, sha256, bytes, preview } (the SHA-256 and byte length of its text, and its first 256 characters).`;

builder.prismaNode('AuditLog', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    tableName: t.exposeString('tableName'),
    operation: t.exposeString('operation'),
    recordId: t.exposeString('recordId', { nullable: true }),
    oldValues: t.expose('oldValues', {
      type: 'JSON',
      nullable: true,
      description: AUDIT_VALUES('before the change (UPDATE, DELETE)'),
    }),
    newValues: t.expose('newValues', {
      type: 'JSON',
      nullable: true,
      description: AUDIT_VALUES('after the change (INSERT, UPDATE)'),
    }),
    actorType: t.exposeString('actorType'),
    actorId: t.exposeString('actorId', { nullable: true }),
    requestId: t.exposeString('requestId', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('SecurityAuditLog', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    eventType: t.exposeString('eventType'),
    severity: t.exposeString('severity'),
    eventData: t.expose('eventData', { type: 'JSONObject' }),
    ipAddress: t.exposeString('ipAddress', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('ApiUsageLog', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    apiKey: t.relation('apiKey', {
      nullable: true,
      description: 'The key that made the call (null once the key is deleted).',
    }),
    operationName: t.exposeString('operationName', { nullable: true }),
    operationHash: t.exposeString('operationHash', { nullable: true }),
    statusCode: t.exposeInt('statusCode'),
    errorCode: t.exposeString('errorCode', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
    requestSizeBytes: t.exposeInt('requestSizeBytes'),
    responseSizeBytes: t.exposeInt('responseSizeBytes'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AuditFilter = builder.inputType('AuditLogFilter', {
  fields: (t) => ({ tableName: t.string(), operation: t.string(), occurred: t.field({ type: DateRangeInput }) }),
});
const SecurityFilter = builder.inputType('SecurityAuditLogFilter', {
  fields: (t) => ({ eventType: t.string(), severity: t.string(), occurred: t.field({ type: DateRangeInput }) }),
});
const ApiUsageFilter = builder.inputType('ApiUsageLogFilter', {
  fields: (t) => ({ operationName: t.string(), occurred: t.field({ type: DateRangeInput }) }),
});

const auditWhere = (f: typeof AuditFilter.$inferInput | null | undefined) => ({
  ...(f?.tableName ? { tableName: f.tableName } : {}),
  ...(f?.operation ? { operation: f.operation } : {}),
  ...(f?.occurred ? { createdAt: timeRange(f.occurred) } : {}),
});
const securityWhere = (f: typeof SecurityFilter.$inferInput | null | undefined) => ({
  ...(f?.eventType ? { eventType: f.eventType } : {}),
  ...(f?.severity ? { severity: f.severity } : {}),
  ...(f?.occurred ? { createdAt: timeRange(f.occurred) } : {}),
});
const apiUsageWhere = (f: typeof ApiUsageFilter.$inferInput | null | undefined) => ({
  ...(f?.operationName ? { operationName: f.operationName } : {}),
  ...(f?.occurred ? { createdAt: timeRange(f.occurred) } : {}),
});
const newestFirst = [{ createdAt: 'desc' }, { id: 'asc' }];

builder.queryField('auditLogs', (t) =>
  t.prismaConnection({
    type: 'AuditLog',
    cursor: 'id',
    description: "Changes to the creator's data, newest first.",
    args: { filter: t.arg({ type: AuditFilter }) },
    ...tenantList(
      'auditLog',
      (args: { filter?: typeof AuditFilter.$inferInput | null }) => auditWhere(args.filter),
      newestFirst,
    ),
  }),
);

builder.queryField('securityAuditLogs', (t) =>
  t.prismaConnection({
    type: 'SecurityAuditLog',
    cursor: 'id',
    description: "Security events of the creator's account (log-ins, lock-outs, admin access), newest first.",
    args: { filter: t.arg({ type: SecurityFilter }) },
    ...tenantList(
      'securityAuditLog',
      (args: { filter?: typeof SecurityFilter.$inferInput | null }) => securityWhere(args.filter),
      newestFirst,
    ),
  }),
);

builder.queryField('apiUsageLogs', (t) =>
  t.prismaConnection({
    type: 'ApiUsageLog',
    cursor: 'id',
    description: 'Partner API calls, newest first.',
    args: { filter: t.arg({ type: ApiUsageFilter }) },
    ...tenantList(
      'apiUsageLog',
      (args: { filter?: typeof ApiUsageFilter.$inferInput | null }) => apiUsageWhere(args.filter),
      newestFirst,
    ),
  }),
);

const AdminAuditFilter = builder.inputType('AdminAuditLogFilter', {
  fields: (t) => ({
    creatorId: t.id({ description: 'A creator id (uuid).' }),
    tableName: t.string(),
    operation: t.string(),
    occurred: t.field({ type: DateRangeInput }),
  }),
});

builder.queryField('platformAuditLogs', (t) =>
  t.prismaConnection({
    type: 'AuditLog',
    cursor: 'id',
    description: "Platform admins only: every creator's audit trail, newest first (filter by creator).",
    authScopes: { admin: true },
    args: { filter: t.arg({ type: AdminAuditFilter }) },
    // The owner connection: an admin reads across tenants, and only here.
    totalCount: (_c, args, ctx) => adminClient(ctx).auditLog.count({ where: adminAuditWhere(args.filter) }),
    resolve: (query, _root, args, ctx) => {
      return adminClient(ctx).auditLog.findMany({
        ...query,
        where: adminAuditWhere(args.filter),
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      });
    },
  }),
);

function adminAuditWhere(f: typeof AdminAuditFilter.$inferInput | null | undefined) {
  const creatorId = f?.creatorId ? String(f.creatorId).toLowerCase() : undefined;
  if (creatorId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(creatorId))
    throw new ValidationError([{ path: 'filter.creatorId', message: 'is not a creator id' }]);
  return { ...(creatorId ? { creatorId } : {}), ...auditWhere(f) };
}
