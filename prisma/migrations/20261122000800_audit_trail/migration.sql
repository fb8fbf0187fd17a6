-- The audit trail: every change to a creator's data is recorded in audit_log by a trigger, in
-- the same transaction as the change, so there is no change without its record and no record
-- without its change, whoever writes. The actor and request id come from transaction-local
-- settings the server sets with the tenant (src/db/tenant.ts); anything else is "system".
--
-- Recorded: the top-level change of each statement (pg_trigger_depth() = 1). Changes made by
-- other triggers (counters, automatic badge awards, foreign-key cascades) are consequences of a
-- recorded change, and are not repeated. Secrets (password and token hashes) are left out of
-- the recorded values. A writer may turn recording off for its transaction with
-- app.audit_skip = 'on' when it records the change in its own way (GDPR erasure, whose record
-- must not keep the person) or the change is housekeeping (retention, the demo seed).

CREATE OR REPLACE FUNCTION app.audit_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  old_row jsonb;
  new_row jsonb;
  actor text := coalesce(nullif(current_setting('app.actor', true), ''), 'system:');
  actor_type text;
  secrets text[] := ARRAY['password_hash', 'key_hash', 'token_hash', 'session_token_hash'];
BEGIN
  IF pg_trigger_depth() > 1 OR current_setting('app.audit_skip', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - secrets; END IF;
  IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - secrets; END IF;
  -- An update that changes nothing but its timestamp is not a change worth a record.
  IF TG_OP = 'UPDATE' AND (old_row - 'updated_at') = (new_row - 'updated_at') THEN
    RETURN NULL;
  END IF;
  actor_type := split_part(actor, ':', 1);
  IF actor_type NOT IN ('creator', 'admin', 'partner', 'system') THEN actor_type := 'system'; END IF;
  INSERT INTO audit_log (creator_id, table_name, operation, record_id, old_values, new_values, actor_type, actor_id, request_id, reason)
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

-- GDPR erasure: the audit trail must not keep the person either. Redacts the recorded values of
-- every audit row about the user, its rows, and the messages of its conversations (the audit
-- rows themselves stay: what happened, when, by whom). Call it before deleting the user.
-- SECURITY DEFINER because audit_log is append-only for the application role; it touches only
-- the calling tenant's rows.
CREATE OR REPLACE FUNCTION app.redact_user_audit(p_user uuid) RETURNS integer
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  tenant uuid := app.current_creator_id();
  conversation_ids text[];
  n integer;
BEGIN
  IF tenant IS NULL THEN RAISE EXCEPTION 'app.redact_user_audit needs a tenant'; END IF;
  SELECT coalesce(array_agg(id::text), '{}') INTO conversation_ids FROM conversations WHERE creator_id = tenant AND user_id = p_user;
  UPDATE audit_log
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
REVOKE ALL ON FUNCTION app.redact_user_audit(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.redact_user_audit(uuid) TO app_user;
