-- Totals that cannot overflow into a server error (issue 17).
--
-- 1. Metric values have a range. engagement_metrics and program_analytics hold float8 values
--    that the series and summaries sum. Two values near 1.7e308 made sum() fail with 22003
--    (numeric value out of range), an INTERNAL_SERVER_ERROR for every reader of that series.
--    Values are now held to [-1e15, 1e15]: well beyond any count, amount or duration a creator
--    records, exact for every whole number in it (1e15 < 2^53), and so far below the float8
--    range that no sum (nor avg's sum of squares) of any number of rows can overflow. NaN and
--    the infinities are outside it. The API refuses such values first, naming the field; the
--    CHECK holds every other writer (jobs, psql) to the same range.
--
--    Rows already outside the range (only a writer other than the API could have stored an
--    infinity or a NaN; the API took any finite value) are clamped to the nearest bound, NaN to
--    0, so that the constraint can be added. A NOTICE says how many rows were changed.
--
-- 2. Counters refuse to pass 32 bits. The trigger-maintained counters (enrollment_count,
--    awarded_count, message_count, user_count, document_count, chunk_count) are int4, which
--    Prisma and the API read as Int. Only message_count, document_count and chunk_count have no
--    plan limit far below 2^31 behind them, but the check costs nothing, so all of them have it:
--    the insert that would take a counter past 2^31 - 1 fails as QUOTA_EXCEEDED (SQLSTATE
--    CGQ01, app.quota_exceeded of plan_quotas, which the API maps to QuotaExceededError) with a
--    limit named for the counter, instead of 22003 from the counter's UPDATE. Deletes only
--    lower a counter and keep their bodies. The check reads the same grouped transition table
--    the UPDATE does; a counter statement stays one grouped read and one grouped UPDATE.
--
-- Points totals need no change here: achievements.points is int4 and sum() of int4 is bigint
-- (app.badge_criteria_met already reads it into a bigint), so a total cannot overflow before
-- 2^32 rows of the int4 maximum. The API reads totals as bigint and sends them as BigInt.

-- 1. Metric ranges --------------------------------------------------------------------------

DO $$
DECLARE
  n bigint;
  m bigint;
BEGIN
  UPDATE "engagement_metrics"
     SET metric_value = CASE WHEN metric_value = 'NaN'::float8 THEN 0 ELSE LEAST(GREATEST(metric_value, -1e15::float8), 1e15::float8) END
   WHERE NOT (metric_value BETWEEN -1e15::float8 AND 1e15::float8);
  GET DIAGNOSTICS n = ROW_COUNT;
  UPDATE "program_analytics"
     SET metric_value = CASE WHEN metric_value = 'NaN'::float8 THEN 0 ELSE LEAST(GREATEST(metric_value, -1e15::float8), 1e15::float8) END
   WHERE NOT (metric_value BETWEEN -1e15::float8 AND 1e15::float8);
  GET DIAGNOSTICS m = ROW_COUNT;
  IF n + m > 0 THEN
    RAISE NOTICE 'bounded_totals: clamped % engagement_metrics and % program_analytics values to [-1e15, 1e15]', n, m;
  END IF;
END
$$;

ALTER TABLE "engagement_metrics" ADD CONSTRAINT "engagement_metrics_metric_value_check" CHECK (metric_value BETWEEN -1e15::float8 AND 1e15::float8);
ALTER TABLE "program_analytics" ADD CONSTRAINT "program_analytics_metric_value_check" CHECK (metric_value BETWEEN -1e15::float8 AND 1e15::float8);

-- 2. Counters -------------------------------------------------------------------------------

-- Fails the statement when a counter would pass int4: `total` is the largest new value.
CREATE OR REPLACE FUNCTION app.counter_check(p_limit text, total bigint) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
BEGIN
  IF total > 2147483647 THEN
    PERFORM app.quota_exceeded(p_limit, 2147483647, total);
  END IF;
END
$$;
REVOKE ALL ON FUNCTION app.counter_check(text, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION app.count_enrollments() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM app.counter_check('enrollments_per_program', (SELECT max(p.enrollment_count::bigint + d.n) FROM public.programs p
      JOIN (SELECT creator_id, program_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d ON p.creator_id = d.creator_id AND p.id = d.program_id));
    UPDATE public.programs p SET enrollment_count = p.enrollment_count + d.n
      FROM (SELECT creator_id, program_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE p.creator_id = d.creator_id AND p.id = d.program_id;
  ELSE
    UPDATE public.programs p SET enrollment_count = p.enrollment_count - d.n
      FROM (SELECT creator_id, program_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE p.creator_id = d.creator_id AND p.id = d.program_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.count_awards() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM app.counter_check('awards_per_badge', (SELECT max(b.awarded_count::bigint + d.n) FROM public.badges b
      JOIN (SELECT creator_id, badge_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d ON b.creator_id = d.creator_id AND b.id = d.badge_id));
    UPDATE public.badges b SET awarded_count = b.awarded_count + d.n
      FROM (SELECT creator_id, badge_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE b.creator_id = d.creator_id AND b.id = d.badge_id;
  ELSE
    UPDATE public.badges b SET awarded_count = b.awarded_count - d.n
      FROM (SELECT creator_id, badge_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE b.creator_id = d.creator_id AND b.id = d.badge_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.count_messages() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM app.counter_check('messages_per_conversation', (SELECT max(c.message_count::bigint + d.n) FROM public.conversations c
      JOIN (SELECT creator_id, conversation_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d ON c.creator_id = d.creator_id AND c.id = d.conversation_id));
    UPDATE public.conversations c
       SET message_count = c.message_count + d.n,
           last_message_at = GREATEST(c.last_message_at, d.last_at)
      FROM (SELECT creator_id, conversation_id, count(*) AS n, max(created_at) AS last_at
              FROM new_rows GROUP BY 1, 2) d
      WHERE c.creator_id = d.creator_id AND c.id = d.conversation_id;
  ELSE
    UPDATE public.conversations c
       SET message_count = c.message_count - d.n,
           last_message_at = (SELECT max(m.created_at) FROM public.messages m
                               WHERE m.creator_id = c.creator_id AND m.conversation_id = c.id)
      FROM (SELECT creator_id, conversation_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE c.creator_id = d.creator_id AND c.id = d.conversation_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.count_channel_users() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM app.counter_check('users_per_channel', (SELECT max(ch.user_count::bigint + d.n) FROM public.channels ch
      JOIN (SELECT creator_id, channel, count(*) AS n FROM new_rows GROUP BY 1, 2) d ON ch.creator_id = d.creator_id AND ch.channel_type = d.channel));
    UPDATE public.channels ch SET user_count = ch.user_count + d.n
      FROM (SELECT creator_id, channel, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE ch.creator_id = d.creator_id AND ch.channel_type = d.channel;
  ELSE
    UPDATE public.channels ch SET user_count = ch.user_count - d.n
      FROM (SELECT creator_id, channel, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE ch.creator_id = d.creator_id AND ch.channel_type = d.channel;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.move_channel_user() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  PERFORM app.counter_check('users_per_channel', (SELECT user_count::bigint + 1 FROM public.channels
    WHERE creator_id = NEW.creator_id AND channel_type = NEW.channel));
  UPDATE public.channels SET user_count = user_count - 1
    WHERE creator_id = OLD.creator_id AND channel_type = OLD.channel;
  UPDATE public.channels SET user_count = user_count + 1
    WHERE creator_id = NEW.creator_id AND channel_type = NEW.channel;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.count_documents() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM app.counter_check('documents_per_knowledge_base', (SELECT max(k.document_count::bigint + d.n) FROM public.knowledge_bases k
      JOIN (SELECT creator_id, knowledge_base_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d ON k.creator_id = d.creator_id AND k.id = d.knowledge_base_id));
    UPDATE public.knowledge_bases k SET document_count = k.document_count + d.n
      FROM (SELECT creator_id, knowledge_base_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE k.creator_id = d.creator_id AND k.id = d.knowledge_base_id;
  ELSE
    UPDATE public.knowledge_bases k SET document_count = k.document_count - d.n
      FROM (SELECT creator_id, knowledge_base_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE k.creator_id = d.creator_id AND k.id = d.knowledge_base_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.count_chunks() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM app.counter_check('chunks_per_document', (SELECT max(doc.chunk_count::bigint + d.n) FROM public.documents doc
      JOIN (SELECT creator_id, document_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d ON doc.creator_id = d.creator_id AND doc.id = d.document_id));
    UPDATE public.documents doc SET chunk_count = doc.chunk_count + d.n
      FROM (SELECT creator_id, document_id, count(*) AS n FROM new_rows GROUP BY 1, 2) d
      WHERE doc.creator_id = d.creator_id AND doc.id = d.document_id;
  ELSE
    UPDATE public.documents doc SET chunk_count = doc.chunk_count - d.n
      FROM (SELECT creator_id, document_id, count(*) AS n FROM old_rows GROUP BY 1, 2) d
      WHERE doc.creator_id = d.creator_id AND doc.id = d.document_id;
  END IF;
  RETURN NULL;
END
$$;
