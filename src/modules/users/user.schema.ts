import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation } from '../../graphql/crud';
import { prismaFor } from '../../graphql/tenant';
import {
  definedOnly,
  channel,
  jsonObject,
  optionalText,
  parseInput,
  text,
  z,
  likeText,
  timeZone,
} from '../../graphql/validation';
import { ChannelTypeEnum, SortOrderEnum } from '../shared/enums';

builder.prismaNode('User', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  fields: (t) => ({
    externalId: t.exposeString('externalId'),
    channel: t.field({ type: ChannelTypeEnum, select: { channel: true }, resolve: (u) => u.channel as never }),
    displayName: t.exposeString('displayName', { nullable: true }),
    email: t.exposeString('email', { nullable: true }),
    profileData: t.expose('profileData', { type: 'JSONObject' }),
    preferences: t.expose('preferences', { type: 'JSONObject' }),
    timezone: t.exposeString('timezone'),
    language: t.exposeString('language'),
    lastActiveAt: t.expose('lastActiveAt', { type: 'DateTime', nullable: true }),
    isActive: t.exposeBoolean('isActive'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    profile: t.relation('profile', { nullable: true }),
    enrollments: t.relatedConnection('enrollments', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ enrolledAt: 'desc' }, { id: 'asc' }] }),
    }),
    conversations: t.relatedConnection('conversations', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ lastMessageAt: { sort: 'desc', nulls: 'last' } }, { id: 'asc' }] }),
    }),
    badges: t.relatedConnection('badges', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ earnedAt: 'desc' }, { id: 'asc' }] }),
    }),
    achievements: t.relatedConnection('achievements', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ earnedAt: 'desc' }, { id: 'asc' }] }),
    }),
    interactions: t.relatedConnection('interactions', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
    }),
    sessions: t.relatedConnection('sessions', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ startedAt: 'desc' }, { id: 'asc' }] }),
    }),
  }),
});

builder.prismaNode('UserProfile', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    user: t.relation('user'),
    interests: t.expose('interests', { type: 'JSON' }),
    goals: t.expose('goals', { type: 'JSON' }),
    preferences: t.expose('preferences', { type: 'JSONObject' }),
    behaviorPatterns: t.expose('behaviorPatterns', { type: 'JSONObject' }),
    engagementScore: t.exposeFloat('engagementScore'),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

builder.prismaNode('UserSession', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    user: t.relation('user'),
    channel: t.field({ type: ChannelTypeEnum, resolve: (s) => s.channel as never }),
    ipAddress: t.exposeString('ipAddress', { nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    metadata: t.expose('metadata', { type: 'JSONObject' }),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    endedAt: t.expose('endedAt', { type: 'DateTime', nullable: true }),
  }),
});

const UserFilter = builder.inputType('UserFilter', {
  fields: (t) => ({
    channel: t.field({ type: ChannelTypeEnum }),
    isActive: t.boolean(),
    activeSince: t.field({ type: 'DateTime', description: 'Last active at or after this instant.' }),
    inactiveSince: t.field({ type: 'DateTime', description: 'Not active since this instant (or never).' }),
    search: t.string({ description: 'Part of the display name, email or external id (case-insensitive).' }),
  }),
});

const UserOrderField = builder.enumType('UserOrderField', {
  values: ['CREATED_AT', 'LAST_ACTIVE_AT', 'DISPLAY_NAME'] as const,
});
const UserOrder = builder.inputType('UserOrder', {
  fields: (t) => ({
    field: t.field({ type: UserOrderField, required: true }),
    direction: t.field({ type: SortOrderEnum, defaultValue: 'desc' }),
  }),
});

type UserFilterShape = typeof UserFilter.$inferInput;

function userWhere(filter: UserFilterShape | null | undefined) {
  if (!filter) return {};
  const search = filter.search?.trim();
  return {
    ...(filter.channel ? { channel: filter.channel } : {}),
    ...(filter.isActive !== null && filter.isActive !== undefined ? { isActive: filter.isActive } : {}),
    ...(filter.activeSince ? { lastActiveAt: { gte: filter.activeSince } } : {}),
    ...(filter.inactiveSince ? { OR: [{ lastActiveAt: null }, { lastActiveAt: { lt: filter.inactiveSince } }] } : {}),
    ...(search
      ? {
          AND: [
            {
              OR: [
                { displayName: { contains: likeText(search), mode: 'insensitive' as const } },
                { email: { contains: likeText(search), mode: 'insensitive' as const } },
                { externalId: { contains: likeText(search), mode: 'insensitive' as const } },
              ],
            },
          ],
        }
      : {}),
  };
}

