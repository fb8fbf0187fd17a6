import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { refusal } from '../../graphql/refusal';
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { MAX_PAGE_SIZE } from '../../graphql/page-size';
import { adminClient } from '../../graphql/data-access';
import { prismaFor } from '../../graphql/tenant';
import { jsonObject, optionalText, parseInput, z, likeText } from '../../graphql/validation';
import { RETENTION_POLICIES } from './retention.service';

export const SubscriptionTierEnum = builder.enumType('SubscriptionTier', {
  values: {
    FREE: { value: 'free' },
    STARTER: { value: 'starter' },
    PRO: { value: 'pro' },
    ENTERPRISE: { value: 'enterprise' },
  } as const,
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
    programs: t.relatedConnection('programs', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
    }),
    users: t.relatedConnection('users', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
    }),
    badges: t.relatedConnection('badges', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
    widgetConfig: t.relation('widgetConfig', { nullable: true }),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'Creator',
    nullable: true,
    description: 'The signed-in creator (or the creator an admin acts on); null without credentials.',
    // Not a declared scope: an anonymous caller gets null here, not UNAUTHENTICATED.
    resolve: (query, _root, _args, ctx) => {
      if (ctx.viewer.kind === 'anonymous') return null;
      if (ctx.tenantId === undefined) throw refusal(ctx.viewer, 'tenant');
      return prismaFor(ctx).creator.findUnique({ ...query, where: { id: ctx.tenantId } });
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

// settings is free-form JSON, except settings.retention: the periods (in days) the retention
// job keeps this creator's data, each within the bounds its policy allows.
const retentionSchema = z
  .object(
    Object.fromEntries(
      RETENTION_POLICIES.map((p) => [
        p.setting,
        z
          .number()
          .int('must be a whole number of days')
          .min(p.minDays, `must be at least ${p.minDays} days`)
          .max(p.maxDays, `must be at most ${p.maxDays} days`)
          .optional(),
      ]),
    ),
  )
  .strict();
const settingsSchema = z.record(z.string(), z.unknown()).superRefine((settings, ctx) => {
  if (settings.retention === undefined) return;
  const parsed = retentionSchema.safeParse(settings.retention);
  if (!parsed.success)
    for (const issue of parsed.error.issues)
      ctx.addIssue({
        code: 'custom',
        path: ['retention', ...issue.path],
        message:
          issue.code === 'unrecognized_keys'
            ? `unknown setting (allowed: ${RETENTION_POLICIES.map((p) => p.setting).join(', ')})`
            : issue.message,
      });
});

builder.mutationField('updateMe', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'Creator',
    description: `Changes the signed-in creator's profile and settings. settings.retention sets how many days data is kept: ${RETENTION_POLICIES.map((p) => `${p.setting} (${p.minDays}-${p.maxDays}, default ${p.defaultDays})`).join(', ')}.`,
    errors: { types: WRITE_ERRORS },
    args: { input: t.arg({ type: UpdateMeInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const data = parseInput(
        z.object({
          firstName: optionalText(100),
          lastName: optionalText(100),
          companyName: optionalText(200),
          settings: settingsSchema.nullish(),
          onboardingCompleted: z.boolean().nullish(),
          onboardingData: jsonObject.nullish(),
        }),
        input,
      );
      return prismaFor(ctx).creator.update({
        ...query,
        where: { id: ctx.tenantId },
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

// What an admin's list shows of each creator: the account, nothing it owns. A separate type
// with scalar fields only, read with an explicit column list, because the list runs on the
// owner connection (it spans tenants by design) and must never carry a client's nested
// selection into another tenant's data. To see inside a creator, act on it
// (X-Act-As-Creator + X-Admin-Reason), which goes through row-level security and is recorded.
const CreatorSummary = builder
  .objectRef<{
    id: string;
    email: string;
    firstName: string | null;
    lastName: string | null;
    companyName: string | null;
    subscriptionTier: string;
    subscriptionStatus: string;
    isActive: boolean;
    lastLoginAt: Date | null;
    createdAt: Date;
  }>('CreatorSummary')
  .implement({
    description: 'A creator account as platform admins list it. `id` is what X-Act-As-Creator takes.',
    fields: (t) => ({
      id: t.exposeID('id'),
      email: t.exposeString('email'),
      firstName: t.exposeString('firstName', { nullable: true }),
      lastName: t.exposeString('lastName', { nullable: true }),
      companyName: t.exposeString('companyName', { nullable: true }),
      subscriptionTier: t.field({ type: SubscriptionTierEnum, resolve: (c) => c.subscriptionTier as never }),
      subscriptionStatus: t.exposeString('subscriptionStatus'),
      isActive: t.exposeBoolean('isActive'),
      lastLoginAt: t.expose('lastLoginAt', { type: 'DateTime', nullable: true }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
    }),
  });

const SUMMARY_COLUMNS = {
  id: true,
  email: true,
  firstName: true,
  lastName: true,
  companyName: true,
  subscriptionTier: true,
  subscriptionStatus: true,
  isActive: true,
  lastLoginAt: true,
  createdAt: true,
} as const;

builder.queryField('creators', (t) =>
  t.connection(
    {
      type: CreatorSummary,
      description: 'Every creator account on the platform (no data they own). Platform admins only.',
      args: { search: t.arg.string({ description: 'Part of the email or company name.' }) },
      authScopes: { admin: true },
      resolve: async (_root, args, ctx) => {
        const owner = adminClient(ctx);
        const where = searchCreators(args.search);
        const page = await resolveOffsetConnection({ args }, ({ offset, limit }) =>
          owner.creator.findMany({
            where,
            select: SUMMARY_COLUMNS,
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            skip: offset,
            take: Math.min(limit, MAX_PAGE_SIZE + 1),
          }),
        );
        return Object.assign(page, { totalCount: await owner.creator.count({ where }) });
      },
    },
    {
      fields: (c) => ({
        totalCount: c.int({ resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount }),
      }),
    },
  ),
);

function searchCreators(search: string | null | undefined) {
  const q = search?.trim();
  if (!q) return {};
  return {
    OR: [
      { email: { contains: likeText(q.toLowerCase()) } },
      { companyName: { contains: likeText(q), mode: 'insensitive' as const } },
    ],
  };
}
