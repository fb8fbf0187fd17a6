-- Bounded badge work (issue 16, point 3), in the database so that it holds whoever writes.
--
-- 1. Badges per creator are a plan quota (plan_limits.badges; free 25): the same advisory lock
--    per (limit, creator) as the other quotas (plan_quotas migration) serialises concurrent
--    creators of badges, and a statement that takes a creator past its plan fails with
--    app.quota_exceeded('badges', ...) -> QUOTA_EXCEEDED. Every badge counts, retired or not
--    (deleting one makes room). Only inserts are checked: a creator over the limit after a
--    downgrade keeps its badges.
-- 2. A criteria document holds at most 32 rules, counted across every allOf/anyOf level
--    (app.badge_rule_count; src/modules/gamification/criteria.ts has the same bound, and
--    test/domain/badge-rules.test.ts holds the two together). One rule costs at most one indexed
--    count per evaluation, so a creator's evaluation is bounded by (badges of its plan) x 32
--    small queries, and a document of thousands of rules cannot be stored. Existing rows are
--    not re-checked until they are next written.
-- 3. The triggers that evaluated badges inside the writing transaction (badge_rules migration)
--    now only enqueue one graphile-worker job per (creator, user): job_key
--    'evaluate_badges:<creator>:<user>' in 'preserve_run_at' mode coalesces every write for that
--    user into one pending job (a job already running is left alone and a new one queued, so no
--    write is missed). Each creator's evaluations share one named queue, so that they run one at
--    a time: a creator's slow evaluations hold at most one connection of its pool share and one
--    worker slot. The job (src/jobs/worker.ts, task evaluate_badges) evaluates as the
--    tenant, through the application pool with row-level security and a statement budget;
--    INSERT ... ON CONFLICT DO NOTHING in app.evaluate_badges still awards exactly once. The
--    trigger functions are SECURITY DEFINER (a trigger function cannot be called directly) so
--    that the application role needs no right on the graphile_worker schema; when that schema
--    does not exist yet (no server has started on this database) the write goes through and
--    nothing is queued.

-- 1. Badge quota.
CREATE OR REPLACE FUNCTION app.badge_quota_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  c uuid;
  used bigint;
  max_allowed bigint;
BEGIN
  FOR c IN SELECT DISTINCT creator_id FROM new_rows LOOP
    max_allowed := app.plan_limit(c, 'badges');
    SELECT count(*) INTO used FROM badges WHERE creator_id = c;
    IF used > max_allowed THEN
      PERFORM app.quota_exceeded('badges', max_allowed, used);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION app.badge_quota_check() FROM PUBLIC;

CREATE TRIGGER quota_lock BEFORE INSERT ON "badges" FOR EACH ROW EXECUTE FUNCTION app.quota_lock('badges');
CREATE TRIGGER quota_check AFTER INSERT ON "badges" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.badge_quota_check();

-- 2. Rules per criteria document.
-- The number of rules (leaves) in a document whose shape is valid.
CREATE OR REPLACE FUNCTION app.badge_rule_count(c jsonb) RETURNS integer
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog
  AS $$
DECLARE
  part jsonb;
  n integer := 0;
BEGIN
  IF c IS NULL OR jsonb_typeof(c) <> 'object' THEN RETURN 0; END IF;
  IF c ? 'allOf' OR c ? 'anyOf' THEN
    part := coalesce(c -> 'allOf', c -> 'anyOf');
    IF jsonb_typeof(part) <> 'array' THEN RETURN 0; END IF;
    FOR part IN SELECT value FROM jsonb_array_elements(part) LOOP
      n := n + app.badge_rule_count(part);
    END LOOP;
    RETURN n;
  END IF;
  RETURN CASE WHEN c ? 'type' THEN 1 ELSE 0 END;
END
$$;

-- The shape check of the badge_rules migration, unchanged, under its own name.
CREATE OR REPLACE FUNCTION app.badge_criteria_shape_valid(c jsonb, depth integer) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog
  AS $$
DECLARE
  keys text[];
  part jsonb;
