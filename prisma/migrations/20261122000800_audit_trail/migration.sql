-- The audit trail: every change to a creator's data is recorded in audit_log by a trigger, in
-- the same transaction as the change, so there is no change without its record and no record
-- without its change, whoever writes. The actor and request id come from transaction-local
-- settings the server sets with the tenant (src/db/tenant.ts); anything else is "system".
--
-- Recorded: the top-level change of each statement (pg_trigger_depth() = 1). Changes made by
-- other triggers (counters, automatic badge awards, foreign-key cascades) are consequences of a
-- recorded change, and are not repeated. Secrets are left out of the recorded values by name
-- (any column whose name mentions a hash, token, secret or password) and channels' provider
-- configuration is not recorded. A session that row-level security does not bind (the owner)
-- may turn recording off for its transaction with app.audit_skip = 'on', for housekeeping
-- (retention, the demo seed); the application's role cannot. Deleting a creator deletes its trail
-- with it, so that delete is not recorded. The SECURITY DEFINER functions name their tables
-- with the schema and put pg_temp last, so that a caller's temporary table cannot stand in for
-- audit_log, and the application role gets no temporary tables.

CREATE OR REPLACE FUNCTION app.audit_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
DECLARE
  old_row jsonb;
  new_row jsonb;
  actor text := coalesce(nullif(current_setting('app.actor', true), ''), 'system:');
  actor_type text;
BEGIN
  IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;
  -- Only a session that row-level security does not bind (the owner: housekeeping jobs, the
  -- seed) may turn recording off; the application's role, whatever it sets, is recorded.
  IF current_setting('app.audit_skip', true) = 'on'
     AND (SELECT r.rolbypassrls OR r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user) THEN
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'creators' AND TG_OP = 'DELETE' THEN RETURN NULL; END IF;
  IF TG_OP <> 'INSERT' THEN
    SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO old_row FROM jsonb_each(to_jsonb(OLD))
      WHERE key !~ '(hash|token|secret|password)' AND NOT (TG_TABLE_NAME = 'channels' AND key = 'configuration');
  END IF;
  IF TG_OP <> 'DELETE' THEN
    SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO new_row FROM jsonb_each(to_jsonb(NEW))
      WHERE key !~ '(hash|token|secret|password)' AND NOT (TG_TABLE_NAME = 'channels' AND key = 'configuration');
  END IF;
  IF TG_OP = 'UPDATE' AND (old_row - 'updated_at') = (new_row - 'updated_at') THEN
    RETURN NULL;
  END IF;
  actor_type := split_part(actor, ':', 1);
  IF actor_type NOT IN ('creator', 'admin', 'partner', 'system') THEN actor_type := 'system'; END IF;
  INSERT INTO public.audit_log (creator_id, table_name, operation, record_id, old_values, new_values, actor_type, actor_id, request_id, reason)
  VALUES (
    CASE WHEN TG_TABLE_NAME = 'creators' THEN coalesce(new_row, old_row) ->> 'id' ELSE coalesce(new_row, old_row) ->> 'creator_id' END::uuid,
    TG_TABLE_NAME,
    TG_OP,
    (coalesce(new_row, old_row) ->> 'id')::uuid,
    old_row,
    new_row,
    actor_type,
    nullif(substr(actor, length(actor_type) + 2), ''),
    nullif(current_setting('app.request_id', true), ''),
    nullif(current_setting('app.audit_reason', true), '')
  );
  RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION app.audit_change() FROM PUBLIC;

DO $$
DECLARE
  t text;
BEGIN
  -- Every table a creator manages through the API. Not: the logs themselves (audit_log,
  -- security_audit_logs, api_usage_logs), numbers derived by jobs (engagement_metrics,
  -- program_analytics, usage_tracking), flow snapshots written by the publish trigger
  -- (program_versions), and log-in sessions (creator_refresh_tokens: security_audit_logs
  -- records those events).
  FOREACH t IN ARRAY ARRAY['creators', 'users', 'user_sessions', 'user_profiles', 'user_interactions', 'programs', 'program_enrollments',
    'conversations', 'messages', 'badges', 'user_badges', 'achievements', 'knowledge_bases', 'documents', 'document_chunks',
    'channels', 'widget_configs', 'subscriptions', 'api_keys']
  LOOP
    EXECUTE format('CREATE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION app.audit_change()', t);
  END LOOP;
END
$$;

-- GDPR erasure: the trail must not keep the person either. Redacts the recorded values of every
-- audit row about the user, its rows, and the messages of its conversations (the rows stay:
-- what happened, when, by whom). Erasure deletes the user first, so that the delete's own
-- record is redacted too, and passes the conversations it had. It touches only the calling
-- tenant's rows; SECURITY DEFINER because audit_log is append-only for the application role.
CREATE OR REPLACE FUNCTION app.redact_user_audit(p_user uuid, p_conversations uuid[]) RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
DECLARE
  tenant uuid := app.current_creator_id();
  conversation_ids text[];
  n integer;
BEGIN
  IF tenant IS NULL THEN RAISE EXCEPTION 'app.redact_user_audit needs a tenant'; END IF;
  SELECT coalesce(array_agg(DISTINCT v.id), '{}') INTO conversation_ids FROM (
    SELECT unnest(p_conversations)::text AS id
    UNION SELECT c.id::text FROM public.conversations c WHERE c.creator_id = tenant AND c.user_id = p_user
    UNION SELECT a.record_id::text FROM public.audit_log a WHERE a.creator_id = tenant AND a.table_name = 'conversations' AND coalesce(a.old_values, a.new_values) ->> 'user_id' = p_user::text
  ) v;
  UPDATE public.audit_log
     SET old_values = CASE WHEN old_values IS NULL THEN NULL ELSE '{"redacted": "erased user"}'::jsonb END,
         new_values = CASE WHEN new_values IS NULL THEN NULL ELSE '{"redacted": "erased user"}'::jsonb END
   WHERE creator_id = tenant
     AND (record_id = p_user
          OR coalesce(old_values, new_values) ->> 'user_id' = p_user::text
          OR coalesce(old_values, new_values) ->> 'conversation_id' = ANY (conversation_ids));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END
$$;
REVOKE ALL ON FUNCTION app.redact_user_audit(uuid, uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.redact_user_audit(uuid, uuid[]) TO app_user;

DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;
