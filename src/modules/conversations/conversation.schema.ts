// Conversations: the ConversationStatus enum, the Conversation type, its list query, and the mutations
// that open, change, escalate and delete conversations.
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation } from '../../graphql/crud';
import { prismaFor } from '../../graphql/tenant';
import { channel, jsonObject, parseInput, z } from '../../graphql/validation';
import { ChannelTypeEnum, DateRangeInput, timeRange } from '../shared/enums';

const ConversationStatusEnum = builder.enumType('ConversationStatus', {
  values: { ACTIVE: { value: 'active' }, CLOSED: { value: 'closed' }, ARCHIVED: { value: 'archived' } } as const,
});

builder.prismaNode('Conversation', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    user: t.relation('user'),
    channel: t.field({ type: ChannelTypeEnum, resolve: (c) => c.channel as never }),
    status: t.field({ type: ConversationStatusEnum, resolve: (c) => c.status as never }),
    context: t.expose('context', { type: 'JSONObject' }),
    metadata: t.expose('metadata', { type: 'JSONObject' }),
    lastMessageAt: t.expose('lastMessageAt', { type: 'DateTime', nullable: true }),
    messageCount: t.exposeInt('messageCount'),
    escalatedToHuman: t.exposeBoolean('escalatedToHuman'),
    escalatedAt: t.expose('escalatedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    messages: t.relatedConnection('messages', {
      cursor: 'id',
      totalCount: true,
      description: 'Oldest first.',
      args: { sent: t.arg({ type: DateRangeInput }) },
      query: (args) => ({
        where: args.sent ? { createdAt: timeRange(args.sent) } : {},
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      }),
    }),
  }),
});

const ConversationFilter = builder.inputType('ConversationFilter', {
  fields: (t) => ({
    status: t.field({ type: ConversationStatusEnum }),
    channel: t.field({ type: ChannelTypeEnum }),
    escalated: t.boolean(),
    userId: t.idOf('User'),
  }),
});

function conversationWhere(filter: typeof ConversationFilter.$inferInput | null | undefined) {
  return {
    ...(filter?.status ? { status: filter.status } : {}),
    ...(filter?.channel ? { channel: filter.channel } : {}),
    ...(filter?.escalated !== null && filter?.escalated !== undefined ? { escalatedToHuman: filter.escalated } : {}),
    ...(filter?.userId ? { userId: filter.userId } : {}),
  };
}

builder.queryField('conversations', (t) =>
  t.prismaConnection({
    type: 'Conversation',
    cursor: 'id',
    description: 'Escalated conversations first, then by latest message.',
    authScopes: { tenant: true },
    args: { filter: t.arg({ type: ConversationFilter }) },
    totalCount: (_c, args, ctx) => prismaFor(ctx).conversation.count({ where: conversationWhere(args.filter) }),
    resolve: (query, _root, args, ctx) =>
      prismaFor(ctx).conversation.findMany({
        ...query,
        where: conversationWhere(args.filter),
        orderBy: [{ escalatedToHuman: 'desc' }, { lastMessageAt: { sort: 'desc', nulls: 'last' } }, { id: 'asc' }],
      }),
  }),
);

const CreateConversationInput = builder.inputType('CreateConversationInput', {
  fields: (t) => ({
    userId: t.idOf('User', { required: true }),
    channel: t.field({ type: ChannelTypeEnum, required: true }),
    context: t.field({ type: 'JSONObject' }),
    metadata: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('createConversation', (t) =>
  t.prismaField({
    type: 'Conversation',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: CreateConversationInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const data = parseInput(
        z.object({ channel, context: jsonObject.nullish(), metadata: jsonObject.nullish() }),
        input,
      );
      return prismaFor(ctx).conversation.create({
        ...query,
        data: {
          userId: input.userId,
          channel: data.channel,
          context: (data.context ?? {}) as object,
          metadata: (data.metadata ?? {}) as object,
        },
      });
    },
  }),
);

const UpdateConversationInput = builder.inputType('UpdateConversationInput', {
  fields: (t) => ({
    status: t.field({ type: ConversationStatusEnum }),
    context: t.field({ type: 'JSONObject' }),
    metadata: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('updateConversation', (t) =>
  t.prismaField({
    type: 'Conversation',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: {
      id: t.arg.idOf('Conversation', { required: true }),
      input: t.arg({ type: UpdateConversationInput, required: true }),
    },
    resolve: (query, _root, { id, ...args }, ctx) => {
      return prismaFor(ctx).conversation.update({
        ...query,
        where: { id },
        data: {
          ...(args.input.status ? { status: args.input.status } : {}),
          ...(args.input.context ? { context: args.input.context as object } : {}),
          ...(args.input.metadata ? { metadata: args.input.metadata as object } : {}),
        },
      });
    },
  }),
);

builder.mutationField('escalateConversation', (t) =>
  t.prismaField({
    type: 'Conversation',
    description: 'Hands a conversation to a human. Escalating twice keeps the first escalation time.',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { id: t.arg.idOf('Conversation', { required: true }), reason: t.arg.string() },
    resolve: async (query, _root, { id, ...args }, ctx) => {
      const reason = parseInput(
        z.string().trim().max(1000, 'must be at most 1000 characters').nullish(),
        args.reason,
        'reason',
      );
      const db = prismaFor(ctx);
      const current = await db.conversation.findUniqueOrThrow({
        where: { id },
        select: { escalatedToHuman: true, metadata: true },
      });
      if (current.escalatedToHuman) return db.conversation.findUniqueOrThrow({ ...query, where: { id } });
      return db.conversation.update({
        ...query,
        where: { id },
        data: {
          escalatedToHuman: true,
          escalatedAt: new Date(),
          metadata: { ...(current.metadata as object), ...(reason ? { escalationReason: reason } : {}) },
        },
      });
    },
  }),
);

deleteMutation('deleteConversation', 'Conversation', 'conversation');
