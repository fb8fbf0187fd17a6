// node(id:) and nodes(ids:), resolved here rather than by the Relay plugin: an id that is
// malformed, of an unknown type, or not a UUID resolves to null (as an id that matches nothing
// does), instead of an error that leaks the type system or reaches the database. Rows are
// read through the request's tenant client, so another tenant's id is null too.
import { brandWithType } from '@pothos/core';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { queryFromInfo } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from './context';
import { builder } from './builder';
import { MAX_PAGE_SIZE } from './page-size';
import { ValidationError } from './errors';
import { prismaFor } from './tenant';

/** GraphQL type name -> Prisma model delegate of every Node. */
const NODE_MODELS: Record<string, string> = {
  Creator: 'creator',
  User: 'user',
  UserProfile: 'userProfile',
  UserSession: 'userSession',
  UserInteraction: 'userInteraction',
  Program: 'program',
  ProgramEnrollment: 'programEnrollment',
  Conversation: 'conversation',
  Message: 'message',
  Badge: 'badge',
  UserBadge: 'userBadge',
  Achievement: 'achievement',
  EngagementMetric: 'engagementMetric',
  ProgramAnalytic: 'programAnalytic',
  KnowledgeBase: 'knowledgeBase',
  Document: 'document',
  DocumentChunk: 'documentChunk',
  Channel: 'channel',
  WidgetConfig: 'widgetConfig',
  BillingSubscription: 'billingSubscription',
  UsageRecord: 'usageRecord',
  AuditLog: 'auditLog',
  SecurityAuditLog: 'securityAuditLog',
  ApiUsageLog: 'apiUsageLog',
  ApiKey: 'apiKey',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parse(globalId: string): { typename: string; model: string; id: string } | undefined {
  try {
    const { typename, id } = decodeGlobalID(globalId);
    const model = NODE_MODELS[typename];
    return model && UUID.test(id) ? { typename, model, id: id.toLowerCase() } : undefined;
  } catch {
    return undefined;
  }
}

async function load(globalId: string, ctx: Context, info: GraphQLResolveInfo): Promise<unknown> {
  const node = parse(globalId);
  if (!node) return null;
  const delegate = (prismaFor(ctx) as unknown as Record<string, { findUnique(args: object): Promise<unknown> }>)[
    node.model
  ]!;
  const row = await delegate.findUnique({
    ...queryFromInfo({ context: ctx, info, typeName: node.typename }),
    where: { id: node.id },
  });
  if (row) brandWithType(row, node.typename as never);
  return row;
}

/**
 * Many ids at once: each distinct id is read once, and the ids of one type in one statement, so
 * a list of 100 ids (or 100 copies of one) costs at most one statement per type it names, not
 * one per id, and takes at most that many of the tenant's pool permits at once.
 */
async function loadMany(globalIds: string[], ctx: Context, info: GraphQLResolveInfo): Promise<unknown[]> {
  const parsed = globalIds.map(parse);
  const byType = new Map<string, { model: string; ids: Set<string> }>();
  for (const node of parsed) {
    if (!node) continue;
    const group =
      byType.get(node.typename) ?? byType.set(node.typename, { model: node.model, ids: new Set() }).get(node.typename)!;
    group.ids.add(node.id);
  }
  const rows = new Map<string, unknown>();
  await Promise.all(
    [...byType].map(async ([typename, { model, ids }]) => {
      const delegate = (
        prismaFor(ctx) as unknown as Record<string, { findMany(args: object): Promise<{ id: string }[]> }>
      )[model]!;
      const query = queryFromInfo({ context: ctx, info, typeName: typename }) as { select?: Record<string, unknown> };
      // The id maps each row back to its place, whether the query asked for it or not.
      const args = query.select ? { ...query, select: { ...query.select, id: true } } : query;
      for (const row of await delegate.findMany({ ...args, where: { id: { in: [...ids] } } })) {
        brandWithType(row, typename as never);
        rows.set(`${typename}:${row.id}`, row);
      }
    }),
  );
  return parsed.map((node) => (node ? (rows.get(`${node.typename}:${node.id}`) ?? null) : null));
}

const NodeRef = builder.nodeInterfaceRef();

builder.queryField('node', (t) =>
  t.field({
    type: NodeRef,
    nullable: true,
    description: 'Any entity by its global id; null if it does not exist or is not yours.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx, info) => load(String(id), ctx, info),
  }),
);

builder.queryField('nodes', (t) =>
  t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description: 'Entities by their global ids, in order; null for each that does not exist or is not yours.',
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_root, { ids }, ctx, info) => {
      if (ids.length > MAX_PAGE_SIZE)
        throw new ValidationError([{ path: 'ids', message: `must list at most ${MAX_PAGE_SIZE} ids` }]);
      return loadMany(ids.map(String), ctx, info);
    },
  }),
);
