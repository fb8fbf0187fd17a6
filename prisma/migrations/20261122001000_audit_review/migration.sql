-- Fixes from the review of the audit trail.
--
-- 1. SECURITY DEFINER functions name their tables with the schema and put pg_temp last, so a
--    temporary table of the caller's cannot stand in for audit_log. The application role gets
--    no temporary tables at all.
-- 2. Secrets are left out of recorded values by name (any column whose name mentions a hash,
--    token, secret or password) and channels' provider configuration is not recorded.
-- 3. Only a session that is not the application's may turn recording off (the owner, for
--    housekeeping): a request cannot hide its changes.
-- 4. Deleting a creator deletes its trail with it (a record pointing at no creator cannot be
--    kept), so that delete is not recorded.
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
  IF current_setting('app.audit_skip', true) = 'on' AND NOT pg_has_role(session_user, 'app_user', 'MEMBER') THEN RETURN NULL; END IF;
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

-- Takes the user's conversations too: erasure deletes the user first (so that the delete's own
-- record is redacted as well), and the conversations go with it.
DROP FUNCTION app.redact_user_audit(uuid);
CREATE FUNCTION app.redact_user_audit(p_user uuid, p_conversations uuid[]) RETURNS integer
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
