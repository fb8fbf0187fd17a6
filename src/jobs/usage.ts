// usage_tracking, one row per creator, usage type and UTC day: set-based and idempotent (a
// second run of a day writes nothing unless something changed). Stocks (users, live programs,
// storage) are as at the end of the day; flows (AI interactions, messages, API requests) are
// the day's. Runs as the owner, across every creator.
import type pg from 'pg';

export interface UsageResult {
  date: string;
  /** Rows inserted or changed. */
  written: number;
}

export async function snapshotUsage(owner: pg.Pool | pg.ClientBase, date: string): Promise<UsageResult> {
  const result = await owner.query(
    `WITH bounds AS (SELECT ($1::date)::timestamp AT TIME ZONE 'UTC' AS day_start, ($1::date + 1)::timestamp AT TIME ZONE 'UTC' AS day_end)
     INSERT INTO usage_tracking (creator_id, usage_type, date, quantity)
     SELECT c.id, t.usage_type, $1::date, t.quantity
     FROM creators c CROSS JOIN bounds b
     CROSS JOIN LATERAL (VALUES
       ('users', (SELECT count(*) FROM users u WHERE u.creator_id = c.id AND u.created_at < b.day_end)),
       ('programs', (SELECT count(*) FROM programs p WHERE p.creator_id = c.id AND p.created_at < b.day_end AND (p.archived_at IS NULL OR p.archived_at >= b.day_end))),
       ('ai_interactions', (SELECT count(*) FROM messages m WHERE m.creator_id = c.id AND m.sender_type = 'ai' AND m.created_at >= b.day_start AND m.created_at < b.day_end)),
       ('messages', (SELECT count(*) FROM messages m WHERE m.creator_id = c.id AND m.created_at >= b.day_start AND m.created_at < b.day_end)),
       ('storage_bytes', (SELECT coalesce(sum(d.file_size_bytes), 0)::bigint FROM documents d WHERE d.creator_id = c.id AND d.created_at < b.day_end)),
       ('api_requests', (SELECT count(*) FROM api_usage_logs a WHERE a.creator_id = c.id AND a.created_at >= b.day_start AND a.created_at < b.day_end))
     ) AS t(usage_type, quantity)
     WHERE c.created_at < b.day_end
     ON CONFLICT (creator_id, usage_type, date) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()
       WHERE usage_tracking.quantity IS DISTINCT FROM EXCLUDED.quantity`,
    [date],
  );
  return { date, written: result.rowCount ?? 0 };
}
