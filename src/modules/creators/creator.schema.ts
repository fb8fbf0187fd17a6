import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { requireAdmin, requireTenant } from '../../graphql/guards';
import { prismaFor } from '../../graphql/tenant';
import { jsonObject, optionalText, parseInput, z, likeText } from '../../graphql/validation';

export const SubscriptionTierEnum = builder.enumType('SubscriptionTier', {
  values: { FREE: { value: 'free' }, STARTER: { value: 'starter' }, PRO: { value: 'pro' }, ENTERPRISE: { value: 'enterprise' } } as const,
});

builder.prismaNode('Creator', {
  id: { field: 'id' },
  nullable: true,
  fields: (t) => ({
    email: t.exposeString('email'),
    firstName: t.exposeString('firstName', { nullable: true }),
    lastName: t.exposeString('lastName', { nullable: true }),
    companyName: t.exposeString('companyName', { nullable: true }),
    subscriptionTier: t.field({ type: SubscriptionTierEnum, resolve: (c) => c.subscriptionTier as never }),
    subscriptionStatus: t.exposeString('subscriptionStatus'),
    subscriptionExpiresAt: t.expose('subscriptionExpiresAt', { type: 'DateTime', nullable: true }),
    settings: t.expose('settings', { type: 'JSONObject' }),
    onboardingCompleted: t.exposeBoolean('onboardingCompleted'),
    onboardingData: t.expose('onboardingData', { type: 'JSONObject' }),
    emailVerified: t.exposeBoolean('emailVerified'),
    lastLoginAt: t.expose('lastLoginAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    programs: t.relatedConnection('programs', { cursor: 'id', totalCount: true, query: () => ({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }) }),
    users: t.relatedConnection('users', { cursor: 'id', totalCount: true, query: () => ({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }) }),
    badges: t.relatedConnection('badges', { cursor: 'id', totalCount: true, query: () => ({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }) }),
    widgetConfig: t.relation('widgetConfig', { nullable: true }),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'Creator',
    nullable: true,
    description: 'The signed-in creator (or the creator an admin acts on); null without credentials.',
    resolve: (query, _root, _args, ctx) => {
      if (ctx.viewer.kind === 'anonymous') return null;
      const creatorId = requireTenant(ctx);
      return prismaFor(ctx).creator.findUnique({ ...query, where: { id: creatorId } });
    },
  }),
);

const UpdateMeInput = builder.inputType('UpdateMeInput', {
  fields: (t) => ({
    firstName: t.string(),
    lastName: t.string(),
    companyName: t.string(),
    settings: t.field({ type: 'JSONObject' }),
    onboardingCompleted: t.boolean(),
    onboardingData: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('updateMe', (t) =>
  t.prismaField({
    type: 'Creator',
    description: "Changes the signed-in creator's profile and settings.",
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: UpdateMeInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const creatorId = requireTenant(ctx);
      const data = parseInput(
        z.object({
          firstName: optionalText(100),
          lastName: optionalText(100),
          companyName: optionalText(200),
          settings: jsonObject.nullish(),
          onboardingCompleted: z.boolean().nullish(),
          onboardingData: jsonObject.nullish(),
        }),
        input,
      );
      return prismaFor(ctx).creator.update({
        ...query,
        where: { id: creatorId },
        data: {
          firstName: data.firstName,
          lastName: data.lastName,
          companyName: data.companyName,
          settings: (data.settings ?? undefined) as object | undefined,
          onboardingCompleted: data.onboardingCompleted ?? undefined,
          onboardingData: (data.onboardingData ?? undefined) as object | undefined,
        },
      });
    },
  }),
);

builder.queryField('creators', (t) =>
  t.prismaConnection({
    type: 'Creator',
    cursor: 'id',
    description: 'Every creator on the platform. Platform admins only.',
    args: { search: t.arg.string({ description: 'Part of the email or company name.' }) },
    totalCount: (_connection, args, ctx) => {
      requireAdmin(ctx);
      return ctx.db.owner.creator.count({ where: searchCreators(args.search) });
    },
    resolve: (query, _root, args, ctx) => {
      requireAdmin(ctx);
      // The owner connection: an admin's list spans tenants by design. Acting on one creator
      // (X-Act-As-Creator) goes through the tenant client like any request.
      return ctx.db.owner.creator.findMany({ ...query, where: searchCreators(args.search), orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    },
  }),
);

function searchCreators(search: string | null | undefined) {
  const q = search?.trim();
  if (!q) return {};
  return { OR: [{ email: { contains: likeText(q.toLowerCase()) } }, { companyName: { contains: likeText(q), mode: 'insensitive' as const } }] };
}
