import { builder, WRITE_ERRORS } from '../../graphql/builder';
import { requireAccountHolder } from '../../graphql/guards';
import { fromGlobalId, toGlobalId } from '../../graphql/ids';
import { parseInput, z } from '../../graphql/validation';
import { eraseUser, exportUserData, type ErasureResult } from './privacy.service';

builder.mutationField('exportUserData', (t) =>
  t.field({
    type: 'JSONObject',
    description:
      'Everything held about one end user, as one JSON document (format creatorgraph.user-export.v1): profile, sessions, interactions, conversations with their messages, enrollments, badges and achievements. The export is recorded in securityAuditLogs.',
    errors: { types: WRITE_ERRORS },
    args: { userId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => {
      const creatorId = requireAccountHolder(ctx);
      return exportUserData(ctx, creatorId, fromGlobalId(String(args.userId), 'User', 'userId'));
    },
  }),
);

const ErasurePayload = builder.objectRef<ErasureResult>('UserErasure').implement({
  fields: (t) => ({
    userId: t.id({ resolve: (r) => toGlobalId('User', r.userId) }),
    erased: t.field({ type: 'JSONObject', description: 'How many rows of each kind were removed.', resolve: (r) => r.erased }),
  }),
});

builder.mutationField('eraseUser', (t) =>
  t.field({
    type: ErasurePayload,
    description:
      "Erases an end user (GDPR): the user and everything about them are deleted in one transaction, and the erasure is recorded in auditLogs with counts only. Aggregates that name no one (engagement metrics, analytics) are kept.",
    errors: { types: WRITE_ERRORS },
    args: { userId: t.arg.id({ required: true }), reason: t.arg.string({ description: 'Why (e.g. the request reference); kept in the audit log.' }) },
    resolve: (_root, args, ctx) => {
      const creatorId = requireAccountHolder(ctx);
      const reason = parseInput(z.string().trim().max(500).nullish(), args.reason, 'reason') ?? null;
      return eraseUser(ctx, creatorId, fromGlobalId(String(args.userId), 'User', 'userId'), reason);
    },
  }),
);
