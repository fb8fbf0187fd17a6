import { NotFoundError } from '../../graphql/errors';
import { loadForEvent, visibleRows } from '../../realtime/visible';
import { changes } from '../../realtime/streams';
import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { deleteMutation, tenantList } from '../../graphql/crud';
import { tenantTransaction } from '../../graphql/data-access';
import { InvalidTransitionError, ConflictError } from '../../graphql/errors';
import { prismaFor } from '../../graphql/tenant';
import { jsonObject, parseInput, z } from '../../graphql/validation';
import { EnrollmentStatusEnum } from './program.schema';
import { advanceEnrollment, type AdvanceResult } from './flow.service';
import { assertStepDataSize } from './step-data-limits';

builder.prismaNode('ProgramEnrollment', {
  id: { field: 'id' },
  select: { id: true },
  nullable: true,
  fields: (t) => ({
    program: t.relation('program'),
    user: t.relation('user'),
    status: t.field({ type: EnrollmentStatusEnum, select: { status: true }, resolve: (e) => e.status as never }),
    progress: t.exposeFloat('progress'),
    currentStep: t.exposeString('currentStep', { nullable: true }),
    stepData: t.expose('stepData', { type: 'JSONObject' }),
    programVersion: t.exposeInt('programVersion'),
    enrolledAt: t.expose('enrolledAt', { type: 'DateTime' }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    lastActivityAt: t.expose('lastActivityAt', { type: 'DateTime' }),
  }),
});

const EnrollmentFilter = builder.inputType('EnrollmentFilter', {
  fields: (t) => ({
    status: t.field({ type: EnrollmentStatusEnum }),
    programId: t.idOf('Program'),
    userId: t.idOf('User'),
  }),
});

function enrollmentWhere(filter: typeof EnrollmentFilter.$inferInput | null | undefined) {
  return {
    ...(filter?.status ? { status: filter.status } : {}),
    ...(filter?.programId ? { programId: filter.programId } : {}),
    ...(filter?.userId ? { userId: filter.userId } : {}),
  };
}

builder.queryField('enrollments', (t) =>
  t.prismaConnection({
    type: 'ProgramEnrollment',
    cursor: 'id',
    args: { filter: t.arg({ type: EnrollmentFilter }) },
    ...tenantList(
      'programEnrollment',
      (args: { filter?: typeof EnrollmentFilter.$inferInput | null }) => enrollmentWhere(args.filter),
      [{ lastActivityAt: 'desc' }, { id: 'asc' }],
    ),
  }),
);

builder.mutationField('enrollUser', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'ProgramEnrollment',
    description: "Enrolls a user in a published program, at the program's current version and first step.",
    errors: { types: WRITE_ERRORS },
    args: { programId: t.arg.idOf('Program', { required: true }), userId: t.arg.idOf('User', { required: true }) },
    resolve: async (query, _root, { programId, userId }, ctx) => {
      const creatorId = ctx.tenantId;
      const db = prismaFor(ctx);
      const program = await db.program.findUniqueOrThrow({
        where: { id: programId },
        select: { status: true, version: true },
      });
      if (program.status !== 'published') throw new ConflictError('Only a published program takes enrollments');
      // The live version's flow, as published (the program's own flow may be the next draft).
      const live = await db.programVersion.findUnique({
        where: { creatorId_programId_version: { creatorId, programId, version: program.version } },
        select: { flowDefinition: true },
      });
      const start = (live?.flowDefinition as { start?: unknown } | undefined)?.start;
      return db.programEnrollment.create({
        ...query,
        data: {
          programId,
          userId,
          programVersion: program.version,
          currentStep: typeof start === 'string' ? start : null,
        },
      });
    },
  }),
);

const UpdateEnrollmentInput = builder.inputType('UpdateEnrollmentInput', {
  fields: (t) => ({
    status: t.field({ type: EnrollmentStatusEnum }),
    progress: t.float({ description: '0 to 100.' }),
    currentStep: t.string(),
    stepData: t.field({ type: 'JSONObject' }),
  }),
});

builder.mutationField('updateEnrollment', (t) =>
  t.withAuth({ tenant: true }).prismaField({
    type: 'ProgramEnrollment',
    description:
      'Pauses, resumes or drops an enrollment, or changes its stepData. Moving along the flow (currentStep, progress) and completing go through advanceEnrollment; a completed enrollment is final.',
    errors: { types: WRITE_ERRORS },
    args: {
      id: t.arg.idOf('ProgramEnrollment', { required: true }),
      input: t.arg({ type: UpdateEnrollmentInput, required: true }),
    },
    resolve: async (query, _root, { id, ...args }, ctx) => {
      const viaAdvance = 'moves along the flow with advanceEnrollment';
      const input = parseInput(
        z.object({
          status: z
            .enum(['active', 'paused', 'dropped'], {
              message: `must be ACTIVE, PAUSED or DROPPED (completion ${viaAdvance})`,
            })
            .nullish(),
          progress: z.null({ message: `cannot be set: it ${viaAdvance}` }).optional(),
          currentStep: z.null({ message: `cannot be set: it ${viaAdvance}` }).optional(),
          stepData: jsonObject.nullish(),
        }),
        args.input,
      );
      if (input.stepData) assertStepDataSize(input.stepData, 'input.stepData');
      const now = new Date();
      const changed = await tenantTransaction(ctx, async (tx) => {
        const current = await tx.programEnrollment.findUnique({ where: { id }, select: { status: true } });
        if (!current) throw new NotFoundError('Enrollment');
        if (current.status === 'completed') throw new ConflictError('A completed enrollment is final');
        return tx.programEnrollment.update({
          where: { id },
          data: {
            ...(input.status ? { status: input.status } : {}),
            ...(input.stepData ? { stepData: input.stepData } : {}),
            lastActivityAt: now,
          },
          select: { id: true },
        });
      });
      return prismaFor(ctx).programEnrollment.findUniqueOrThrow({ ...query, where: { id: changed.id } });
    },
  }),
);

