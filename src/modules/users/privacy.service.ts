// GDPR: everything held about one end user, exported or erased. Both run in one tenant
// transaction and leave a record: an export in security_audit_logs (who read it), an erasure in
// audit_log (what was removed, as counts: the record must not keep what it says was erased).
// The export's parts: export-sections.ts (what is read), export-cursor.ts (where a paged export
// stands), export-reader.ts (reading a page).
import type { Viewer } from '../../auth/viewer';
import type { FairnessConfig } from '../../config/fairness';
import type { PrismaClient } from '../../db/clients';
import { withTenantTransaction } from '../../db/tenant';
import { NotFoundError, ResponseTooLargeError } from '../../graphql/errors';
import { securityLog, type RequestOrigin } from '../audit/security-log.service';
import { decodeCursor, encodeCursor, type Position } from './export-cursor';
import { profileRecord, readSection } from './export-reader';
import { EXPORT_SECTIONS, type ExportSection } from './export-sections';

const EXPORT_FORMAT = 'creatorgraph.user-export.v1';
const PAGED_FORMAT = 'creatorgraph.user-export.v2';

/** Records in one page of a paged export: by default, and at most. */
export const EXPORT_PAGE_DEFAULT = 100;
export const EXPORT_PAGE_MAX = 500;

/** What an export or an erasure needs: the application client, and the response bound. */
export interface PrivacyDeps {
  app: PrismaClient;
  fairness: Pick<FairnessConfig, 'maxResponseBytes'>;
}

/** Who asks, as the export's or erasure's record names them: the viewer, and the request it came in. */
export interface PrivacyRequester extends RequestOrigin {
  viewer: Viewer;
}

function actor(requester: PrivacyRequester): { actorType: 'creator' | 'admin' | 'partner'; actorId: string | null } {
  const v = requester.viewer;
  if (v.kind === 'admin') return { actorType: 'admin', actorId: v.adminId };
  if (v.kind === 'partner') return { actorType: 'partner', actorId: v.keyId };
  if (v.kind === 'creator') return { actorType: 'creator', actorId: v.creatorId };
  return { actorType: 'creator', actorId: null };
}

export interface UserExportPage {
  format: string;
  userId: string;
  exportedAt: Date;
  section: ExportSection;
  records: unknown[];
  /** Where the next page starts; null on the last page. */
  endCursor: string | null;
  hasNextPage: boolean;
}

/**
 * One page of a user's export. The first page (no cursor) holds the profile and records the
 * export in security_audit_logs; each next page holds up to `first` records of one section
 * (within half of MAX_RESPONSE_BYTES), and empty sections are skipped.
 */
export async function exportUserDataPage(
  deps: PrivacyDeps,
  creatorId: string,
  requester: PrivacyRequester,
  userId: string,
  after: string | null,
  first: number,
): Promise<UserExportPage> {
  const cursor = after === null ? null : decodeCursor(after, userId);
  const budgetBytes = Math.floor(deps.fairness.maxResponseBytes / 2);
  return withTenantTransaction(deps.app, creatorId, async (tx) => {
    const page = (section: number, records: unknown[], next: Position | null, exportedAt: string): UserExportPage => ({
      format: PAGED_FORMAT,
      userId,
      exportedAt: new Date(exportedAt),
      section: EXPORT_SECTIONS[section]!,
      records,
      endCursor: next && next.section < EXPORT_SECTIONS.length ? encodeCursor({ ...next, userId, exportedAt }) : null,
      hasNextPage: Boolean(next && next.section < EXPORT_SECTIONS.length),
    });
    if (!cursor) {
      const profile = await profileRecord(tx, userId);
      await securityLog(tx, requester, {
        eventType: 'user_data.exported',
        severity: 'medium',
        eventData: { userId, paged: true, ...actor(requester) },
      });
      return page(0, [profile.value], { section: 1, at: null, id: null }, new Date().toISOString());
    }
    // The user must still be there (and be this tenant's: RLS).
    if (!(await tx.user.findUnique({ where: { id: userId }, select: { id: true } }))) throw new NotFoundError('User');
    let position: Position = cursor;
    for (;;) {
      const read = await readSection(tx, userId, position, first, budgetBytes);
      const next = read.next ?? { section: position.section + 1, at: null, id: null };
      // An empty section is skipped, unless it is the last.
      if (read.records.length > 0 || next.section >= EXPORT_SECTIONS.length)
        return page(position.section, read.records, next, cursor.exportedAt);
      position = next;
    }
  });
}

/**
 * The whole export as one document (format creatorgraph.user-export.v1), for what fits one
 * response: it is read page by page and refused with RESPONSE_TOO_LARGE as soon as it would pass
 * MAX_RESPONSE_BYTES, so it never holds more than that. Deprecated for exportUserDataPage.
 */
