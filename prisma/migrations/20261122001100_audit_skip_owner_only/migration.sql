-- Recording may be turned off only by a session that row-level security does not bind. The
-- previous test (not a member of app_user) also refused the owner, which may be a member of
-- app_user (to act as it), so the seed and retention were recorded row by row.
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
