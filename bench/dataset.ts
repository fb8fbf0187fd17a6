// The benchmark's dataset: 1,000 creators, 200,000 users, 2,000 programs, 500,000 enrollments,
// 10,000 badges with 300,000 awards, 350,000 achievements, 200,000 conversations with 1,000,000
// messages, and 60 days of engagement metrics (240,000 rows).
//
// Built inside PostgreSQL with INSERT … SELECT over generate_series (no rows cross the wire), as
// the superuser with session_replication_role = replica: the quota, badge, audit and foreign-key
// triggers would turn a bulk load into a million single-row evaluations. The data is consistent
// by construction, and the denormalised counters those triggers keep are computed at the end.
//
// Creators come in three sizes, so that the tenants the benchmark queries are the busy ones:
//   100 large  (500 users, 7 programs, 2,500 enrollments, enterprise plan)
//   400 medium (250 users, 2 programs,   500 enrollments, pro plan)
//   500 small  (100 users, 1 program,    100 enrollments, starter plan)
// Timestamps are whole seconds, so that every target's serialisation agrees to the millisecond.
import pg from 'pg';

export interface DatasetSummary {
  rows: Record<string, number>;
  seconds: number;
}

interface Stage {
  label: string;
  sql: string;
  /** Run once per chunk of creators (by creator number), so that progress moves. */
  chunks?: number;
}

const DAY0 = `date_trunc('day', now())`;

