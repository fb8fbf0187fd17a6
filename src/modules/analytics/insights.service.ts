// Dashboard numbers, computed in SQL (aggregates, window functions, generate_series), never in
// JavaScript loops. Every query runs through the request's tenant client, so row-level
// security scopes it like any other read.
import { Prisma } from '../../generated/prisma/client';
import type { TenantClient } from '../../db/tenant';
import { limitsFor, type PlanLimits } from '../billing/plans.service';

export type Granularity = 'day' | 'week' | 'month';
export type Aggregate = 'sum' | 'avg' | 'max';

export interface SeriesPoint {
  bucket: Date;
  value: number;
}

/**
 * A metric per day, week or month between two days (inclusive), with empty buckets as 0.
 * Without `dimensions`, only the overall rows (dimensions = {}) count, so per-channel rows are
 * not added on top of the totals; with them, rows whose dimensions contain them.
 */
export async function engagementSeries(
  db: TenantClient,
  args: {
    metricType: string;
    from: Date;
    to: Date;
    granularity: Granularity;
    aggregate: Aggregate;
    dimensions?: Record<string, unknown> | null;
  },
): Promise<SeriesPoint[]> {
  const dimensionFilter =
    args.dimensions && Object.keys(args.dimensions).length > 0
      ? Prisma.sql`dimensions @> ${JSON.stringify(args.dimensions)}::jsonb`
      : Prisma.sql`dimensions = '{}'::jsonb`;
  const aggregate = {
    sum: Prisma.sql`sum(metric_value)`,
    avg: Prisma.sql`avg(metric_value)`,
    max: Prisma.sql`max(metric_value)`,
  }[args.aggregate];
  return db.$queryRaw<SeriesPoint[]>`
    WITH buckets AS (
      SELECT generate_series(date_trunc(${args.granularity}, ${args.from}::date), date_trunc(${args.granularity}, ${args.to}::date), ('1 ' || ${args.granularity})::interval)::date AS bucket
    ), totals AS (
      SELECT date_trunc(${args.granularity}, date)::date AS bucket, ${aggregate} AS value
        FROM engagement_metrics
       WHERE metric_type = ${args.metricType} AND date BETWEEN ${args.from}::date AND ${args.to}::date AND ${dimensionFilter}
       GROUP BY 1
    )
    SELECT b.bucket, coalesce(t.value, 0)::float8 AS value
      FROM buckets b LEFT JOIN totals t USING (bucket)
     ORDER BY b.bucket`;
}

export interface Funnel {
  enrolled: number;
  active: number;
  paused: number;
  dropped: number;
  completed: number;
  completionRate: number;
  medianSecondsToComplete: number | null;
}

/** Funnels of many programs in one grouped query (for a per-request DataLoader). */
export async function programFunnels(db: TenantClient, programIds: readonly string[]): Promise<Map<string, Funnel>> {
  const rows = await db.$queryRaw<(Funnel & { programId: string })[]>`
    SELECT program_id::text AS "programId",
           count(*)::int AS enrolled,
           count(*) FILTER (WHERE status = 'active')::int AS active,
           count(*) FILTER (WHERE status = 'paused')::int AS paused,
           count(*) FILTER (WHERE status = 'dropped')::int AS dropped,
           count(*) FILTER (WHERE status = 'completed')::int AS completed,
           coalesce(count(*) FILTER (WHERE status = 'completed')::float8 / nullif(count(*), 0), 0) AS "completionRate",
           (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - enrolled_at))
              FILTER (WHERE status = 'completed'))::float8 AS "medianSecondsToComplete"
      FROM program_enrollments
     WHERE program_id = ANY(${[...programIds]}::uuid[])
     GROUP BY program_id`;
  return new Map(rows.map(({ programId, ...funnel }) => [programId, funnel]));
}

export const EMPTY_FUNNEL: Funnel = {
  enrolled: 0,
  active: 0,
  paused: 0,
  dropped: 0,
  completed: 0,
  completionRate: 0,
  medianSecondsToComplete: null,
};

export interface LeaderboardRow {
  rank: number;
  userId: string;
  points: bigint;
  achievements: bigint;
}

/**
 * Users by achievement points (all time, or earned in [from, to)), with competition ranking.
 * Points and achievements stay bigint (sum of int4 and count are bigint): a user's total passes
 * 2^31 long before any table is large. The rank of the k-th row is at most k (<= limit), so int.
 */