deleteMutation('unenrollUser', 'ProgramEnrollment', 'programEnrollment', 'Removes an enrollment. Returns its id.');

builder.subscriptionField('enrollmentChanged', (t) =>
  t.prismaField({
    type: 'ProgramEnrollment',
    nullable: true,
    description: 'An enrollment was created or changed (optionally of one program).',
    authScopes: { tenant: true },
    args: { programId: t.arg.idOf('Program') },
    subscribe: async (_root, args, ctx) => {
      const programId = args.programId ?? undefined;
      if (programId && !(await prismaFor(ctx).program.findUnique({ where: { id: programId }, select: { id: true } })))
        throw new NotFoundError('Program');
      return visibleRows(
        ctx,
        'programEnrollment',
        changes(
          ctx,
          (e) => e.entity === 'program_enrollments' && e.op !== 'delete' && (!programId || e.parent === programId),
        ),
        async (since) =>
          (
            await prismaFor(ctx).programEnrollment.findMany({
              where: { lastActivityAt: { gte: since }, ...(programId ? { programId } : {}) },
              select: { id: true },
              orderBy: { lastActivityAt: 'asc' },
              take: 500,
            })
          ).map((e) => e.id),
      );
    },
    resolve: (query, event, _args, ctx) =>
      loadForEvent(event, 'programEnrollment', query, () =>
        prismaFor(ctx).programEnrollment.findUnique({ ...query, where: { id: event.id } }),
      ),
  }),
);

const AdvanceEnrollmentInput = builder.inputType('AdvanceEnrollmentInput', {
  fields: (t) => ({
    answer: t.field({
      type: 'JSON',
      description:
        "The user's answer at the current step (required at a question step); transitions' conditions test it. At most 16 KiB of JSON.",
    }),
    toStep: t.string({
      description: 'Where to go, when several transitions are open; by default the first one the answer opens.',
    }),
  }),
});

const AdvanceEnrollmentPayload = builder.objectRef<AdvanceResult>('AdvanceEnrollmentPayload').implement({
  fields: (t) => ({
    fromStep: t.exposeString('fromStep'),
    toStep: t.exposeString('toStep'),
    completed: t.exposeBoolean('completed', {
      description: 'The move reached an end step: the enrollment is complete.',
    }),
    enrollment: t.prismaField({
      type: 'ProgramEnrollment',
      resolve: (query, r, _a, ctx) =>
        prismaFor(ctx).programEnrollment.findUniqueOrThrow({ ...query, where: { id: r.enrollmentId } }),
    }),
    achievement: t.prismaField({
      type: 'Achievement',
      nullable: true,
      description: 'The completion achievement, when the move completed the enrollment.',
      resolve: (query, r, _a, ctx) =>
        r.achievementId ? prismaFor(ctx).achievement.findUnique({ ...query, where: { id: r.achievementId } }) : null,
    }),
    awardedBadges: t.prismaField({
      type: ['UserBadge'],
      description:
        "Badges awarded in the move's own transaction. The badges a move earns by their rules are awarded by a job right after it (badgeAwarded announces them), so this is usually empty.",
      resolve: (query, r, _a, ctx) =>
        r.awardedBadgeIds.length
          ? prismaFor(ctx).userBadge.findMany({
              ...query,
              where: { id: { in: r.awardedBadgeIds } },
              orderBy: { id: 'asc' },
            })
          : [],
    }),
  }),
});

builder.mutationField('advanceEnrollment', (t) =>
  t.withAuth({ tenant: true }).field({
    type: AdvanceEnrollmentPayload,
    description:
      "Moves a user one step along the flow of the program version they enrolled on, by a transition the flow allows from the current step. Records the move (progress, history, an interaction); at an end step completes the enrollment and grants its achievement: all in one transaction (badges it earns follow from a job). An invalid move is INVALID_TRANSITION and writes nothing. Step data is bounded: one answer 16 KiB of JSON, the answers 64 KiB, the step history 500 moves and 256 KiB, all of it 384 KiB; past a bound (a looping flow's full history too) the move is VALIDATION_FAILED naming the field and the limit, and writes nothing.",
    errors: { types: [...WRITE_ERRORS, InvalidTransitionError] },
    args: {
      enrollmentId: t.arg.idOf('ProgramEnrollment', { required: true }),
      input: t.arg({ type: AdvanceEnrollmentInput, required: true }),
    },
    resolve: (_root, { enrollmentId: id, ...args }, ctx) => {
      const toStep =
        args.input.toStep == null
          ? null
          : parseInput(z.string().trim().min(1).max(100), args.input.toStep, 'input.toStep');
      return advanceEnrollment(ctx.db, ctx.tenantId, id, { answer: args.input.answer ?? undefined, toStep });
    },
  }),
);
