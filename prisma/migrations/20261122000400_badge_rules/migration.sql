-- Badge rules in the database, so that they hold whoever writes (the API, a job, psql).
--
-- 1. badges.criteria must be a valid criteria document (app.badge_criteria_valid). The server
--    checks the same rules first, with field-level errors; this is the backstop.
-- 2. app.evaluate_badges(creator, user) awards every active badge whose criteria the user now
--    meets, with the evidence in criteria_met. INSERT ... ON CONFLICT DO NOTHING on
--    (creator_id, user_id, badge_id) makes an award happen exactly once however many
--    evaluations race; awarded_count is kept by the existing statement-level counter, which
--    counts only rows really inserted.
-- 3. Triggers evaluate the users concerned after the events criteria depend on: an enrollment
--    completed, an interaction recorded, a message sent by a user, an achievement added; each
--    only the rule types its event can change. They run in the writing transaction: the award
--    commits or rolls back with its cause.
--
-- Criteria documents:
--   {"type": "program_completed", "programId": "<uuid>"}
--   {"type": "programs_completed", "count": N}
--   {"type": "interactions", "interactionType": "lesson_viewed", "count": N, "windowDays": D?}
--   {"type": "messages_sent", "count": N}
--   {"type": "points_total", "atLeast": N}
--   {"type": "streak", "days": N}                      consecutive active days, user's time zone
--   {"allOf": [criteria, ...]}   {"anyOf": [criteria, ...]}
--   {}                                                  no rule: awarded by hand only

-- The check agrees with the server's: every number present and whole, every name a string
-- (NULL from a missing key must fail the check, not pass it).
CREATE OR REPLACE FUNCTION app.positive_int(v jsonb, max_value numeric) RETURNS boolean
  LANGUAGE sql IMMUTABLE
  SET search_path = pg_catalog
  AS $$
  SELECT coalesce(jsonb_typeof(v) = 'number' AND v::numeric = trunc(v::numeric) AND v::numeric BETWEEN 1 AND max_value, false)
$$;

CREATE OR REPLACE FUNCTION app.badge_criteria_valid(c jsonb, depth integer DEFAULT 0) RETURNS boolean
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
    RETURN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(part) AS e WHERE NOT app.badge_criteria_valid(e, depth + 1));
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

ALTER TABLE "badges" ADD CONSTRAINT "badges_criteria_valid_check" CHECK (app.badge_criteria_valid(criteria));

