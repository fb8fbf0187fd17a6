// GDPR: everything held about one end user, exported or erased. Both run in one tenant
// transaction and leave a record: an export in security_audit_logs (who read it), an erasure in
// audit_log (what was removed, as counts: the record must not keep what it says was erased).
import { withTenantTransaction, type TenantTransaction } from '../../db/tenant';
import { NotFoundError, ResponseTooLargeError, ValidationError } from '../../graphql/errors';
import type { Context } from '../../graphql/context';
import { securityLog } from '../audit/security-log.service';

const EXPORT_FORMAT = 'creatorgraph.user-export.v1';
const PAGED_FORMAT = 'creatorgraph.user-export.v2';

/** Records in one page of a paged export: by default, and at most. */
export const EXPORT_PAGE_DEFAULT = 100;
export const EXPORT_PAGE_MAX = 500;

/** JSON-safe (BigInt as a string, Dates as ISO strings: JSON.stringify's own rule), and its size. */
function measured<T>(value: T): { value: unknown; bytes: number } {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return { value: JSON.parse(text), bytes: Buffer.byteLength(text) };
}

function actor(ctx: Context): { actorType: 'creator' | 'admin' | 'partner'; actorId: string | null } {
  const v = ctx.viewer;
  if (v.kind === 'admin') return { actorType: 'admin', actorId: v.adminId };
  if (v.kind === 'partner') return { actorType: 'partner', actorId: v.keyId };
  if (v.kind === 'creator') return { actorType: 'creator', actorId: v.creatorId };
  return { actorType: 'creator', actorId: null };
}

// --- The paged export ----------------------------------------------------------------------
// One section after the other, each read in (time, id) order with a keyset: a page is one
// statement for the ids and sizes of at most `first` rows past the cursor, and one for the rows
// that fit the page's byte budget. Nothing holds more than a page, whatever the history's size.

export type ExportSection =
  'PROFILE' | 'SESSIONS' | 'INTERACTIONS' | 'CONVERSATIONS' | 'MESSAGES' | 'ENROLLMENTS' | 'BADGES' | 'ACHIEVEMENTS';

interface Section {
  name: ExportSection;
  table: string;
  /** The time column of its order (with id). */
  at: string;
  /** A uuid column ordered first, if any (messages: by conversation, so that its index serves each page). */
  group?: string;
  /** The rows of the user ($1), as a condition on `t`. */
  owner: string;
  load(tx: TenantTransaction, ids: string[]): Promise<{ id: string }[]>;
}

const OF_USER = 't.user_id = $1::uuid';
const SECTIONS: Section[] = [
  // Not the session token's hash: a credential, not data about the person.
  {
    name: 'SESSIONS',
    table: 'user_sessions',
    at: 'started_at',
    owner: OF_USER,
    load: (tx, ids) => tx.userSession.findMany({ where: { id: { in: ids } }, omit: { sessionTokenHash: true } }),
  },
  {
    name: 'INTERACTIONS',
    table: 'user_interactions',
    at: 'created_at',
    owner: OF_USER,
    load: (tx, ids) => tx.userInteraction.findMany({ where: { id: { in: ids } } }),
  },
  {
    name: 'CONVERSATIONS',
    table: 'conversations',
    at: 'created_at',
    owner: OF_USER,
    load: (tx, ids) => tx.conversation.findMany({ where: { id: { in: ids } } }),
  },
  {
    name: 'MESSAGES',
    table: 'messages',
    at: 'created_at',
    group: 'conversation_id',
    owner: 't.conversation_id IN (SELECT c.id FROM conversations c WHERE c.user_id = $1::uuid)',
    load: (tx, ids) => tx.message.findMany({ where: { id: { in: ids } } }),
  },
  {
    name: 'ENROLLMENTS',
    table: 'program_enrollments',
    at: 'enrolled_at',
    owner: OF_USER,
    load: (tx, ids) =>
      tx.programEnrollment.findMany({
        where: { id: { in: ids } },
        include: { program: { select: { id: true, name: true } } },
      }),
  },
  {
    name: 'BADGES',
    table: 'user_badges',
    at: 'earned_at',
    owner: OF_USER,
    load: (tx, ids) =>
      tx.userBadge.findMany({
        where: { id: { in: ids } },
        include: { badge: { select: { id: true, name: true, description: true } } },
      }),
  },
  {
    name: 'ACHIEVEMENTS',
    table: 'achievements',
    at: 'earned_at',
    owner: OF_USER,
    load: (tx, ids) => tx.achievement.findMany({ where: { id: { in: ids } } }),
  },
];
/** Every section, in export order: the profile first (one record), then the histories. */
export const EXPORT_SECTIONS: readonly ExportSection[] = ['PROFILE', ...SECTIONS.map((s) => s.name)];

/** Where an export stands: the section, and the last row read in it (none: its start). */
interface Position {
  section: number;
  group?: string | null;
  at: string | null;
  id: string | null;
}

interface ExportCursor extends Position {
  userId: string;
  exportedAt: string;
}