export async function exportUserData(
  deps: PrivacyDeps,
  creatorId: string,
  requester: PrivacyRequester,
  userId: string,
): Promise<Record<string, unknown>> {
  const maxBytes = deps.fairness.maxResponseBytes;
  return withTenantTransaction(deps.app, creatorId, async (tx) => {
    const profile = await profileRecord(tx, userId);
    let bytes = profile.bytes;
    const sections: Partial<Record<ExportSection, unknown[]>> = {};
    for (let section = 1; section < EXPORT_SECTIONS.length; section++) {
      const records: unknown[] = (sections[EXPORT_SECTIONS[section]!] = []);
      let position: Position | null = { section, at: null, id: null };
      while (position) {
        const read = await readSection(tx, userId, position, EXPORT_PAGE_MAX, maxBytes);
        bytes += read.bytes;
        if (bytes > maxBytes) throw new ResponseTooLargeError(bytes, maxBytes);
        for (const record of read.records) records.push(record);
        position = read.next;
      }
    }
    await securityLog(tx, requester, {
      eventType: 'user_data.exported',
      severity: 'medium',
      eventData: { userId, ...actor(requester) },
    });
    const messagesOf = new Map<string, unknown[]>();
    for (const message of sections.MESSAGES as { conversationId: string }[]) {
      const list = messagesOf.get(message.conversationId) ?? [];
      list.push(message);
      messagesOf.set(message.conversationId, list);
    }
    const { user, profile: userProfile } = profile.value as { user: unknown; profile: unknown };
    return {
      format: EXPORT_FORMAT,
      exportedAt: new Date().toISOString(),
      user,
      profile: userProfile,
      sessions: sections.SESSIONS,
      interactions: sections.INTERACTIONS,
      conversations: (sections.CONVERSATIONS as { id: string }[]).map((c) => ({
        ...c,
        messages: messagesOf.get(c.id) ?? [],
      })),
      enrollments: sections.ENROLLMENTS,
      badges: sections.BADGES,
      achievements: sections.ACHIEVEMENTS,
    };
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
export async function eraseUser(
  deps: Pick<PrivacyDeps, 'app'>,
  creatorId: string,
  requester: PrivacyRequester,
  userId: string,
  reason: string | null,
): Promise<ErasureResult> {
  return withTenantTransaction(deps.app, creatorId, async (tx) => {
    const [counts] = await tx.$queryRaw<Record<string, bigint>[]>`
      SELECT (SELECT count(*) FROM user_sessions WHERE user_id = ${userId}::uuid) AS sessions,
             (SELECT count(*) FROM user_interactions WHERE user_id = ${userId}::uuid) AS interactions,
             (SELECT count(*) FROM conversations WHERE user_id = ${userId}::uuid) AS conversations,
             (SELECT count(*) FROM messages m JOIN conversations c ON c.creator_id = m.creator_id AND c.id = m.conversation_id WHERE c.user_id = ${userId}::uuid) AS messages,
             (SELECT count(*) FROM program_enrollments WHERE user_id = ${userId}::uuid) AS enrollments,
             (SELECT count(*) FROM user_badges WHERE user_id = ${userId}::uuid) AS badges,
             (SELECT count(*) FROM achievements WHERE user_id = ${userId}::uuid) AS achievements,
             (SELECT count(*) FROM user_profiles WHERE user_id = ${userId}::uuid) AS profiles`;
    const conversations = (await tx.conversation.findMany({ where: { userId }, select: { id: true } })).map(
      (c) => c.id,
    );
    const deleted = await tx.user.deleteMany({ where: { id: userId } });
    if (deleted.count === 0) throw new NotFoundError('User');
    // The trail keeps what happened, not the person: every record about the user, this delete's
    // included, loses its values; the erasure records itself below with counts only.
    const redacted = await tx.$queryRaw<
      { n: number }[]
    >`SELECT app.redact_user_audit(${userId}::uuid, ${conversations}::uuid[]) AS n`;
    const erased = {
      ...Object.fromEntries(Object.entries(counts!).map(([k, v]) => [k, Number(v)])),
      auditRecordsRedacted: Number(redacted[0]?.n ?? 0),
    };
    const who = actor(requester);
    await tx.auditLog.create({
      data: {
        tableName: 'users',
        operation: 'DELETE',
        recordId: userId,
        oldValues: { erasure: erased },
        newValues: undefined,
        actorType: who.actorType,
        actorId: who.actorId,
        requestId: requester.requestId,
        reason: `GDPR erasure${reason ? `: ${reason}` : ''}`,
      },
      select: { id: true },
    });
    return { userId, erased };
  });
}