-- The rule types a criteria document uses (so that an event evaluates only the rules it can change).
CREATE OR REPLACE FUNCTION app.badge_rule_types(c jsonb) RETURNS text[]
  LANGUAGE sql IMMUTABLE
  SET search_path = pg_catalog
  AS $$
  SELECT coalesce(array_agg(DISTINCT t #>> '{}'), '{}') FROM jsonb_path_query(c, '$.**.type') AS t
$$;

-- The user's time zone, or UTC when the database does not know it: a bad zone must not fail
-- the user's writes.
CREATE OR REPLACE FUNCTION app.user_zone(p_creator uuid, p_user uuid) RETURNS text
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  tz text;
BEGIN
  SELECT timezone INTO tz FROM users WHERE creator_id = p_creator AND id = p_user;
  BEGIN
    PERFORM now() AT TIME ZONE coalesce(tz, 'UTC');
  EXCEPTION WHEN invalid_parameter_value THEN
    RETURN 'UTC';
  END;
  RETURN coalesce(tz, 'UTC');
END
$$;

-- The evidence that `user` meets `c` (the criteria with the user's actual numbers), or NULL.
-- Every query names the creator as well as the user, so the answer is the same whether row-level
-- security applies (the application role) or not (the owner, in jobs).
CREATE OR REPLACE FUNCTION app.badge_criteria_met(p_creator uuid, p_user uuid, c jsonb) RETURNS jsonb
  LANGUAGE plpgsql STABLE
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  part jsonb;
  evidence jsonb;
  parts jsonb := '[]'::jsonb;
  actual bigint;
  needed bigint;
  tz text;
BEGIN
  IF c ? 'allOf' THEN
    FOR part IN SELECT value FROM jsonb_array_elements(c -> 'allOf') LOOP
      evidence := app.badge_criteria_met(p_creator, p_user, part);
      IF evidence IS NULL THEN RETURN NULL; END IF;
      parts := parts || jsonb_build_array(evidence);
    END LOOP;
    RETURN jsonb_build_object('allOf', parts);
  END IF;
  IF c ? 'anyOf' THEN
    FOR part IN SELECT value FROM jsonb_array_elements(c -> 'anyOf') LOOP
      evidence := app.badge_criteria_met(p_creator, p_user, part);
      IF evidence IS NOT NULL THEN RETURN jsonb_build_object('anyOf', jsonb_build_array(evidence)); END IF;
    END LOOP;
    RETURN NULL;
  END IF;

  IF c ->> 'type' = 'program_completed' THEN
    needed := 1;
    SELECT count(*) INTO actual FROM program_enrollments
      WHERE creator_id = p_creator AND user_id = p_user AND program_id = (c ->> 'programId')::uuid AND status = 'completed';
  ELSIF c ->> 'type' = 'programs_completed' THEN
    needed := (c ->> 'count')::bigint;
    SELECT count(*) INTO actual FROM program_enrollments WHERE creator_id = p_creator AND user_id = p_user AND status = 'completed';
  ELSIF c ->> 'type' = 'interactions' THEN
    needed := (c ->> 'count')::bigint;
    SELECT count(*) INTO actual FROM user_interactions
      WHERE creator_id = p_creator AND user_id = p_user AND interaction_type = c ->> 'interactionType'
        AND (NOT c ? 'windowDays' OR created_at >= now() - make_interval(days => (c ->> 'windowDays')::integer));
  ELSIF c ->> 'type' = 'messages_sent' THEN
    needed := (c ->> 'count')::bigint;
    SELECT count(*) INTO actual FROM messages m
      JOIN conversations v ON v.creator_id = m.creator_id AND v.id = m.conversation_id
      WHERE m.creator_id = p_creator AND v.user_id = p_user AND m.sender_type = 'user';
  ELSIF c ->> 'type' = 'points_total' THEN
    needed := (c ->> 'atLeast')::bigint;
    SELECT coalesce(sum(points), 0) INTO actual FROM achievements WHERE creator_id = p_creator AND user_id = p_user;
  ELSIF c ->> 'type' = 'streak' THEN
    needed := (c ->> 'days')::bigint;
    tz := app.user_zone(p_creator, p_user);
    WITH days AS (
      SELECT DISTINCT (i.created_at AT TIME ZONE tz)::date AS d
        FROM user_interactions i WHERE i.creator_id = p_creator AND i.user_id = p_user
      UNION
      SELECT (m.created_at AT TIME ZONE tz)::date
        FROM messages m JOIN conversations v ON v.creator_id = m.creator_id AND v.id = m.conversation_id
        WHERE m.creator_id = p_creator AND v.user_id = p_user AND m.sender_type = 'user'
    ), runs AS (
      SELECT d - (row_number() OVER (ORDER BY d))::integer AS run FROM days
    )
    SELECT coalesce(max(n), 0) INTO actual FROM (SELECT count(*) AS n FROM runs GROUP BY run) AS r;
  ELSE
    RETURN NULL;
  END IF;
  IF actual >= needed THEN
    RETURN c || jsonb_build_object('actual', actual);
  END IF;
  RETURN NULL;
END
$$;

-- Awards every active rule badge (of the given rule types; all when NULL) the user now meets
-- and does not hold; returns the new awards.
CREATE OR REPLACE FUNCTION app.evaluate_badges(p_creator uuid, p_user uuid, p_types text[] DEFAULT NULL) RETURNS SETOF uuid
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  b record;
  evidence jsonb;
  awarded uuid;
BEGIN
  FOR b IN
    SELECT id, criteria FROM badges
    WHERE creator_id = p_creator AND is_active AND criteria <> '{}'::jsonb
      AND (p_types IS NULL OR app.badge_rule_types(criteria) && p_types)
      AND NOT EXISTS (SELECT 1 FROM user_badges ub WHERE ub.creator_id = p_creator AND ub.user_id = p_user AND ub.badge_id = badges.id)
    ORDER BY created_at, id
  LOOP
    evidence := app.badge_criteria_met(p_creator, p_user, b.criteria);
    CONTINUE WHEN evidence IS NULL;
    awarded := NULL;
    INSERT INTO user_badges (creator_id, user_id, badge_id, criteria_met)
      VALUES (p_creator, p_user, b.id, jsonb_build_object('rule', evidence, 'evaluatedAt', now()))
      ON CONFLICT (creator_id, user_id, badge_id) DO NOTHING
      RETURNING id INTO awarded;
    IF awarded IS NOT NULL THEN RETURN NEXT awarded; END IF;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION app.evaluate_badges_after_enrollments() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM app.evaluate_badges(u.creator_id, u.user_id, '{program_completed,programs_completed}')
      FROM (SELECT DISTINCT creator_id, user_id FROM new_rows WHERE status = 'completed') AS u;
  ELSE
    PERFORM app.evaluate_badges(u.creator_id, u.user_id, '{program_completed,programs_completed}')
      FROM (SELECT DISTINCT n.creator_id, n.user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.status = 'completed' AND o.status <> 'completed') AS u;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.evaluate_badges_after_user_rows() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  PERFORM app.evaluate_badges(u.creator_id, u.user_id, CASE TG_TABLE_NAME WHEN 'achievements' THEN '{points_total}'::text[] ELSE '{interactions,streak}'::text[] END)
    FROM (SELECT DISTINCT creator_id, user_id FROM new_rows) AS u;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.evaluate_badges_after_messages() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  PERFORM app.evaluate_badges(u.creator_id, u.user_id, '{messages_sent,streak}')
    FROM (SELECT DISTINCT v.creator_id, v.user_id FROM new_rows m
          JOIN conversations v ON v.creator_id = m.creator_id AND v.id = m.conversation_id
          WHERE m.sender_type = 'user') AS u;
  RETURN NULL;
END
$$;

CREATE TRIGGER evaluate_badges_insert AFTER INSERT ON "program_enrollments"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.evaluate_badges_after_enrollments();
CREATE TRIGGER evaluate_badges_update AFTER UPDATE ON "program_enrollments"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.evaluate_badges_after_enrollments();
CREATE TRIGGER evaluate_badges AFTER INSERT ON "user_interactions"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.evaluate_badges_after_user_rows();
CREATE TRIGGER evaluate_badges AFTER INSERT ON "achievements"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.evaluate_badges_after_user_rows();
CREATE TRIGGER evaluate_badges AFTER INSERT ON "messages"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.evaluate_badges_after_messages();

REVOKE ALL ON FUNCTION app.evaluate_badges_after_enrollments(), app.evaluate_badges_after_user_rows(), app.evaluate_badges_after_messages() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.evaluate_badges(uuid, uuid, text[]), app.badge_criteria_met(uuid, uuid, jsonb), app.badge_criteria_valid(jsonb, integer),
  app.positive_int(jsonb, numeric), app.badge_rule_types(jsonb), app.user_zone(uuid, uuid) TO app_user;