function encodeCursor(cursor: ExportCursor): string {
  return Buffer.from(
    JSON.stringify({
      v: 2,
      u: cursor.userId,
      e: cursor.exportedAt,
      s: cursor.section,
      g: cursor.group ?? null,
      a: cursor.at,
      i: cursor.id,
    }),
  ).toString('base64url');
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(after: string, userId: string): ExportCursor {
  const invalid = () =>
    new ValidationError([
      {
        path: 'after',
        message: 'is not a cursor of this export (pass the endCursor of the previous page, for the same user)',
      },
    ]);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid();
  }
  const { v, u, e, s, g, a, i } = raw ?? {};
  const section = typeof s === 'number' && Number.isInteger(s) && s >= 1 && s < EXPORT_SECTIONS.length ? s : undefined;
  const at = a === null || (typeof a === 'string' && INSTANT.test(a)) ? a : undefined;
  const id = i === null || (typeof i === 'string' && UUID.test(i)) ? i : undefined;
  const group = g === undefined || g === null ? null : typeof g === 'string' && UUID.test(g) ? g : undefined;
  if (
    v !== 2 ||
    u !== userId ||
    typeof e !== 'string' ||
    Number.isNaN(Date.parse(e)) ||
    section === undefined ||
    at === undefined ||
    id === undefined ||
    group === undefined ||
    (at === null) !== (id === null)
  )
    throw invalid();
  if ((group !== null) !== (at !== null && SECTIONS[section - 1]!.group !== undefined)) throw invalid();
  return { userId, exportedAt: e, section, group, at, id };
}

/**
 * Up to `first` records of the section at `position`, within `budgetBytes` (at least one
 * record), and where the next page starts (null: the section is done).
 */
async function readSection(
  tx: TenantTransaction,
  userId: string,
  position: Position,
  first: number,
  budgetBytes: number,
): Promise<{ records: unknown[]; bytes: number; next: Position | null }> {
  const section = SECTIONS[position.section - 1]!;
  // Table and column names are constants above; values are parameters. The order (and keyset)
  // is (group, time, id), or (time, id).
  const keys = [...(section.group ? [`t.${section.group}`] : []), `t.${section.at}`, 't.id'].join(', ');
  const after = [...(section.group ? ['$5::uuid'] : []), '$2::timestamptz', '$3::uuid'].join(', ');
  const rows = await tx.$queryRawUnsafe<{ id: string; grp: string | null; at: string; bytes: number }[]>(
    `SELECT t.id::text AS id, ${section.group ? `t.${section.group}::text` : 'NULL::text'} AS grp,
            to_char(t.${section.at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, octet_length(t::text)::int AS bytes
       FROM ${section.table} t
      WHERE ${section.owner}
        AND ($2::timestamptz IS NULL OR (${keys}) > (${after}))
      ORDER BY ${keys}
      LIMIT $4`,
    userId,
    position.at,
    position.id,
    first + 1,
    ...(section.group ? [position.group ?? null] : []),
  );
  // As many as fit the budget (by their stored size), at least one, at most `first`.
  let take = 0;
  let estimate = 0;
  while (take < Math.min(first, rows.length) && (take === 0 || estimate + rows[take]!.bytes <= budgetBytes))
    estimate += rows[take++]!.bytes;
  const chosen = rows.slice(0, take);
  const loaded = chosen.length
    ? await section.load(
        tx,
        chosen.map((r) => r.id),
      )
    : [];
  const byId = new Map(loaded.map((r) => [r.id, r]));
  // The stored size only estimates the JSON: the page is cut again by the records' real size.
  let bytes = 0;
  let last: (typeof rows)[number] | undefined;
  let cut = false;
  const records: unknown[] = [];
  for (const row of chosen) {
    const record = byId.get(row.id);
    // A row deleted between the two statements is simply not there any more.
    if (record) {
      const m = measured(record);
      if (records.length > 0 && bytes + m.bytes > budgetBytes) {
        cut = true;
        break;
      }
      bytes += m.bytes;
      records.push(m.value);
    }
    last = row;
  }
  const done = !cut && rows.length <= take;
  return {
    records,
    bytes,
    next: done || !last ? null : { section: position.section, group: last.grp, at: last.at, id: last.id },
  };
}

async function profileRecord(tx: TenantTransaction, userId: string): Promise<{ value: unknown; bytes: number }> {
  const user = await tx.user.findUnique({
    where: { id: userId },
    include: { profile: true },
    omit: { changeXid: true },
  });
  if (!user) throw new NotFoundError('User');
  const { profile, ...profileless } = user;
  return measured({ user: profileless, profile });
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
  ctx: Context,
  creatorId: string,
  userId: string,
  after: string | null,
  first: number,
): Promise<UserExportPage> {
  const cursor = after === null ? null : decodeCursor(after, userId);
  const budgetBytes = Math.floor(ctx.fairness.maxResponseBytes / 2);
  return withTenantTransaction(ctx.db.app, creatorId, async (tx) => {
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
      await securityLog(tx, ctx, {
        eventType: 'user_data.exported',
        severity: 'medium',
        eventData: { userId, paged: true, ...actor(ctx) },
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
  ctx: Context,
  creatorId: string,
  userId: string,
): Promise<Record<string, unknown>> {
  const maxBytes = ctx.fairness.maxResponseBytes;
  return withTenantTransaction(ctx.db.app, creatorId, async (tx) => {
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
    await securityLog(tx, ctx, {
      eventType: 'user_data.exported',
      severity: 'medium',
      eventData: { userId, ...actor(ctx) },
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
  ctx: Context,
  creatorId: string,
  userId: string,
  reason: string | null,
): Promise<ErasureResult> {
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
