-- Benchmark target (B), PostGraphile 5: what PostGraphile cannot derive from the tables alone.
-- Run once as the database OWNER, after the migrations and before PostGraphile starts.
--
-- PostGraphile exposes the `public` and `postgraphile_bench` schemas. Everything here is
-- STABLE (a query field, not a mutation), SECURITY INVOKER (the caller's row-level security
-- applies: each function counts the current tenant's rows only) and has its search_path
-- pinned. Idempotent.

CREATE SCHEMA IF NOT EXISTS postgraphile_bench;
GRANT USAGE ON SCHEMA postgraphile_bench TO app_user;

-- Q4: a creator's day, the same SQL as the server's daySummary
-- (src/modules/analytics/insights.service.ts). A named composite type, so PostGraphile exposes
-- one object (an anonymous `RETURNS TABLE` would become a connection of records).
DROP FUNCTION IF EXISTS postgraphile_bench.dashboard_summary(date);
DROP TYPE IF EXISTS postgraphile_bench.day_summary;
CREATE TYPE postgraphile_bench.day_summary AS (
  date date,
  new_users int,
  active_users int,
  messages int,
  conversations_escalated int,
  badges_awarded int,
  enrollments_completed int
);

CREATE FUNCTION postgraphile_bench.dashboard_summary(day date)
  RETURNS postgraphile_bench.day_summary
  LANGUAGE sql STABLE SECURITY INVOKER
  SET search_path = public, pg_temp
AS $$
    WITH d AS (SELECT day::date AS day, day::date::timestamptz AS start, (day::date + 1)::timestamptz AS stop)
    SELECT d.day AS date,
           (SELECT count(*) FROM users u WHERE u.created_at >= d.start AND u.created_at < d.stop)::int AS "newUsers",
           (SELECT count(*) FROM users u WHERE u.last_active_at >= d.start AND u.last_active_at < d.stop)::int AS "activeUsers",
           (SELECT count(*) FROM messages m WHERE m.created_at >= d.start AND m.created_at < d.stop)::int AS messages,
           (SELECT count(*) FROM conversations c WHERE c.escalated_at >= d.start AND c.escalated_at < d.stop AND c.escalated_to_human)::int AS "conversationsEscalated",
           (SELECT count(*) FROM user_badges b WHERE b.earned_at >= d.start AND b.earned_at < d.stop)::int AS "badgesAwarded",
           (SELECT count(*) FROM program_enrollments e WHERE e.completed_at >= d.start AND e.completed_at < d.stop AND e.status = 'completed')::int AS "enrollmentsCompleted"
      FROM d
$$;
COMMENT ON FUNCTION postgraphile_bench.dashboard_summary(date) IS 'What happened on one day (UTC) for the current tenant.';

-- Q5: User.pointsTotal, a computed column (first argument a row of public.users; PostGraphile
-- strips the `users_` prefix: the field is `pointsTotal`). The server's pointsTotal is the sum
-- of the user's achievements' points (src/modules/gamification/points.loader.ts).
CREATE OR REPLACE FUNCTION postgraphile_bench.users_points_total(u public.users)
  RETURNS int
  LANGUAGE sql STABLE SECURITY INVOKER
  SET search_path = public, pg_temp
AS $$
  SELECT coalesce(sum(a.points), 0)::int FROM achievements a WHERE a.user_id = u.id
$$;

REVOKE ALL ON FUNCTION postgraphile_bench.dashboard_summary(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION postgraphile_bench.users_points_total(public.users) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION postgraphile_bench.dashboard_summary(date) TO app_user;
GRANT EXECUTE ON FUNCTION postgraphile_bench.users_points_total(public.users) TO app_user;
