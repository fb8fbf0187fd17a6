// Every trigger-maintained counter, recomputed from the rows it counts. Any test that writes
// can end with `expect(await counterDrift(owner)).toEqual([])`.
import type pg from 'pg';

const CHECKS: { name: string; sql: string }[] = [
  {
    name: 'programs.enrollment_count',
    sql: `SELECT p.id FROM programs p WHERE p.enrollment_count <> (SELECT count(*) FROM program_enrollments e WHERE e.creator_id = p.creator_id AND e.program_id = p.id)`,
  },
  {
    name: 'badges.awarded_count',
    sql: `SELECT b.id FROM badges b WHERE b.awarded_count <> (SELECT count(*) FROM user_badges ub WHERE ub.creator_id = b.creator_id AND ub.badge_id = b.id)`,
  },
  {
    name: 'conversations.message_count',
    sql: `SELECT c.id FROM conversations c WHERE c.message_count <> (SELECT count(*) FROM messages m WHERE m.creator_id = c.creator_id AND m.conversation_id = c.id)`,
  },
  {
    name: 'conversations.last_message_at',
    sql: `SELECT c.id FROM conversations c WHERE c.last_message_at IS DISTINCT FROM (SELECT max(m.created_at) FROM messages m WHERE m.creator_id = c.creator_id AND m.conversation_id = c.id)`,
  },
  {
    name: 'channels.user_count',
    sql: `SELECT ch.id FROM channels ch WHERE ch.user_count <> (SELECT count(*) FROM users u WHERE u.creator_id = ch.creator_id AND u.channel = ch.channel_type)`,
  },
  {
    name: 'knowledge_bases.document_count',
    sql: `SELECT k.id FROM knowledge_bases k WHERE k.document_count <> (SELECT count(*) FROM documents d WHERE d.creator_id = k.creator_id AND d.knowledge_base_id = k.id)`,
  },
  {
    name: 'documents.chunk_count',
    sql: `SELECT d.id FROM documents d WHERE d.chunk_count <> (SELECT count(*) FROM document_chunks c WHERE c.creator_id = d.creator_id AND c.document_id = d.id)`,
  },
];

/** Counters that disagree with a recount, as "<counter>: <id>". Run as a role that sees every row. */
export async function counterDrift(owner: pg.ClientBase): Promise<string[]> {
  const drift: string[] = [];
  for (const check of CHECKS) {
    const { rows } = await owner.query<{ id: string }>(check.sql);
    drift.push(...rows.map((r) => `${check.name}: ${r.id}`));
  }
  return drift;
}

/** Fails the calling test when any counter disagrees with a recount. */
export async function expectNoCounterDrift(owner: pg.ClientBase): Promise<void> {
  expect(await counterDrift(owner)).toEqual([]);
}