const ORDER_COLUMN = { CREATED_AT: 'createdAt', LAST_ACTIVE_AT: 'lastActiveAt', DISPLAY_NAME: 'displayName' } as const;

builder.queryField('users', (t) =>
  t.prismaConnection({
    type: 'User',
    cursor: 'id',
    description: "The creator's end users.",
    authScopes: { tenant: true },
    args: { filter: t.arg({ type: UserFilter }), orderBy: t.arg({ type: UserOrder }) },
    totalCount: (_c, args, ctx) => prismaFor(ctx).user.count({ where: userWhere(args.filter) }),
    resolve: (query, _root, args, ctx) => {
      const order = args.orderBy ?? { field: 'CREATED_AT', direction: 'desc' };
      return prismaFor(ctx).user.findMany({
        ...query,
        where: userWhere(args.filter),
        // NULLS LAST only where the column can be null (Prisma rejects it elsewhere).
        orderBy: [
          order.field === 'CREATED_AT'
            ? { createdAt: order.direction ?? 'desc' }
            : { [ORDER_COLUMN[order.field]]: { sort: order.direction ?? 'desc', nulls: 'last' } },
          { id: 'asc' },
        ],
      });
    },
  }),
);

export const userFields = {
  externalId: text(255),
  channel,
  displayName: optionalText(200),
  email: z.string().trim().toLowerCase().email('must be an email address').max(254).nullish(),
  profileData: jsonObject.nullish(),
  preferences: jsonObject.nullish(),
  timezone: timeZone.nullish(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag')
    .nullish(),
  isActive: z.boolean().nullish(),
};

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    externalId: t.string({ required: true }),
    channel: t.field({ type: ChannelTypeEnum, required: true }),
    displayName: t.string(),
    email: t.string(),
    profileData: t.field({ type: 'JSONObject' }),
    preferences: t.field({ type: 'JSONObject' }),
    timezone: t.string(),
    language: t.string(),
  }),
});

const UpdateUserInput = builder.inputType('UpdateUserInput', {
  fields: (t) => ({
    displayName: t.string(),
    email: t.string(),
    profileData: t.field({ type: 'JSONObject' }),
    preferences: t.field({ type: 'JSONObject' }),
    timezone: t.string(),
    language: t.string(),
    isActive: t.boolean(),
  }),
});

builder.mutationField('createUser', (t) =>
  t.prismaField({
    type: 'User',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const data = parseInput(z.object(userFields), input);
      return prismaFor(ctx).user.create({ ...query, data: definedOnly(data) });
    },
  }),
);

builder.mutationField('updateUser', (t) =>
  t.prismaField({
    type: 'User',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { id: t.arg.idOf('User', { required: true }), input: t.arg({ type: UpdateUserInput, required: true }) },
    resolve: (query, _root, { id, input }, ctx) => {
      const { externalId: _e, channel: _c, ...updatable } = userFields;
      const data = parseInput(z.object(updatable), input);
      return prismaFor(ctx).user.update({ ...query, where: { id }, data: definedOnly(data) });
    },
  }),
);

deleteMutation(
  'deleteUser',
  'User',
  'user',
  'Deletes an end user and everything about them (enrollments, conversations, badges...). Returns the deleted id.',
);

const UpsertUserProfileInput = builder.inputType('UpsertUserProfileInput', {
  fields: (t) => ({
    interests: t.stringList(),
    goals: t.field({ type: 'JSON' }),
    preferences: t.field({ type: 'JSONObject' }),
    behaviorPatterns: t.field({ type: 'JSONObject' }),
    engagementScore: t.float(),
  }),
});

builder.mutationField('upsertUserProfile', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'UserProfile',
    description: 'Creates or changes what the AI knows about a user (one profile per user).',
    errors: { types: WRITE_ERRORS },
    args: {
      userId: t.arg.idOf('User', { required: true }),
      input: t.arg({ type: UpsertUserProfileInput, required: true }),
    },
    resolve: (query, _root, { userId, input }, ctx) => {
      const data = definedOnly(
        parseInput(
          z.object({
            interests: z.array(z.string().trim().min(1).max(100)).max(100).nullish(),
            goals: z.array(z.unknown()).max(100).nullish(),
            preferences: jsonObject.nullish(),
            behaviorPatterns: jsonObject.nullish(),
            engagementScore: z
              .number()
              .min(0, 'must be between 0 and 100')
              .max(100, 'must be between 0 and 100')
              .nullish(),
          }),
          input,
        ),
      );
      return prismaFor(ctx).userProfile.upsert({
        ...query,
        where: { creatorId_userId: { creatorId: ctx.tenantId, userId } },
        create: { userId, ...(data as object) },
        update: data as object,
      });
    },
  }),
);
