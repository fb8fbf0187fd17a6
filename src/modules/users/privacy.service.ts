// GDPR: everything held about one end user, exported or erased. Both run in one tenant
// transaction and leave a record: an export in security_audit_logs (who read it), an erasure in
// audit_log (what was removed, as counts: the record must not keep what it says was erased).
import { withTenantTransaction } from '../../db/tenant';
import { NotFoundError } from '../../graphql/errors';
import type { Context } from '../../server/context';
import { securityLog } from '../creators/auth.service';

const EXPORT_FORMAT = 'creatorgraph.user-export.v1';

/** JSON-safe: BigInt as a string, Dates as ISO strings (JSON.stringify's own rule). */
function plain<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

function actor(ctx: Context): { actorType: 'creator' | 'admin' | 'partner'; actorId: string | null } {
  const v = ctx.viewer;
  if (v.kind === 'admin') return { actorType: 'admin', actorId: v.adminId };
  if (v.kind === 'partner') return { actorType: 'partner', actorId: v.keyId };
  if (v.kind === 'creator') return { actorType: 'creator', actorId: v.creatorId };
  return { actorType: 'creator', actorId: null };
}

export async function exportUserData(ctx: Context, creatorId: string, userId: string): Promise<Record<string, unknown>> {
  return withTenantTransaction(ctx.db.app, creatorId, async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, include: { profile: true }, omit: { changeXid: true } });
    if (!user) throw new NotFoundError('User');
    const [sessions, interactions, conversations, enrollments, badges, achievements] = await Promise.all([
      // Not the session token's hash: a credential, not data about the person.
      tx.userSession.findMany({ where: { userId }, orderBy: [{ startedAt: 'asc' }, { id: 'asc' }], omit: { sessionTokenHash: true } }),
      tx.userInteraction.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
      tx.conversation.findMany({ where: { userId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], include: { messages: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } } }),
      tx.programEnrollment.findMany({ where: { userId }, orderBy: [{ enrolledAt: 'asc' }, { id: 'asc' }], include: { program: { select: { id: true, name: true } } } }),
      tx.userBadge.findMany({ where: { userId }, orderBy: [{ earnedAt: 'asc' }, { id: 'asc' }], include: { badge: { select: { id: true, name: true, description: true } } } }),
      tx.achievement.findMany({ where: { userId }, orderBy: [{ earnedAt: 'asc' }, { id: 'asc' }] }),
    ]);
    await securityLog(tx, ctx, { eventType: 'user_data.exported', severity: 'medium', eventData: { userId, ...actor(ctx) } });
    const { profile, ...profileless } = user;
    return plain({
      format: EXPORT_FORMAT,
      exportedAt: new Date(),
      user: profileless,
      profile,
      sessions,
      interactions,
      conversations,
      enrollments,
      badges,
      achievements,
    }) as Record<string, unknown>;
  });
}

export interface ErasureResult {
  userId: string;
  erased: Record<string, number>;
}

/**
 * Deletes the user and everything about them (the foreign keys cascade), and records the
 * erasure in audit_log with counts only. Aggregates that name no one (engagement metrics,
 * program analytics, usage) stay.
 */
export async function eraseUser(ctx: Context, creatorId: string, userId: string, reason: string | null): Promise<ErasureResult> {
  return withTenantTransaction(ctx.db.app, creatorId, async (tx) => {
    const [counts] = await tx.$queryRaw<Record<string, bigint>[]>`
      SELECT (SELECT count(*) FROM user_sessions WHERE user_id = ${userId}::uuid) AS sessions,
             (SELECT count(*) FROM user_interactions WHERE user_id = ${userId}::uuid) AS interactions,
             (SELECT count(*) FROM conversations WHERE user_id = ${userId}::uuid) AS conversations,
             (SELECT count(*) FROM messages m JOIN conversations c ON c.creator_id = m.creator_id AND c.id = m.conversation_id WHERE c.user_id = ${userId}::uuid) AS messages,
             (SELECT count(*) FROM program_enrollments WHERE user_id = ${userId}::uuid) AS enrollments,
             (SELECT count(*) FROM user_badges WHERE user_id = ${userId}::uuid) AS badges,
             (SELECT count(*) FROM achievements WHERE user_id = ${userId}::uuid) AS achievements,
             (SELECT count(*) FROM user_profiles WHERE user_id = ${userId}::uuid) AS profiles`;
    const conversations = (await tx.conversation.findMany({ where: { userId }, select: { id: true } })).map((c) => c.id);
    const deleted = await tx.user.deleteMany({ where: { id: userId } });
    if (deleted.count === 0) throw new NotFoundError('User');
    // The trail keeps what happened, not the person: every record about the user, this delete's
    // included, loses its values; the erasure records itself below with counts only.
    const redacted = await tx.$queryRaw<{ n: number }[]>`SELECT app.redact_user_audit(${userId}::uuid, ${conversations}::uuid[]) AS n`;
    const erased = { ...Object.fromEntries(Object.entries(counts!).map(([k, v]) => [k, Number(v)])), auditRecordsRedacted: Number(redacted[0]?.n ?? 0) };
    const who = actor(ctx);
    await tx.auditLog.create({
      data: {
        tableName: 'users',
        operation: 'DELETE',
        recordId: userId,
        oldValues: { erasure: erased },
        newValues: undefined,
        actorType: who.actorType,
        actorId: who.actorId,
        requestId: ctx.requestId,
        reason: `GDPR erasure${reason ? `: ${reason}` : ''}`,
      },
      select: { id: true },
    });
    return { userId, erased };
  });
}