const STAGES: Stage[] = [
  {
    label: 'creators',
    sql: `
      INSERT INTO creators (id, email, password_hash, company_name, subscription_tier, email_verified, onboarding_completed, created_at, updated_at)
      SELECT b.id, 'creator' || b.n || '@bench.test', 'not-a-password-hash', 'Bench Creator ' || b.n, b.tier, true, true, b.created_at, b.created_at
        FROM bench.creators b`,
  },
  {
    label: 'users',
    chunks: 10,
    sql: `
      INSERT INTO users (id, creator_id, external_id, channel, display_name, email, timezone, language, last_active_at, created_at, updated_at)
      SELECT gen_random_uuid(), c.id, 'ext-' || c.n || '-' || g,
             (ARRAY['web', 'whatsapp', 'telegram', 'mobile'])[1 + g % 4],
             'User ' || g || ' of ' || c.n, 'user' || g || '.' || c.n || '@example.test',
             (ARRAY['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'])[1 + g % 4], 'en',
             ${DAY0} - ((g::bigint * 7919 + c.n::bigint * 104729) % (30 * 86400)) * interval '1 second',
             ${DAY0} + interval '12 hours' - ((g::bigint * 15485863 + c.n::bigint * 32452843) % (60 * 86400)) * interval '1 second',
             ${DAY0} - interval '1 day'
        FROM bench.creators c, generate_series(1, c.users) g
       WHERE c.n BETWEEN $1 AND $2`,
  },
  {
    label: 'programs',
    sql: `
      INSERT INTO programs (id, creator_id, name, description, flow_definition, status, version, published_at, created_at, updated_at)
      SELECT gen_random_uuid(), c.id, 'Program ' || g || ' of creator ' || c.n, 'A ' || (ARRAY['seven', 'fourteen', 'thirty'])[1 + g % 3] || '-day programme',
             '{"start":"welcome","steps":[{"id":"welcome","type":"message","transitions":[{"to":"practice"}]},{"id":"practice","type":"task","transitions":[{"to":"done"}]},{"id":"done","type":"end"}]}'::jsonb,
             'published', 1, ${DAY0} - interval '59 days', ${DAY0} - interval '60 days' + g * interval '1 hour', ${DAY0} - interval '59 days'
        FROM bench.creators c, generate_series(1, c.programs) g`,
  },
  {
    label: 'program versions',
    sql: `
      INSERT INTO program_versions (creator_id, program_id, version, flow_definition, published_at)
      SELECT creator_id, id, 1, flow_definition, published_at FROM programs`,
  },
  {
    // Large creators: 5 of their 7 programs per user; the others: every user in every program.
    label: 'enrollments',
    chunks: 10,
    sql: `
      WITH u AS (SELECT u.id, u.creator_id, u.created_at, c.n, row_number() OVER (PARTITION BY u.creator_id ORDER BY u.id) AS k
                   FROM users u JOIN bench.creators c ON c.id = u.creator_id WHERE c.n BETWEEN $1 AND $2),
           p AS (SELECT p.id, p.creator_id, row_number() OVER (PARTITION BY p.creator_id ORDER BY p.id) AS j
                   FROM programs p JOIN bench.creators c ON c.id = p.creator_id WHERE c.n BETWEEN $1 AND $2),
           e AS (SELECT u.creator_id, p.id AS program_id, u.id AS user_id, (u.k * 31 + p.j * 17) % 10 AS r,
                        greatest(u.created_at, ${DAY0} - interval '59 days') + ((u.k * 7 + p.j * 13) % (20 * 86400)) * interval '1 second' AS enrolled_at
                   FROM u JOIN p ON p.creator_id = u.creator_id
                  WHERE (SELECT c.programs FROM bench.creators c WHERE c.id = u.creator_id) < 7 OR (u.k + p.j) % 7 < 5)
      INSERT INTO program_enrollments (creator_id, program_id, user_id, status, progress, current_step, program_version, enrolled_at, completed_at, last_activity_at)
      SELECT creator_id, program_id, user_id,
             CASE WHEN r < 3 THEN 'completed' WHEN r < 8 THEN 'active' WHEN r < 9 THEN 'paused' ELSE 'dropped' END,
             CASE WHEN r < 3 THEN 100 ELSE (r * 11) % 100 END,
             CASE WHEN r < 3 THEN 'done' ELSE 'practice' END, 1, enrolled_at,
             CASE WHEN r < 3 THEN enrolled_at + interval '9 days' END,
             enrolled_at + interval '9 days'
        FROM e`,
  },
  {
    label: 'badges',
    sql: `
      INSERT INTO badges (id, creator_id, name, description, criteria, design, created_at, updated_at)
      SELECT gen_random_uuid(), c.id, (ARRAY['First steps', 'Regular', 'Streak 3', 'Streak 7', 'Finisher', 'Chatty', 'Explorer', 'Helper', 'Night owl', 'Champion'])[g],
             'Badge ' || g || ' of creator ' || c.n, '{}'::jsonb, jsonb_build_object('color', '#' || lpad(to_hex(g * 1234567 % 16777216), 6, '0')),
             ${DAY0} - interval '60 days', ${DAY0} - interval '60 days'
        FROM bench.creators c, generate_series(1, 10) g`,
  },
  {
    // Users earn 0 to 3 badges (1.5 on average).
    label: 'badge awards',
    chunks: 10,
    sql: `
      WITH u AS (SELECT u.id, u.creator_id, u.created_at, row_number() OVER (PARTITION BY u.creator_id ORDER BY u.id) AS k
                   FROM users u JOIN bench.creators c ON c.id = u.creator_id WHERE c.n BETWEEN $1 AND $2),
           b AS (SELECT b.id, b.creator_id, row_number() OVER (PARTITION BY b.creator_id ORDER BY b.name) AS j
                   FROM badges b JOIN bench.creators c ON c.id = b.creator_id WHERE c.n BETWEEN $1 AND $2)
      INSERT INTO user_badges (creator_id, user_id, badge_id, earned_at, criteria_met, notified)
      SELECT u.creator_id, u.id, b.id, u.created_at + ((u.k * 977 + b.j * 3571) % (25 * 86400)) * interval '1 second', '{}'::jsonb, true
        FROM u JOIN b ON b.creator_id = u.creator_id AND b.j <= u.k % 4`,
  },
  {
    // One achievement per completed enrollment (100 points) and one for joining (10 points).
    label: 'achievements',
    sql: `
      INSERT INTO achievements (creator_id, user_id, achievement_type, achievement_data, points, program_id, earned_at)
      SELECT creator_id, user_id, 'program_completed', jsonb_build_object('enrollmentId', id), 100, program_id, completed_at
        FROM program_enrollments WHERE status = 'completed'
      UNION ALL
      SELECT creator_id, id, 'joined', '{}'::jsonb, 10, NULL, created_at FROM users`,
  },
  {
    label: 'conversations',
    sql: `
      INSERT INTO conversations (id, creator_id, user_id, channel, status, escalated_to_human, escalated_at, created_at, updated_at)
      SELECT gen_random_uuid(), u.creator_id, u.id, u.channel, 'active', k % 50 = 0, CASE WHEN k % 50 = 0 THEN u.last_active_at END, u.created_at, u.created_at
        FROM (SELECT u.*, row_number() OVER (ORDER BY u.id) AS k FROM users u) u`,
  },
  {
    // Five messages per conversation, alternating user and AI, the last at the user's last activity.
    label: 'messages',
    chunks: 10,
    sql: `
      INSERT INTO messages (creator_id, conversation_id, sender_type, sender_id, content, created_at, delivered_at, response_time_ms, ai_confidence)
      SELECT cv.creator_id, cv.id, CASE WHEN g % 2 = 1 THEN 'user' ELSE 'ai' END, CASE WHEN g % 2 = 1 THEN cv.user_id END,
             CASE WHEN g % 2 = 1 THEN 'Question ' || g ELSE 'Answer ' || g END,
             u.last_active_at - (5 - g) * interval '1 hour', u.last_active_at - (5 - g) * interval '1 hour',
             CASE WHEN g % 2 = 0 THEN 400 + g * 37 END, CASE WHEN g % 2 = 0 THEN 0.9 END
        FROM conversations cv JOIN users u ON u.id = cv.user_id JOIN bench.creators c ON c.id = cv.creator_id, generate_series(1, 5) g
       WHERE c.n BETWEEN $1 AND $2`,
  },
  {
    label: 'engagement metrics',
    sql: `
      INSERT INTO engagement_metrics (creator_id, metric_type, metric_value, dimensions, date, created_at, updated_at)
      SELECT c.id, m.t, (c.users * (1 + (d + c.n) % 7) * m.f)::int, '{}'::jsonb, (${DAY0} - d * interval '1 day')::date, ${DAY0}, ${DAY0}
        FROM bench.creators c, generate_series(0, 59) d,
             (VALUES ('active_users', 0.1), ('messages', 0.8), ('new_users', 0.02), ('completions', 0.01)) m(t, f)`,
  },
  {
    label: 'counters',
    sql: `
      UPDATE programs p SET enrollment_count = e.n FROM (SELECT program_id, count(*) AS n FROM program_enrollments GROUP BY program_id) e WHERE e.program_id = p.id;
      UPDATE badges b SET awarded_count = a.n FROM (SELECT badge_id, count(*) AS n FROM user_badges GROUP BY badge_id) a WHERE a.badge_id = b.id;
      UPDATE conversations cv SET message_count = m.n, last_message_at = m.last FROM (SELECT conversation_id, count(*) AS n, max(created_at) AS last FROM messages GROUP BY conversation_id) m WHERE m.conversation_id = cv.id;
      INSERT INTO subscriptions (creator_id, tier, status, current_period_start, current_period_end)
      SELECT id, tier, 'active', ${DAY0} - interval '10 days', ${DAY0} + interval '20 days' FROM bench.creators`,
  },
  { label: 'analyze', sql: 'ANALYZE' },
];