BEGIN
  IF c IS NULL OR jsonb_typeof(c) <> 'object' OR depth > 5 THEN RETURN false; END IF;
  SELECT coalesce(array_agg(k ORDER BY k), '{}') INTO keys FROM jsonb_object_keys(c) AS k;
  IF keys = '{}' THEN RETURN depth = 0; END IF;
  IF keys = '{allOf}' OR keys = '{anyOf}' THEN
    part := c -> keys[1];
    IF jsonb_typeof(part) <> 'array' OR jsonb_array_length(part) NOT BETWEEN 1 AND 20 THEN RETURN false; END IF;
    RETURN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(part) AS e WHERE NOT app.badge_criteria_shape_valid(e, depth + 1));
  END IF;
  IF jsonb_typeof(c -> 'type') IS DISTINCT FROM 'string' THEN RETURN false; END IF;
  CASE c ->> 'type'
    WHEN 'program_completed' THEN
      RETURN keys = '{programId,type}' AND jsonb_typeof(c -> 'programId') = 'string'
        AND (c ->> 'programId') ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
    WHEN 'programs_completed', 'messages_sent' THEN
      RETURN keys = '{count,type}' AND app.positive_int(c -> 'count', 1000000);
    WHEN 'interactions' THEN
      RETURN (keys = '{count,interactionType,type}' OR keys = '{count,interactionType,type,windowDays}')
        AND app.positive_int(c -> 'count', 1000000)
        AND jsonb_typeof(c -> 'interactionType') = 'string' AND (c ->> 'interactionType') ~ '^[a-z][a-z0-9_.]{0,62}$'
        AND (NOT c ? 'windowDays' OR app.positive_int(c -> 'windowDays', 3650));
    WHEN 'points_total' THEN
      RETURN keys = '{atLeast,type}' AND app.positive_int(c -> 'atLeast', 1000000000);
    WHEN 'streak' THEN
      RETURN keys = '{days,type}' AND app.positive_int(c -> 'days', 365);
    ELSE
      RETURN false;
  END CASE;
END
$$;

-- The check badges_criteria_valid_check calls: the shape, then (only for a valid shape, whose
-- depth and list lengths are already bounded) at most 32 rules in the whole document.
CREATE OR REPLACE FUNCTION app.badge_criteria_valid(c jsonb, depth integer DEFAULT 0) RETURNS boolean
  LANGUAGE plpgsql IMMUTABLE
  SET search_path = pg_catalog
  AS $$
BEGIN
  IF NOT app.badge_criteria_shape_valid(c, depth) THEN RETURN false; END IF;
  RETURN depth > 0 OR app.badge_rule_count(c) <= 32;
END
$$;

GRANT EXECUTE ON FUNCTION app.badge_rule_count(jsonb), app.badge_criteria_shape_valid(jsonb, integer) TO app_user;

-- 3. Evaluation after a write: queued, not run in the writing transaction.
-- Queues one evaluation of the user, when the creator has an active rule badge of one of the
-- given rule types (the only ones the write can change: most writes queue nothing).
CREATE OR REPLACE FUNCTION app.enqueue_badge_evaluation(p_creator uuid, p_user uuid, p_types text[]) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
BEGIN
  IF p_creator IS NULL OR p_user IS NULL OR to_regclass('graphile_worker._private_jobs') IS NULL THEN RETURN; END IF;
  IF NOT EXISTS (SELECT 1 FROM public.badges b WHERE b.creator_id = p_creator AND b.is_active AND b.criteria <> '{}'::jsonb
                 AND app.badge_rule_types(b.criteria) && p_types) THEN
    RETURN;
  END IF;
  PERFORM graphile_worker.add_job(
    'evaluate_badges',
    json_build_object('creatorId', p_creator, 'userId', p_user),
    queue_name => 'evaluate_badges:' || p_creator::text,
    max_attempts => 5,
    job_key => 'evaluate_badges:' || p_creator::text || ':' || p_user::text,
    job_key_mode => 'preserve_run_at');
END
$$;
-- Not callable by the application role: only the trigger functions below (SECURITY DEFINER
-- themselves) call it.
REVOKE ALL ON FUNCTION app.enqueue_badge_evaluation(uuid, uuid, text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION app.evaluate_badges_after_enrollments() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM app.enqueue_badge_evaluation(u.creator_id, u.user_id, '{program_completed,programs_completed}')
      FROM (SELECT DISTINCT creator_id, user_id FROM new_rows WHERE status = 'completed' ORDER BY creator_id, user_id) AS u;
  ELSE
    PERFORM app.enqueue_badge_evaluation(u.creator_id, u.user_id, '{program_completed,programs_completed}')
      FROM (SELECT DISTINCT n.creator_id, n.user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.status = 'completed' AND o.status <> 'completed' ORDER BY n.creator_id, n.user_id) AS u;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.evaluate_badges_after_user_rows() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
BEGIN
  PERFORM app.enqueue_badge_evaluation(u.creator_id, u.user_id, CASE TG_TABLE_NAME WHEN 'achievements' THEN '{points_total}'::text[] ELSE '{interactions,streak}'::text[] END)
    FROM (SELECT DISTINCT creator_id, user_id FROM new_rows ORDER BY creator_id, user_id) AS u;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.evaluate_badges_after_messages() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
BEGIN
  PERFORM app.enqueue_badge_evaluation(u.creator_id, u.user_id, '{messages_sent,streak}')
    FROM (SELECT DISTINCT v.creator_id, v.user_id FROM new_rows m
          JOIN public.conversations v ON v.creator_id = m.creator_id AND v.id = m.conversation_id
          WHERE m.sender_type = 'user' ORDER BY v.creator_id, v.user_id) AS u;
  RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION app.evaluate_badges_after_enrollments(), app.evaluate_badges_after_user_rows(), app.evaluate_badges_after_messages() FROM PUBLIC;
