import { createContextCache } from '@pothos/core';
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import type { Context } from '../../graphql/context';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { ConflictError, InvalidFlowError } from '../../graphql/errors';
import { assertPublishable, parseFlow } from './flow';
import { prismaFor } from '../../graphql/tenant';
import { definedOnly, jsonObject, optionalText, parseInput, text, z, likeText } from '../../graphql/validation';
import { enrollmentStatsLoader } from './enrollment-stats.loader';

const enrollmentStatsFor = createContextCache((ctx: Context) => enrollmentStatsLoader(prismaFor(ctx)));

export const ProgramStatusEnum = builder.enumType('ProgramStatus', {
  values: { DRAFT: { value: 'draft' }, PUBLISHED: { value: 'published' }, ARCHIVED: { value: 'archived' } } as const,
});

const EnrollmentStats = builder
  .objectRef<{ active: number; paused: number; completed: number; dropped: number; total: number }>('EnrollmentStats')
  .implement({
    description: 'Enrollments of a program by status.',
    fields: (t) => ({
      active: t.exposeInt('active'),
      paused: t.exposeInt('paused'),
      completed: t.exposeInt('completed'),
      dropped: t.exposeInt('dropped'),
      total: t.exposeInt('total'),
    }),
  });

builder.prismaNode('Program', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    flowDefinition: t.expose('flowDefinition', { type: 'JSONObject' }),
    status: t.field({ type: ProgramStatusEnum, select: { status: true }, resolve: (p) => p.status as never }),
    version: t.exposeInt('version'),
    settings: t.expose('settings', { type: 'JSONObject' }),
    publishedAt: t.expose('publishedAt', { type: 'DateTime', nullable: true }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    enrollmentCount: t.exposeInt('enrollmentCount'),
    enrollmentStats: t.field({ type: EnrollmentStats, resolve: (p, _args, ctx) => enrollmentStatsFor(ctx).load(p.id) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    enrollments: t.relatedConnection('enrollments', {
      cursor: 'id',
      totalCount: true,
      args: { status: t.arg({ type: EnrollmentStatusEnum }) },
      query: (args) => ({
        where: args.status ? { status: args.status } : {},
        orderBy: [{ enrolledAt: 'desc' }, { id: 'asc' }],
      }),
    }),
    analytics: t.relatedConnection('analytics', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ orderBy: [{ date: 'desc' }, { metricType: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

export const EnrollmentStatusEnum = builder.enumType('EnrollmentStatus', {
  values: {
    ACTIVE: { value: 'active' },
    PAUSED: { value: 'paused' },
    COMPLETED: { value: 'completed' },
    DROPPED: { value: 'dropped' },
  } as const,
});

const ProgramFilter = builder.inputType('ProgramFilter', {
  fields: (t) => ({
    status: t.field({ type: ProgramStatusEnum }),
    search: t.string({ description: 'Part of the name (case-insensitive).' }),
  }),
});

function programWhere(filter: typeof ProgramFilter.$inferInput | null | undefined) {
  return {
    ...(filter?.status ? { status: filter.status } : {}),
    ...(filter?.search?.trim()
      ? { name: { contains: likeText(filter.search.trim()), mode: 'insensitive' as const } }
      : {}),
  };
}

builder.queryField('programs', (t) =>
  t.prismaConnection({
    type: 'Program',
    cursor: 'id',
    args: { filter: t.arg({ type: ProgramFilter }) },
    ...tenantList(
      'program',
      (args: { filter?: typeof ProgramFilter.$inferInput | null }) => programWhere(args.filter),
      [{ createdAt: 'desc' }, { id: 'asc' }],
    ),
  }),
);

const CreateProgramInput = builder.inputType('CreateProgramInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    flowDefinition: t.field({ type: 'JSONObject' }),
    settings: t.field({ type: 'JSONObject' }),
  }),
});

const UpdateProgramInput = builder.inputType('UpdateProgramInput', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
    flowDefinition: t.field({
      type: 'JSONObject',
      description: 'The flow of the next version: publish to make it live (running enrollments keep theirs).',
    }),
    settings: t.field({ type: 'JSONObject' }),
  }),
});

const programFields = {
  name: text(200),
  description: optionalText(5000),
  flowDefinition: jsonObject.nullish(),
  settings: jsonObject.nullish(),
};

builder.mutationField('createProgram', (t) =>
  t.prismaField({
    type: 'Program',
    description: 'Creates a program as a draft.',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { input: t.arg({ type: CreateProgramInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      const data = parseInput(z.object(programFields), input);
      if (data.flowDefinition) parseFlow(data.flowDefinition);
      return prismaFor(ctx).program.create({ ...query, data: definedOnly(data) });
    },
  }),
);

builder.mutationField('updateProgram', (t) =>
  t.prismaField({
    type: 'Program',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { id: t.arg.idOf('Program', { required: true }), input: t.arg({ type: UpdateProgramInput, required: true }) },
    resolve: async (query, _root, { id, ...args }, ctx) => {
      const data = parseInput(z.object({ ...programFields, name: text(200).nullish() }), args.input);
      const db = prismaFor(ctx);
      if (data.flowDefinition) parseFlow(data.flowDefinition);
      if (data.flowDefinition) {
        // The flow being edited is the next version's: running enrollments keep the flow of the
        // version they started on (program_versions), and the edit goes live at the next publish.
        // One conditional statement, so that an archive cannot slip in between.
        const changed = await db.program.updateMany({
          where: { id, status: { not: 'archived' } },
          data: definedOnly(data),
        });
        if (changed.count === 0) {
          await db.program.findUniqueOrThrow({ where: { id }, select: { id: true } });
          throw new ConflictError('The flow of an archived program cannot change');
        }
        return db.program.findUniqueOrThrow({ ...query, where: { id } });
      }
      return db.program.update({ ...query, where: { id }, data: definedOnly(data) });
    },
  }),
);

builder.mutationField('publishProgram', (t) =>
  t.prismaField({
    type: 'Program',
    description:
      "Makes a program live: checks its flow (INVALID_FLOW lists every problem), bumps its version, keeps that version's flow for the enrollments that start on it, and sets publishedAt.",
    errors: { types: [...WRITE_ERRORS, InvalidFlowError] },
    authScopes: { tenant: true },
    args: { id: t.arg.idOf('Program', { required: true }) },
    resolve: async (query, _root, { id }, ctx) => {
      const db = prismaFor(ctx);
      const current = await db.program.findUniqueOrThrow({
        where: { id },
        select: { status: true, version: true, flowDefinition: true },
      });
      if (current.status === 'archived') throw new ConflictError('An archived program cannot be published');
      assertPublishable(current.flowDefinition);
      // Compare-and-set on the version, so two concurrent publishes bump it twice, never lose one.
      // The flow is part of the compare: an edit between the check and the write fails the publish.
      const bumped = await db.program.updateMany({
        where: { id, version: current.version, flowDefinition: { equals: current.flowDefinition as object } },
        data: { status: 'published', version: current.version + 1, publishedAt: new Date(), archivedAt: null },
      });
      if (bumped.count === 0) throw new ConflictError('The program changed while publishing; try again');
      return db.program.findUniqueOrThrow({ ...query, where: { id } });
    },
  }),
);

builder.mutationField('archiveProgram', (t) =>
  t.prismaField({
    type: 'Program',
    description: 'Retires a program: no new enrollments; existing ones keep their data.',
    errors: { types: WRITE_ERRORS },
    authScopes: { tenant: true },
    args: { id: t.arg.idOf('Program', { required: true }) },
    resolve: (query, _root, { id }, ctx) => {
      return prismaFor(ctx).program.update({
        ...query,
        where: { id },
        data: { status: 'archived', archivedAt: new Date() },
      });
    },
  }),
);

deleteMutation(
  'deleteProgram',
  'Program',
  'program',
  'Deletes a program and its enrollments. Archive instead to keep its history.',
);
