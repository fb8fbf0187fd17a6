// The daily rollup: engagement_metrics and program_analytics for one UTC day, computed from
// the rows themselves (users, interactions, messages, enrollments, awards). Set-based: one
// statement per target table covers every creator. Idempotent: each value is an upsert on the
// table's natural key, so running a day twice, or re-running it after late writes, leaves
// exactly one row per key holding the current value.
//
// Runs on the owner connection (it spans tenants by design), so every statement names
// creator_id explicitly.
import type pg from 'pg';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface RollupResult {
  date: string;
  engagementMetrics: number;
  programAnalytics: number;
}

export async function rollupDay(owner: pg.Pool | pg.ClientBase, date: string): Promise<RollupResult> {
  if (!DAY.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    throw new Error(`rollup: "${date}" is not a YYYY-MM-DD day`);
  // Overall numbers per creator, and active users per channel.
  const engagement = await owner.query(
    `WITH d AS (SELECT $1::date AS day, $1::date::timestamptz AS start, ($1::date + 1)::timestamptz AS stop),
     active AS (
       SELECT i.creator_id, i.user_id FROM user_interactions i, d WHERE i.created_at >= d.start AND i.created_at < d.stop
       UNION
       SELECT m.creator_id, m.sender_id FROM messages m, d WHERE m.sender_type = 'user' AND m.sender_id IS NOT NULL AND m.created_at >= d.start AND m.created_at < d.stop
     ),
     overall AS (
       SELECT c.id AS creator_id, v.metric_type, v.value, '{}'::jsonb AS dimensions
         FROM creators c, d,
         LATERAL (VALUES
           ('active_users', (SELECT count(DISTINCT a.user_id) FROM active a WHERE a.creator_id = c.id)),
           ('new_users', (SELECT count(*) FROM users u WHERE u.creator_id = c.id AND u.created_at >= d.start AND u.created_at < d.stop)),
           ('messages', (SELECT count(*) FROM messages m WHERE m.creator_id = c.id AND m.created_at >= d.start AND m.created_at < d.stop)),
           ('interactions', (SELECT count(*) FROM user_interactions i WHERE i.creator_id = c.id AND i.created_at >= d.start AND i.created_at < d.stop)),
           ('badges_awarded', (SELECT count(*) FROM user_badges b WHERE b.creator_id = c.id AND b.earned_at >= d.start AND b.earned_at < d.stop)),
           ('enrollments', (SELECT count(*) FROM program_enrollments e WHERE e.creator_id = c.id AND e.enrolled_at >= d.start AND e.enrolled_at < d.stop)),
           ('completions', (SELECT count(*) FROM program_enrollments e WHERE e.creator_id = c.id AND e.completed_at >= d.start AND e.completed_at < d.stop AND e.status = 'completed')),
           ('points', (SELECT coalesce(sum(a.points), 0) FROM achievements a WHERE a.creator_id = c.id AND a.earned_at >= d.start AND a.earned_at < d.stop))
         ) AS v(metric_type, value)
     ),
     per_channel AS (
       SELECT ch.creator_id, 'active_users' AS metric_type,
              (SELECT count(DISTINCT a.user_id) FROM active a JOIN users u ON u.creator_id = a.creator_id AND u.id = a.user_id
                WHERE a.creator_id = ch.creator_id AND u.channel = ch.channel_type) AS value,
              jsonb_build_object('channel', ch.channel_type) AS dimensions
         FROM channels ch
     )
     INSERT INTO engagement_metrics (creator_id, metric_type, metric_value, dimensions, date)
     SELECT creator_id, metric_type, value, dimensions, (SELECT day FROM d) FROM overall
     UNION ALL
     SELECT creator_id, metric_type, value, dimensions, (SELECT day FROM d) FROM per_channel
     ON CONFLICT (creator_id, metric_type, date, dimensions)
     DO UPDATE SET metric_value = EXCLUDED.metric_value, updated_at = now()
     WHERE engagement_metrics.metric_value IS DISTINCT FROM EXCLUDED.metric_value`,
    [date],
  );
  // Per published or archived program: enrollments, completions and active users that day.
  const programs = await owner.query(
    `WITH d AS (SELECT $1::date AS day, $1::date::timestamptz AS start, ($1::date + 1)::timestamptz AS stop)
     INSERT INTO program_analytics (creator_id, program_id, metric_type, metric_value, date)
     SELECT p.creator_id, p.id, v.metric_type, v.value, d.day
       FROM programs p, d,
       LATERAL (VALUES
         ('enrollments', (SELECT count(*) FROM program_enrollments e WHERE e.creator_id = p.creator_id AND e.program_id = p.id AND e.enrolled_at >= d.start AND e.enrolled_at < d.stop)),
         ('completions', (SELECT count(*) FROM program_enrollments e WHERE e.creator_id = p.creator_id AND e.program_id = p.id AND e.completed_at >= d.start AND e.completed_at < d.stop AND e.status = 'completed')),
         ('active_users', (SELECT count(DISTINCT i.user_id) FROM user_interactions i WHERE i.creator_id = p.creator_id AND i.program_id = p.id AND i.created_at >= d.start AND i.created_at < d.stop))
       ) AS v(metric_type, value)
      WHERE p.status <> 'draft'
     ON CONFLICT (creator_id, program_id, metric_type, date)
     DO UPDATE SET metric_value = EXCLUDED.metric_value, updated_at = now()
     WHERE program_analytics.metric_value IS DISTINCT FROM EXCLUDED.metric_value`,
    [date],
  );
  return { date, engagementMetrics: engagement.rowCount ?? 0, programAnalytics: programs.rowCount ?? 0 };
}

/** The UTC day before `now`, as YYYY-MM-DD. */
export function yesterday(now: Date = new Date()): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

export function today(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}
