import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { tenantTransaction } from '../../graphql/data-access';
import { prismaFor } from '../../graphql/tenant';
import { channel, identifier, jsonObject, parseInput, z } from '../../graphql/validation';
import { ChannelTypeEnum, DateRangeInput, timeRange } from '../shared/enums';

builder.prismaNode('UserInteraction', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    user: t.relation('user'),
    interactionType: t.exposeString('interactionType'),
    interactionData: t.expose('interactionData', { type: 'JSONObject' }),
    channel: t.field({ type: ChannelTypeEnum, nullable: true, resolve: (i) => i.channel as never }),
    session: t.relation('session', { nullable: true }),
    program: t.relation('program', { nullable: true }),
    message: t.relation('message', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const InteractionFilter = builder.inputType('InteractionFilter', {
  fields: (t) => ({
    userId: t.idOf('User'),
    interactionType: t.string(),
    programId: t.idOf('Program'),
    occurred: t.field({ type: DateRangeInput }),
  }),
});
const interactionWhere = (f: typeof InteractionFilter.$inferInput | null | undefined) => ({
  ...(f?.userId ? { userId: f.userId } : {}),
  ...(f?.programId ? { programId: f.programId } : {}),
  ...(f?.interactionType ? { interactionType: f.interactionType } : {}),
  ...(f?.occurred ? { createdAt: timeRange(f.occurred) } : {}),
});

builder.queryField('interactions', (t) =>
  t.prismaConnection({
    type: 'UserInteraction',
    cursor: 'id',
    description: 'What users did, newest first.',
    args: { filter: t.arg({ type: InteractionFilter }) },
    ...tenantList(
      'userInteraction',
      (args: { filter?: typeof InteractionFilter.$inferInput | null }) => interactionWhere(args.filter),
      [{ createdAt: 'desc' }, { id: 'asc' }],
    ),
  }),
);

const RecordInteractionInput = builder.inputType('RecordInteractionInput', {
  fields: (t) => ({
    userId: t.idOf('User', { required: true }),
    interactionType: t.string({ required: true, description: 'lower_snake_case, e.g. lesson_viewed.' }),
    interactionData: t.field({ type: 'JSONObject' }),
    channel: t.field({ type: ChannelTypeEnum }),
    sessionId: t.idOf('UserSession'),
    programId: t.idOf('Program'),
    messageId: t.idOf('Message'),
  }),
});

builder.mutationField('recordInteraction', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'UserInteraction',
    description: 'Records something a user did, and marks the user active now.',
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: RecordInteractionInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) => {
      const data = parseInput(
        z.object({
          interactionType: identifier,
          interactionData: jsonObject.nullish(),
          channel: channel.nullish(),
        }),
        input,
      );
      const { userId } = input;
      const refs = {
        sessionId: input.sessionId ?? null,
        programId: input.programId ?? null,
        messageId: input.messageId ?? null,
      };
      // Two writes, one transaction: the interaction and the user's activity time.
      const id = await tenantTransaction(ctx, async (tx) => {
        const now = new Date();
        const row = await tx.userInteraction.create({
          data: {
            userId,
            interactionType: data.interactionType,
            interactionData: data.interactionData ?? {},
            channel: data.channel ?? null,
            ...refs,
            createdAt: now,
          },
          select: { id: true },
        });
        await tx.user.update({ where: { id: userId }, data: { lastActiveAt: now }, select: { id: true } });
        return row.id;
      });
      return prismaFor(ctx).userInteraction.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

deleteMutation('deleteInteraction', 'UserInteraction', 'userInteraction');
