import { builder, WRITE_ERRORS } from '../../graphql/builder';
import type { Context } from '../../graphql/context';
import { ValidationError } from '../../graphql/errors';
import { CursorError, openCursor, sealCursor } from '../../graphql/sealed-cursors';
import { toGlobalId } from '../../graphql/ids';
import { parseInput, z } from '../../graphql/validation';
import { EXPORT_SECTIONS } from './export-sections';
import {
  eraseUser,
  exportUserData,
  exportUserDataPage,
  EXPORT_PAGE_DEFAULT,
  EXPORT_PAGE_MAX,
  type ErasureResult,
  type PrivacyDeps,
  type PrivacyRequester,
  type UserExportPage,
} from './privacy.service';

const depsOf = (ctx: Context): PrivacyDeps => ({ app: ctx.db.app, fairness: ctx.fairness });
const requesterOf = (ctx: Context): PrivacyRequester => ({
  viewer: ctx.viewer,
  requestId: ctx.requestId,
  client: ctx.client,
});

const UserExportSectionEnum = builder.enumType('UserExportSection', {
  description: 'A part of a user export, in the order pages come: PROFILE (the user and profile), then each history.',
  values: EXPORT_SECTIONS,
});

const UserExportPageRef = builder.objectRef<UserExportPage>('UserExportPage').implement({
  description: `One page of a user's export (format creatorgraph.user-export.v2): records of one section, in time order. Walk it with after = endCursor until hasNextPage is false; only the last page may be empty.`,
  fields: (t) => ({
    format: t.exposeString('format'),
    userId: t.id({ resolve: (p) => toGlobalId('User', p.userId) }),
    exportedAt: t.field({
      type: 'DateTime',
      description: 'When the export began (its first page).',
      resolve: (p) => p.exportedAt,
    }),
    section: t.field({ type: UserExportSectionEnum, resolve: (p) => p.section }),
    records: t.field({
      type: ['JSON'],
      description: `At most ${EXPORT_PAGE_MAX}: the section's rows, as stored (one JSON object each).`,
      resolve: (p) => p.records,
    }),
    endCursor: t.string({
      nullable: true,
      description: 'Pass as `after` for the next page; null on the last page. Opaque: sealed to this creator.',
      resolve: (p, _args, ctx) => (p.endCursor === null ? null : sealCursor(ctx, 'UserExportPage', p.endCursor)),
    }),
    hasNextPage: t.boolean({ resolve: (p) => p.hasNextPage }),
  }),
});

/** The export's own cursor inside the sealed one; a cursor this API did not issue to this creator is a field problem of `after`. */
function openExportCursor(ctx: Parameters<typeof sealCursor>[0], after: string): string {
  try {
    return openCursor(ctx, 'UserExportPage', after, 'after').toString('utf8');
  } catch (error) {
    if (error instanceof CursorError)
      throw new ValidationError([
        {
          path: 'after',
          message: 'is not a cursor of this export (pass the endCursor of the previous page, for the same user)',
        },
      ]);
    throw error;
  }
}

builder.mutationField('exportUserDataPage', (t) =>
  t.withAuth({ accountHolder: true }).field({
    type: UserExportPageRef,
    description: `Everything held about one end user, page by page, for any history size: the first page (no \`after\`) holds the profile and records the export in securityAuditLogs; each next one holds up to \`first\` records of one section (sessions, interactions, conversations, messages, enrollments, badges, achievements), within half of the response bound (MAX_RESPONSE_BYTES).`,
    errors: { types: WRITE_ERRORS },
    args: {
      userId: t.arg.idOf('User', { required: true }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      first: t.arg.int({
        defaultValue: EXPORT_PAGE_DEFAULT,
        description: `Records per page: at most ${EXPORT_PAGE_MAX}.`,
      }),
    },
    resolve: (_root, { userId, ...args }, ctx) => {
      const first = parseInput(
        z.number().int().min(1).max(EXPORT_PAGE_MAX),
        args.first ?? EXPORT_PAGE_DEFAULT,
        'first',
      );
      const after = args.after === null || args.after === undefined ? null : openExportCursor(ctx, args.after);
      return exportUserDataPage(depsOf(ctx), ctx.tenantId, requesterOf(ctx), userId, after, first);
    },
  }),
);

builder.mutationField('exportUserData', (t) =>
  t.withAuth({ accountHolder: true }).field({
    type: 'JSONObject',
    deprecationReason: 'Use exportUserDataPage: it pages, and works for any history size.',
    description:
      'Everything held about one end user, as one JSON document (format creatorgraph.user-export.v1): profile, sessions, interactions, conversations with their messages, enrollments, badges and achievements. The export is recorded in securityAuditLogs. A history larger than the response bound (MAX_RESPONSE_BYTES) is refused with RESPONSE_TOO_LARGE: use exportUserDataPage. It costs 10,000 query-cost units.',
    extensions: { cost: 10_000 },
    errors: { types: WRITE_ERRORS },
    args: { userId: t.arg.idOf('User', { required: true }) },
    resolve: (_root, { userId }, ctx) => exportUserData(depsOf(ctx), ctx.tenantId, requesterOf(ctx), userId),
  }),
);

const ErasurePayload = builder.objectRef<ErasureResult>('UserErasure').implement({
  fields: (t) => ({
    userId: t.id({ resolve: (r) => toGlobalId('User', r.userId) }),
    erased: t.field({
      type: 'JSONObject',
      description: 'How many rows of each kind were removed.',
      resolve: (r) => r.erased,
    }),
  }),
});

builder.mutationField('eraseUser', (t) =>
  t.withAuth({ accountHolder: true }).field({
    type: ErasurePayload,
    description:
      'Erases an end user (GDPR): the user and everything about them are deleted in one transaction, and the erasure is recorded in auditLogs with counts only. Aggregates that name no one (engagement metrics, analytics) are kept. It costs 1,000 query-cost units.',
    extensions: { cost: 1_000 },
    errors: { types: WRITE_ERRORS },
    args: {
      userId: t.arg.idOf('User', { required: true }),
      reason: t.arg.string({ description: 'Why (e.g. the request reference); kept in the audit log.' }),
    },
    resolve: (_root, { userId, reason }, ctx) =>
      eraseUser(
        depsOf(ctx),
        ctx.tenantId,
        requesterOf(ctx),
        userId,
        parseInput(z.string().trim().max(500).nullish(), reason, 'reason') ?? null,
      ),
  }),
);