export async function leaderboard(
  db: TenantClient,
  args: { from?: Date | null; to?: Date | null; limit: number },
): Promise<LeaderboardRow[]> {
  return db.$queryRaw<LeaderboardRow[]>`
    SELECT rank() OVER (ORDER BY sum(points) DESC)::int AS rank, user_id::text AS "userId",
           sum(points) AS points, count(*) AS achievements
      FROM achievements
     WHERE (${args.from ?? null}::timestamptz IS NULL OR earned_at >= ${args.from ?? null}::timestamptz)
       AND (${args.to ?? null}::timestamptz IS NULL OR earned_at < ${args.to ?? null}::timestamptz)
     GROUP BY user_id
     ORDER BY rank, user_id
     LIMIT ${args.limit}`;
}

export interface DaySummary {
  date: Date;
  newUsers: number;
  activeUsers: number;
  messages: number;
  conversationsEscalated: number;
  badgesAwarded: number;
  enrollmentsCompleted: number;
}

/**
 * What happened on one day (UTC), by default today. Every count is an index range over that day
 * (the dashboard_indexes migration): the completions and escalations name the predicates of
 * their partial indexes, which the CHECK constraints make equivalent to the timestamps alone.
 */
export async function daySummary(db: TenantClient, day: Date): Promise<DaySummary> {
  const [row] = await db.$queryRaw<DaySummary[]>`
    WITH d AS (SELECT ${day}::date AS day, ${day}::date::timestamptz AS start, (${day}::date + 1)::timestamptz AS stop)
    SELECT d.day AS date,
           (SELECT count(*) FROM users u WHERE u.created_at >= d.start AND u.created_at < d.stop)::int AS "newUsers",
           (SELECT count(*) FROM users u WHERE u.last_active_at >= d.start AND u.last_active_at < d.stop)::int AS "activeUsers",
           (SELECT count(*) FROM messages m WHERE m.created_at >= d.start AND m.created_at < d.stop)::int AS messages,
           (SELECT count(*) FROM conversations c WHERE c.escalated_at >= d.start AND c.escalated_at < d.stop AND c.escalated_to_human)::int AS "conversationsEscalated",
           (SELECT count(*) FROM user_badges b WHERE b.earned_at >= d.start AND b.earned_at < d.stop)::int AS "badgesAwarded",
           (SELECT count(*) FROM program_enrollments e WHERE e.completed_at >= d.start AND e.completed_at < d.stop AND e.status = 'completed')::int AS "enrollmentsCompleted"
      FROM d`;
  return row!;
}

export interface UsageLine {
  resource: keyof PlanLimits;
  used: bigint;
  limit: bigint;
}

/**
 * The creator's use of each plan limit now. Requests per minute are reported by the rate
 * limiter, so 0 here. Bigints throughout: storage is bytes (10 GB on the pro plan is past 2^31),
 * and sum() of a bigint column is numeric, read as text so that no value is rounded on the way.
 */
export async function usageAgainstPlan(
  db: TenantClient,
  creatorId: string,
): Promise<{ tier: string; lines: UsageLine[] }> {
  const [row] = await db.$queryRaw<{ tier: string; users: bigint; programs: bigint; ai: string; storage: string }[]>`
    SELECT c.subscription_tier AS tier,
           (SELECT count(*) FROM users) AS users,
           (SELECT count(*) FROM programs WHERE status <> 'archived') AS programs,
           (SELECT coalesce(sum(quantity), 0) FROM usage_tracking
             WHERE usage_type = 'ai_interactions' AND date >= date_trunc('month', now() AT TIME ZONE 'UTC')::date)::text AS ai,
           (SELECT coalesce(sum(stored_bytes), 0) FROM documents)::text AS storage
      FROM creators c WHERE c.id = ${creatorId}::uuid`;
  const tier = row?.tier ?? 'free';
  const limits = limitsFor(tier);
  const line = (resource: keyof PlanLimits, used: bigint | string | undefined): UsageLine => ({
    resource,
    used: BigInt(used ?? 0),
    limit: BigInt(limits[resource]),
  });
  return {
    tier,
    lines: [
      line('users', row?.users),
      line('programs', row?.programs),
      line('aiInteractionsPerMonth', row?.ai),
      line('storageBytes', row?.storage),
      line('apiRequestsPerMinute', 0n),
    ],
  };
}
