import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { prismaFor } from '../../graphql/tenant';
import { channel, definedOnly, jsonObject, parseInput, text, z } from '../../graphql/validation';
import { ChannelTypeEnum } from '../shared/enums';

const ChannelStatusEnum = builder.enumType('ChannelStatus', {
  values: {
    ACTIVE: { value: 'active' },
    INACTIVE: { value: 'inactive' },
    PENDING: { value: 'pending' },
    ERROR: { value: 'error' },
  } as const,
});

builder.prismaNode('Channel', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    channelType: t.field({ type: ChannelTypeEnum, resolve: (c) => c.channelType as never }),
    name: t.exposeString('name'),
    configuration: t.expose('configuration', { type: 'JSONObject' }),
    status: t.field({ type: ChannelStatusEnum, resolve: (c) => c.status as never }),
    userCount: t.exposeInt('userCount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('WidgetConfig', {
  id: { field: 'id' },
  nullable: true,
  description: 'How the web widget looks and behaves (one per creator).',
  fields: (t) => ({
    theme: t.expose('theme', { type: 'JSONObject' }),
    behavior: t.expose('behavior', { type: 'JSONObject' }),
    allowedDomains: t.exposeStringList('allowedDomains'),
    rateLimitPerMinute: t.exposeInt('rateLimitPerMinute'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.queryField('channels', (t) =>
  t.prismaConnection({
    type: 'Channel',
    cursor: 'id',
    ...tenantList<object>('channel', () => ({}), [{ channelType: 'asc' }, { id: 'asc' }]),
  }),
);

builder.queryField('widgetConfig', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'WidgetConfig',
    nullable: true,
    resolve: (query, _root, _args, ctx) =>
      prismaFor(ctx).widgetConfig.findUnique({ ...query, where: { creatorId: ctx.tenantId } }),
  }),
);

const ChannelInput = builder.inputType('ChannelInput', {
  fields: (t) => ({
    channelType: t.field({ type: ChannelTypeEnum }),
    name: t.string(),
    configuration: t.field({ type: 'JSONObject' }),
    status: t.field({ type: ChannelStatusEnum }),
  }),
});
const channelFields = {
  name: text(100),
  configuration: jsonObject.nullish(),
  status: z.enum(['active', 'inactive', 'pending', 'error']).nullish(),
};

builder.mutationField('createChannel', (t) =>
  t.prismaField({
    type: 'Channel',
    description: 'Connects a channel. One channel per type (CONFLICT otherwise).',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: ChannelInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const data = parseInput(z.object({ ...channelFields, channelType: channel }), input);
      return prismaFor(ctx).channel.create({ ...query, data: definedOnly(data) });
    },
  }),
);

builder.mutationField('updateChannel', (t) =>
  t.prismaField({
    type: 'Channel',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { id: t.arg.idOf('Channel', { required: true }), input: t.arg({ type: ChannelInput, required: true }) },
    resolve: (query, _root, { id, ...args }, ctx) => {
      const { channelType, ...changes } = args.input;
      const data = parseInput(
        z.object({ ...channelFields, name: text(100).nullish() }).superRefine((_v, issue) => {
          if (channelType)
            issue.addIssue({
              code: 'custom',
              path: ['channelType'],
              message: 'cannot change: create a channel of the other type',
            });
        }),
        changes,
      );
      return prismaFor(ctx).channel.update({ ...query, where: { id }, data: definedOnly(data) });
    },
  }),
);

deleteMutation('deleteChannel', 'Channel', 'channel');

const WidgetConfigInput = builder.inputType('UpdateWidgetConfigInput', {
  fields: (t) => ({
    theme: t.field({ type: 'JSONObject' }),
    behavior: t.field({ type: 'JSONObject' }),
    allowedDomains: t.stringList(),
    rateLimitPerMinute: t.int(),
  }),
});

builder.mutationField('updateWidgetConfig', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'WidgetConfig',
    description: "Sets the web widget's configuration (created on first use).",
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: WidgetConfigInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const creatorId = ctx.tenantId;
      const data = definedOnly(
        parseInput(
          z.object({
            theme: jsonObject.nullish(),
            behavior: jsonObject.nullish(),
            allowedDomains: z
              .array(
                z
                  .string()
                  .trim()
                  .toLowerCase()
                  .regex(
                    /^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$|^localhost(:\d+)?$/,
                    'must be a domain such as example.com or *.example.com',
                  ),
              )
              .max(100, 'must list at most 100 domains')
              .nullish(),
            rateLimitPerMinute: z
              .number()
              .int()
              .min(1, 'must be between 1 and 10000')
              .max(10_000, 'must be between 1 and 10000')
              .nullish(),
          }),
          input,
        ),
      );
      return prismaFor(ctx).widgetConfig.upsert({ ...query, where: { creatorId }, create: data, update: data });
    },
  }),
);
