// Messages: the SenderType and MessageType enums, the Message type, its list query, sending and
// deleting messages, and the messageCreated subscription.
import { NotFoundError } from '../../graphql/errors';
import { loadForEvent, visibleRows } from '../../realtime/visible';
import { changes } from '../../realtime/streams';
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { prismaFor } from '../../graphql/tenant';
import { jsonObject, parseInput, text, z } from '../../graphql/validation';
import { DateRangeInput, timeRange } from '../shared/enums';

const SenderTypeEnum = builder.enumType('SenderType', {
  values: { USER: { value: 'user' }, AI: { value: 'ai' }, CREATOR: { value: 'creator' } } as const,
});
const MessageTypeEnum = builder.enumType('MessageType', {
  values: {
    TEXT: { value: 'text' },
    IMAGE: { value: 'image' },
    AUDIO: { value: 'audio' },
    VIDEO: { value: 'video' },
    FILE: { value: 'file' },
    QUICK_REPLY: { value: 'quick_reply' },
    SYSTEM: { value: 'system' },
  } as const,
});

const MessageFilter = builder.inputType('MessageFilter', {
  fields: (t) => ({
    conversationId: t.idOf('Conversation'),
    senderType: t.field({ type: SenderTypeEnum }),
    sent: t.field({ type: DateRangeInput }),
  }),
});

function messageWhere(filter: typeof MessageFilter.$inferInput | null | undefined) {
  return {
    ...(filter?.conversationId ? { conversationId: filter.conversationId } : {}),
    ...(filter?.senderType ? { senderType: filter.senderType } : {}),
    ...(filter?.sent ? { createdAt: timeRange(filter.sent) } : {}),
  };
}

builder.prismaNode('Message', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    conversation: t.relation('conversation'),
    senderType: t.field({ type: SenderTypeEnum, resolve: (m) => m.senderType as never }),
    senderId: t.exposeString('senderId', { nullable: true }),
    content: t.exposeString('content'),
    messageType: t.field({ type: MessageTypeEnum, resolve: (m) => m.messageType as never }),
    metadata: t.expose('metadata', { type: 'JSONObject' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    responseTimeMs: t.exposeInt('responseTimeMs', { nullable: true }),
    aiConfidence: t.exposeFloat('aiConfidence', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('messages', (t) =>
  t.prismaConnection({
    type: 'Message',
    cursor: 'id',
    description: 'Messages by time, oldest first.',
    args: { filter: t.arg({ type: MessageFilter }) },
    ...tenantList(
      'message',
      (args: { filter?: typeof MessageFilter.$inferInput | null }) => messageWhere(args.filter),
      [{ createdAt: 'asc' }, { id: 'asc' }],
    ),
  }),
);

const SendMessageInput = builder.inputType('SendMessageInput', {
  fields: (t) => ({
    conversationId: t.idOf('Conversation', { required: true }),
    content: t.string({ required: true }),
    senderType: t.field({
      type: SenderTypeEnum,
      defaultValue: 'creator',
      description: 'Defaults to CREATOR: a message written by the creator.',
    }),
    messageType: t.field({ type: MessageTypeEnum, defaultValue: 'text' }),
    metadata: t.field({ type: 'JSONObject' }),
    responseTimeMs: t.int(),
    aiConfidence: t.float({ description: '0 to 1, for AI messages.' }),
  }),
});

builder.mutationField('sendMessage', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'Message',
    description: "Adds a message to a conversation (the conversation's counters follow).",
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const creatorId = ctx.tenantId;
      const conversationId = input.conversationId;
      const data = parseInput(
        z.object({
          content: text(10_000),
          senderType: z.enum(['user', 'ai', 'creator']),
          messageType: z.enum(['text', 'image', 'audio', 'video', 'file', 'quick_reply', 'system']),
          metadata: jsonObject.nullish(),
          responseTimeMs: z.number().int().min(0, 'must not be negative').nullish(),
          aiConfidence: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullish(),
        }),
        input,
      );
      const db = prismaFor(ctx);
      // The sender: the conversation's user, the creator, or nobody for the AI.
      const conversation = await db.conversation.findUniqueOrThrow({
        where: { id: conversationId },
        select: { userId: true },
      });
      return db.message.create({
        ...query,
        data: {
          conversationId,
          content: data.content,
          senderType: data.senderType,
          senderId: data.senderType === 'creator' ? creatorId : data.senderType === 'user' ? conversation.userId : null,
          messageType: data.messageType,
          metadata: (data.metadata ?? {}) as object,
          responseTimeMs: data.responseTimeMs ?? null,
          aiConfidence: data.aiConfidence ?? null,
          deliveredAt: new Date(),
        },
      });
    },
  }),
);

deleteMutation('deleteMessage', 'Message', 'message');

builder.subscriptionField('messageCreated', (t) =>
  t.prismaField({
    type: 'Message',
    nullable: true,
    description: 'A message was added (optionally to one conversation).',
    authScopes: { tenant: true },
    args: { conversationId: t.arg.idOf('Conversation') },
    subscribe: async (_root, args, ctx) => {
      const conversationId = args.conversationId ?? undefined;
      if (
        conversationId &&
        !(await prismaFor(ctx).conversation.findUnique({ where: { id: conversationId }, select: { id: true } }))
      )
        throw new NotFoundError('Conversation');
      const db = prismaFor(ctx);
      return visibleRows(
        ctx,
        'message',
        changes(
          ctx,
          (e) => e.entity === 'messages' && e.op === 'insert' && (!conversationId || e.parent === conversationId),
        ),
        async (since) =>
          (
            await db.message.findMany({
              where: { createdAt: { gte: since }, ...(conversationId ? { conversationId } : {}) },
              select: { id: true },
              orderBy: { createdAt: 'asc' },
              take: 500,
            })
          ).map((m) => m.id),
        true,
      );
    },
    resolve: (query, event, _args, ctx) =>
      loadForEvent(event, 'message', query, () =>
        prismaFor(ctx).message.findUnique({ ...query, where: { id: event.id } }),
      ),
  }),
);
