// Badges: the Badge type, its list query, and the mutations that create, change and delete badges.
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { ValidationError } from '../../graphql/errors';
import type { Context } from '../../graphql/context';
import { parseCriteria, programIdsOf, type Criteria } from './criteria';
import { prismaFor } from '../../graphql/tenant';
import {
  definedOnly,
  jsonObject,
  optionalText,
  parseInput,
  text,
  z,
  likeText,
  validateAll,
} from '../../graphql/validation';

builder.prismaNode('Badge', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    criteria: t.expose('criteria', {
      type: 'JSONObject',
      description:
        'The rule that awards the badge automatically ({} = by hand only). One of {type: "program_completed", programId}, {type: "programs_completed", count}, {type: "interactions", interactionType, count, windowDays?}, {type: "messages_sent", count}, {type: "points_total", atLeast}, {type: "streak", days}, or {allOf: [...]} / {anyOf: [...]} of those.',
    }),
    design: t.expose('design', { type: 'JSONObject' }),
    isActive: t.exposeBoolean('isActive'),
    awardedCount: t.exposeInt('awardedCount'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    awards: t.relatedConnection('awards', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ earnedAt: 'desc' }, { id: 'asc' }] }),
    }),
  }),
});

const BadgeFilter = builder.inputType('BadgeFilter', {
  fields: (t) => ({ isActive: t.boolean(), search: t.string() }),
});
const badgeWhere = (f: typeof BadgeFilter.$inferInput | null | undefined) => ({
  ...(f?.isActive !== null && f?.isActive !== undefined ? { isActive: f.isActive } : {}),
  ...(f?.search?.trim() ? { name: { contains: likeText(f.search.trim()), mode: 'insensitive' as const } } : {}),
});

builder.queryField('badges', (t) =>
  t.prismaConnection({
    type: 'Badge',
    cursor: 'id',
    args: { filter: t.arg({ type: BadgeFilter }) },
    ...tenantList('badge', (args: { filter?: typeof BadgeFilter.$inferInput | null }) => badgeWhere(args.filter), [
      { name: 'asc' },
      { id: 'asc' },
    ]),
  }),
);

const BadgeInput = builder.inputType('BadgeInput', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    criteria: t.field({ type: 'JSONObject' }),
    design: t.field({ type: 'JSONObject' }),
    isActive: t.boolean(),
  }),
});
const badgeFields = {
  name: text(100),
  description: optionalText(1000),
  criteria: jsonObject.nullish(),
  design: jsonObject.nullish(),
  isActive: z.boolean().nullish(),
};

/** The badge input with its criteria checked, and every program it names found in this tenant. */
async function badgeData(ctx: Context, input: Record<string, unknown>, schema: z.ZodType<Record<string, unknown>>) {
  const [data, criteria] = validateAll(
    () => parseInput(schema, input),
    () => (input.criteria == null ? undefined : parseCriteria(input.criteria)),
  );
  if (criteria) {
    const ids = [...new Set(programIdsOf(criteria as Criteria))];
    const found = ids.length ? await prismaFor(ctx).program.count({ where: { id: { in: ids } } }) : 0;
    if (found < ids.length)
      throw new ValidationError([{ path: 'input.criteria', message: 'names a program that does not exist' }]);
  }
  return definedOnly({ ...data, ...(criteria ? { criteria } : {}) }) as never;
}

builder.mutationField('createBadge', (t) =>
  t.prismaField({
    type: 'Badge',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: BadgeInput, required: true }) },
    resolve: async (query, _root, { input }, ctx) =>
      prismaFor(ctx).badge.create({ ...query, data: await badgeData(ctx, input, z.object(badgeFields)) }),
  }),
);

builder.mutationField('updateBadge', (t) =>
  t.prismaField({
    type: 'Badge',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { id: t.arg.idOf('Badge', { required: true }), input: t.arg({ type: BadgeInput, required: true }) },
    resolve: async (query, _root, { id, input }, ctx) =>
      prismaFor(ctx).badge.update({
        ...query,
        where: { id },
        data: await badgeData(ctx, input, z.object({ ...badgeFields, name: text(100).nullish() })),
      }),
  }),
);

deleteMutation(
  'deleteBadge',
  'Badge',
  'badge',
  'Deletes a badge and every award of it. Set isActive to false to retire it instead.',
);
