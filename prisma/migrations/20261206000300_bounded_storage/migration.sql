-- Bounded storage: what a tenant sends is what the database keeps, give or take a bounded
-- factor, and every stored byte counts against the plan.
--
-- 1. Enrollments' step data is bounded, whoever writes (src/modules/programs/flow.ts holds the
--    same numbers and checks them first, naming the field; this CHECK is the backstop for any
--    other writer). Sizes are of the value's JSON text as PostgreSQL prints it (jsonb::text):
--    one answer at most 16 KiB, the answers object 64 KiB, the step history 500 entries and
--    256 KiB, the whole step data 384 KiB. NOT VALID: rows written before stay readable; the
--    next write to one must bring it within bounds.
-- 2. The audit trail records what changed, not whole rows: an UPDATE records only the columns
--    whose value changed (old and new), with the row's user_id and conversation_id when it has
--    them, so that a person's trail can still be found and erased; an INSERT records the new
--    row, a DELETE the old one. Any value whose JSON text is over 1 KiB is replaced by
--    {"truncated": true, "sha256": <hex of the value's text>, "bytes": <its length in bytes>,
--    "preview": <its first 256 characters>} (for a string, the text is the string itself; for
--    anything else, its JSON). Secrets stay out, by name, as before.
-- 3. The storage quota counts every stored byte: documents.stored_bytes is a document's file
--    (file_size_bytes: the declared size, at least its content), title, source URL, error
--    message and metadata, plus each of its chunks' content, metadata and embedding id. Triggers
--    keep it true whoever writes; the quota sums it; a chunk statement that takes the creator
--    past its plan fails with QUOTA_EXCEEDED and writes nothing.

-- 1. Step data -------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION app.step_data_within_bounds(d jsonb) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog
  AS $$
  SELECT octet_length(d::text) <= 393216
     AND octet_length(coalesce(d -> 'answers', 'null')::text) <= 65536
     AND (jsonb_typeof(d -> 'answers') IS DISTINCT FROM 'object'
          OR NOT EXISTS (SELECT 1 FROM jsonb_each(d -> 'answers') a WHERE octet_length(a.value::text) > 16384))
     AND octet_length(coalesce(d -> 'history', 'null')::text) <= 262144
     AND (jsonb_typeof(d -> 'history') IS DISTINCT FROM 'array' OR jsonb_array_length(d -> 'history') <= 500)
$$;
GRANT EXECUTE ON FUNCTION app.step_data_within_bounds(jsonb) TO app_user;

ALTER TABLE "program_enrollments" ADD CONSTRAINT "program_enrollments_step_data_size_check"
  CHECK (app.step_data_within_bounds(step_data)) NOT VALID;

-- 2. The audit trail -------------------------------------------------------------------------

-- A value as the trail keeps it: itself up to 1 KiB of JSON text, past that its digest.
CREATE OR REPLACE FUNCTION app.audit_value(v jsonb) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
  SET search_path = pg_catalog
  AS $$
DECLARE
  t text;
BEGIN
  IF v IS NULL OR octet_length(v::text) <= 1024 THEN RETURN v; END IF;
  t := CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' ELSE v::text END;
  RETURN jsonb_build_object('truncated', true, 'sha256', encode(sha256(convert_to(t, 'UTF8')), 'hex'), 'bytes', octet_length(t), 'preview', left(t, 256));
END
$$;