/**
 * Loads the dataset into a migrated, empty database. `superUrl` must be a superuser (to skip
 * triggers for the bulk load). `onProgress(label, done, total)` is called as stages advance.
 */
export async function buildDataset(
  superUrl: string,
  onProgress: (label: string, done: number, total: number) => void,
  scale = 1,
): Promise<DatasetSummary> {
  const creators = Math.max(10, Math.round(1000 * scale));
  const started = Date.now();
  const client = new pg.Client({ connectionString: superUrl });
  await client.connect();
  try {
    await client.query(
      `SET session_replication_role = replica; SET maintenance_work_mem = '256MB'; SET work_mem = '64MB'; SET synchronous_commit = off`,
    );
    await client.query('DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench');
    await client.query(
      `
      CREATE TABLE bench.creators AS
      SELECT n, gen_random_uuid() AS id,
             CASE WHEN n <= $1 * 0.1 THEN 500 WHEN n <= $1 * 0.5 THEN 250 ELSE 100 END AS users,
             CASE WHEN n <= $1 * 0.1 THEN 7 WHEN n <= $1 * 0.5 THEN 2 ELSE 1 END AS programs,
             CASE WHEN n <= $1 * 0.1 THEN 'enterprise' WHEN n <= $1 * 0.5 THEN 'pro' ELSE 'starter' END AS tier,
             date_trunc('day', now()) - interval '90 days' + n * interval '1 minute' AS created_at
        FROM generate_series(1, $1::int) n`,
      [creators],
    );
    await client.query('CREATE UNIQUE INDEX ON bench.creators (id)');
    const total = STAGES.reduce((sum, s) => sum + (s.chunks ?? 1), 0);
    let done = 0;
    for (const stage of STAGES) {
      const chunks = stage.chunks ?? 1;
      for (let i = 0; i < chunks; i++) {
        onProgress(stage.label, done, total);
        if (stage.chunks) {
          const size = Math.ceil(creators / chunks);
          await client.query(stage.sql, [i * size + 1, (i + 1) * size]);
        } else {
          await client.query(stage.sql);
        }
        done++;
      }
    }
    onProgress('done', total, total);
    const rows: Record<string, number> = {};
    for (const table of [
      'creators',
      'users',
      'programs',
      'program_enrollments',
      'badges',
      'user_badges',
      'achievements',
      'conversations',
      'messages',
      'engagement_metrics',
    ]) {
      rows[table] = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    }
    return { rows, seconds: (Date.now() - started) / 1000 };
  } finally {
    await client.end();
  }
}

/** A one-line progress bar on stderr. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  return (label: string, done: number, total: number) => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round((done / total) * 100)).padStart(3)}% ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s ${label}`;
    if (stream.isTTY) stream.write(`\r${line.padEnd(80)}${done === total ? '\n' : ''}`);
    else if (done === total || label !== (progressBar as { last?: string }).last) stream.write(`${line}\n`);
    (progressBar as { last?: string }).last = label;
  };
}
