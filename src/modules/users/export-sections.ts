// What a user export is made of: its sections in export order, and for each the table it reads,
// the (time, id) order its pages follow, which rows are the user's, and how a page's rows are loaded.
// readSection (export-reader.ts) turns an entry into SQL; decodeCursor (export-cursor.ts) checks a
// cursor against it.
import type { TenantTransaction } from '../../db/tenant';

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
export const SECTIONS: Section[] = [
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