CREATE OR REPLACE FUNCTION app.audit_change() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  AS $$
DECLARE
  old_row jsonb;
  new_row jsonb;
  old_values jsonb;
  new_values jsonb;
  row_ref jsonb;
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
  IF TG_OP = 'UPDATE' THEN
    -- Only what changed (updated_at alone is no change: the record's own time says when).
    SELECT jsonb_object_agg(n.key, app.audit_value(o.value)), jsonb_object_agg(n.key, app.audit_value(n.value))
      INTO old_values, new_values
      FROM jsonb_each(new_row) n LEFT JOIN jsonb_each(old_row) o ON o.key = n.key
     WHERE n.key <> 'updated_at' AND o.value IS DISTINCT FROM n.value;
    IF new_values IS NULL THEN RETURN NULL; END IF;
    -- Whose row it is, so that erasing a person finds this record too (app.redact_user_audit).
    SELECT coalesce(jsonb_object_agg(key, value), '{}') INTO row_ref FROM jsonb_each(new_row) WHERE key IN ('user_id', 'conversation_id');
    old_values := row_ref || old_values;
    new_values := row_ref || new_values;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT coalesce(jsonb_object_agg(key, app.audit_value(value)), '{}') INTO new_values FROM jsonb_each(new_row);
  ELSE
    SELECT coalesce(jsonb_object_agg(key, app.audit_value(value)), '{}') INTO old_values FROM jsonb_each(old_row);
  END IF;
  actor_type := split_part(actor, ':', 1);
  IF actor_type NOT IN ('creator', 'admin', 'partner', 'system') THEN actor_type := 'system'; END IF;
  INSERT INTO public.audit_log (creator_id, table_name, operation, record_id, old_values, new_values, actor_type, actor_id, request_id, reason)
  VALUES (
    CASE WHEN TG_TABLE_NAME = 'creators' THEN coalesce(new_row, old_row) ->> 'id' ELSE coalesce(new_row, old_row) ->> 'creator_id' END::uuid,
    TG_TABLE_NAME,
    TG_OP,
    (coalesce(new_row, old_row) ->> 'id')::uuid,
    old_values,
    new_values,
    actor_type,
    nullif(substr(actor, length(actor_type) + 2), ''),
    nullif(current_setting('app.request_id', true), ''),
    nullif(current_setting('app.audit_reason', true), '')
  );
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION app.audit_change() FROM PUBLIC;

-- 3. Storage ---------------------------------------------------------------------------------

ALTER TABLE "documents" ADD COLUMN "stored_bytes" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "documents" ADD CONSTRAINT "documents_stored_bytes_check" CHECK (stored_bytes >= 0);

-- The bytes of one document row and of one chunk row that count against storage.
CREATE OR REPLACE FUNCTION app.document_own_bytes(d public.documents) RETURNS bigint
  LANGUAGE sql IMMUTABLE
  SET search_path = pg_catalog
  AS $$
  SELECT coalesce(d.file_size_bytes, 0) + coalesce(octet_length(d.title), 0) + coalesce(octet_length(d.source_url), 0)
       + coalesce(octet_length(d.error_message), 0) + coalesce(octet_length(d.metadata::text), 0)
$$;
CREATE OR REPLACE FUNCTION app.chunk_bytes(c public.document_chunks) RETURNS bigint
  LANGUAGE sql IMMUTABLE
  SET search_path = pg_catalog
  AS $$
  SELECT coalesce(octet_length(c.content), 0)::bigint + coalesce(octet_length(c.metadata::text), 0) + coalesce(octet_length(c.embedding_id), 0)
$$;

-- Before each document row is written (after document_size, by name): its own bytes replace
-- the old ones; what its chunks add is kept. A new row starts with its own bytes only, whatever
-- the writer sent.
CREATE OR REPLACE FUNCTION app.document_stored_bytes() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.stored_bytes := app.document_own_bytes(NEW);
  ELSE
    NEW.stored_bytes := GREATEST(0, NEW.stored_bytes - app.document_own_bytes(OLD) + app.document_own_bytes(NEW));
  END IF;
  RETURN NEW;
END
$$;

-- After each chunk statement: each document's stored_bytes moves by what its chunks added or
-- removed. The documents' own quota triggers (below) then lock and check the creator's storage.
CREATE OR REPLACE FUNCTION app.count_chunk_bytes() RETURNS trigger
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  -- One branch per event: each has only its own transition tables.
  IF TG_OP = 'INSERT' THEN
    UPDATE public.documents doc SET stored_bytes = doc.stored_bytes + d.n
      FROM (SELECT creator_id, document_id, sum(app.chunk_bytes(r)) AS n FROM new_rows r GROUP BY 1, 2) d
     WHERE doc.creator_id = d.creator_id AND doc.id = d.document_id AND d.n <> 0;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE public.documents doc SET stored_bytes = GREATEST(0, doc.stored_bytes - d.n)
      FROM (SELECT creator_id, document_id, sum(app.chunk_bytes(r)) AS n FROM old_rows r GROUP BY 1, 2) d
     WHERE doc.creator_id = d.creator_id AND doc.id = d.document_id AND d.n <> 0;
  ELSE
    UPDATE public.documents doc SET stored_bytes = GREATEST(0, doc.stored_bytes + d.n)
      FROM (SELECT n.creator_id, n.document_id, sum(app.chunk_bytes(n) - app.chunk_bytes(o)) AS n
              FROM new_rows n JOIN old_rows o ON o.id = n.id GROUP BY 1, 2) d
     WHERE doc.creator_id = d.creator_id AND doc.id = d.document_id AND d.n <> 0;
  END IF;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION app.storage_used(p_creator uuid) RETURNS bigint
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, public
  AS $$
  SELECT coalesce(sum(stored_bytes), 0)::bigint FROM documents WHERE creator_id = p_creator
$$;

-- The quota functions of plan_quotas, with storage as the sum of stored_bytes.
CREATE OR REPLACE FUNCTION app.quota_check() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  c uuid;
  used bigint;
  max_allowed bigint;
BEGIN
  FOR c IN SELECT DISTINCT creator_id FROM new_rows LOOP
    max_allowed := app.plan_limit(c, TG_ARGV[0]);
    IF TG_ARGV[0] = 'users' THEN
      SELECT count(*) INTO used FROM users WHERE creator_id = c;
    ELSIF TG_ARGV[0] = 'programs' THEN
      -- Only a statement that adds a live program can pass the limit.
      CONTINUE WHEN NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.creator_id = c AND n.status <> 'archived');
      SELECT count(*) INTO used FROM programs WHERE creator_id = c AND status <> 'archived';
    ELSIF TG_ARGV[0] = 'ai_interactions_per_month' THEN
      CONTINUE WHEN NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.creator_id = c AND n.sender_type = 'ai');
      SELECT count(*) INTO used FROM messages
        WHERE creator_id = c AND sender_type = 'ai' AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    ELSIF TG_ARGV[0] = 'storage_bytes' THEN
      used := app.storage_used(c);
    END IF;
    IF used > max_allowed THEN
      PERFORM app.quota_exceeded(TG_ARGV[0], max_allowed, used);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;

