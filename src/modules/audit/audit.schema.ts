import { builder } from '../../graphql/builder';
import { requireTenant } from '../../graphql/guards';
import { prismaFor } from '../../graphql/tenant';
import { DateRangeInput, timeRange } from '../shared/enums';

builder.prismaNode('AuditLog', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    tableName: t.exposeString('tableName'),
    operation: t.exposeString('operation'),
    recordId: t.exposeString('recordId', { nullable: true }),
    oldValues: t.expose('oldValues', { type: 'JSON', nullable: true }),
    newValues: t.expose('newValues', { type: 'JSON', nullable: true }),
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

const AuditFilter = builder.inputType('AuditLogFilter', { fields: (t) => ({ tableName: t.string(), operation: t.string(), occurred: t.field({ type: DateRangeInput }) }) });
const SecurityFilter = builder.inputType('SecurityAuditLogFilter', { fields: (t) => ({ eventType: t.string(), severity: t.string(), occurred: t.field({ type: DateRangeInput }) }) });
const ApiUsageFilter = builder.inputType('ApiUsageLogFilter', { fields: (t) => ({ operationName: t.string(), occurred: t.field({ type: DateRangeInput }) }) });

builder.queryField('auditLogs', (t) =>
  t.prismaConnection({
    type: 'AuditLog',
    cursor: 'id',
    description: "Changes to the creator's data, newest first.",
    args: { filter: t.arg({ type: AuditFilter }) },
    resolve: (query, _root, { filter }, ctx) => {
      requireTenant(ctx);
      return prismaFor(ctx).auditLog.findMany({
        ...query,
        where: { ...(filter?.tableName ? { tableName: filter.tableName } : {}), ...(filter?.operation ? { operation: filter.operation } : {}), ...(filter?.occurred ? { createdAt: timeRange(filter.occurred) } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      });
    },
  }),
);

builder.queryField('securityAuditLogs', (t) =>
  t.prismaConnection({
    type: 'SecurityAuditLog',
    cursor: 'id',
    description: "Security events of the creator's account (log-ins, lock-outs, admin access), newest first.",
    args: { filter: t.arg({ type: SecurityFilter }) },
    resolve: (query, _root, { filter }, ctx) => {
      requireTenant(ctx);
      return prismaFor(ctx).securityAuditLog.findMany({
        ...query,
        where: { ...(filter?.eventType ? { eventType: filter.eventType } : {}), ...(filter?.severity ? { severity: filter.severity } : {}), ...(filter?.occurred ? { createdAt: timeRange(filter.occurred) } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      });
    },
  }),
);

builder.queryField('apiUsageLogs', (t) =>
  t.prismaConnection({
    type: 'ApiUsageLog',
    cursor: 'id',
    description: 'Partner API calls, newest first.',
    args: { filter: t.arg({ type: ApiUsageFilter }) },
    resolve: (query, _root, { filter }, ctx) => {
      requireTenant(ctx);
      return prismaFor(ctx).apiUsageLog.findMany({
        ...query,
        where: { ...(filter?.operationName ? { operationName: filter.operationName } : {}), ...(filter?.occurred ? { createdAt: timeRange(filter.occurred) } : {}) },
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      });
    },
  }),
);