-- Updates add to a stock only when they un-archive a program or grow a document's stored
-- bytes (its own, or its chunks'): a creator over a limit after a downgrade keeps working with
-- what it has, and can always shrink.
CREATE OR REPLACE FUNCTION app.quota_check_update() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  c uuid;
  used bigint;
  max_allowed bigint;
BEGIN
  IF TG_ARGV[0] = 'programs' THEN
    FOR c IN SELECT DISTINCT n.creator_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.status = 'archived' AND n.status <> 'archived' LOOP
      max_allowed := app.plan_limit(c, 'programs');
      SELECT count(*) INTO used FROM programs WHERE creator_id = c AND status <> 'archived';
      IF used > max_allowed THEN PERFORM app.quota_exceeded('programs', max_allowed, used); END IF;
    END LOOP;
  ELSE
    FOR c IN SELECT DISTINCT n.creator_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.stored_bytes > o.stored_bytes LOOP
      max_allowed := app.plan_limit(c, 'storage_bytes');
      used := app.storage_used(c);
      IF used > max_allowed THEN PERFORM app.quota_exceeded('storage_bytes', max_allowed, used); END IF;
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION app.document_stored_bytes(), app.count_chunk_bytes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.document_own_bytes(public.documents), app.chunk_bytes(public.document_chunks), app.storage_used(uuid) TO app_user;

-- Named to run after document_size (which sets file_size_bytes) and before quota_lock.
CREATE TRIGGER document_stored_bytes BEFORE INSERT OR UPDATE ON "documents" FOR EACH ROW EXECUTE FUNCTION app.document_stored_bytes();
-- The lock now covers every update that can grow stored_bytes (the chunk triggers' included).
DROP TRIGGER quota_lock ON "documents";
CREATE TRIGGER quota_lock BEFORE INSERT OR UPDATE OF file_size_bytes, content, title, source_url, error_message, metadata, stored_bytes ON "documents"
  FOR EACH ROW EXECUTE FUNCTION app.quota_lock('storage_bytes');

CREATE TRIGGER count_chunk_bytes_insert AFTER INSERT ON "document_chunks"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_chunk_bytes();
CREATE TRIGGER count_chunk_bytes_update AFTER UPDATE ON "document_chunks"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_chunk_bytes();
CREATE TRIGGER count_chunk_bytes_delete AFTER DELETE ON "document_chunks"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION app.count_chunk_bytes();

-- The documents there are now: their true stored bytes, without touching updated_at, the trail
-- or the quota (a creator already past its plan keeps what it has).
ALTER TABLE "documents" DISABLE TRIGGER USER;
UPDATE "documents" doc SET stored_bytes = app.document_own_bytes(doc)
  + coalesce((SELECT sum(app.chunk_bytes(c)) FROM "document_chunks" c WHERE c.creator_id = doc.creator_id AND c.document_id = doc.id), 0);
ALTER TABLE "documents" ENABLE TRIGGER USER;
