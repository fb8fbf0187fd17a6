-- Plan quotas, enforced in the database so that they hold whoever writes.
--
-- plan_limits holds each tier's limits (src/modules/billing/plans.ts mirrors it, and a test
-- holds the two together). A creator's tier is its live subscription's, or free.
--
-- Hard limits: users, programs that are not archived, AI messages per calendar month (UTC),
-- and document storage. A write that would pass one fails with SQLSTATE CGQ01 and a message
-- "QUOTA_EXCEEDED {json}" that the server maps to its QUOTA_EXCEEDED error; the statement and
-- its transaction write nothing. Concurrent writers of one creator are serialised on an
-- advisory lock per (limit, creator), taken before the row is written and held to commit, so
-- two requests cannot both take the last slot. API requests per minute are a rate, not a
-- stock: the HTTP layer enforces them.

CREATE TABLE "plan_limits" (
    "tier" TEXT NOT NULL,
    "users" BIGINT NOT NULL,
    "programs" BIGINT NOT NULL,
    "ai_interactions_per_month" BIGINT NOT NULL,
    "storage_bytes" BIGINT NOT NULL,
    "api_requests_per_minute" BIGINT NOT NULL,
    CONSTRAINT "plan_limits_pkey" PRIMARY KEY ("tier"),
    CONSTRAINT "plan_limits_tier_check" CHECK (tier IN ('free', 'starter', 'pro', 'enterprise')),
    CONSTRAINT "plan_limits_positive_check" CHECK (users >= 0 AND programs >= 0 AND ai_interactions_per_month >= 0 AND storage_bytes >= 0 AND api_requests_per_minute >= 0)
);
INSERT INTO "plan_limits" (tier, users, programs, ai_interactions_per_month, storage_bytes, api_requests_per_minute) VALUES
  ('free', 100, 3, 1000, 107374182, 1000),
  ('starter', 1000, 10, 10000, 1073741824, 3000),
  ('pro', 10000, 50, 100000, 10737418240, 10000),
  ('enterprise', 1000000, 1000, 10000000, 1073741824000, 60000);
-- Plan data, not tenant data: readable by the application, changed by operators only.
GRANT SELECT ON "plan_limits" TO app_user;

CREATE OR REPLACE FUNCTION app.plan_limit(p_creator uuid, p_limit text) RETURNS bigint
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, public
  AS $$
  SELECT (to_jsonb(l) ->> p_limit)::bigint
  FROM plan_limits l
  WHERE l.tier = coalesce(
    (SELECT s.tier FROM subscriptions s WHERE s.creator_id = p_creator AND s.status IN ('active', 'trialing', 'past_due') ORDER BY s.current_period_end DESC LIMIT 1),
    'free')
$$;

-- Before each row: wait for any other transaction adding to the same stock of this creator.
CREATE OR REPLACE FUNCTION app.quota_lock() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('quota:' || TG_ARGV[0]), hashtext(NEW.creator_id::text));
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION app.quota_exceeded(p_limit text, p_max bigint, p_used bigint) RETURNS void
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
BEGIN
  RAISE EXCEPTION 'QUOTA_EXCEEDED %', jsonb_build_object('limit', p_limit, 'max', p_max, 'used', p_used)::text
    USING ERRCODE = 'CGQ01', HINT = 'Upgrade the plan, or remove some to make room.';
END
$$;

-- After each statement: the stock of every creator the statement added to, against its limit.
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
      SELECT coalesce(sum(file_size_bytes), 0) INTO used FROM documents WHERE creator_id = c;
    END IF;
    IF used > max_allowed THEN
      PERFORM app.quota_exceeded(TG_ARGV[0], max_allowed, used);
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;

-- Updates add to a stock only when they un-archive a program or grow a document: the counter
-- triggers' own updates and renames never fail, so a creator over a limit after a downgrade
-- keeps working with what it has.
CREATE OR REPLACE FUNCTION app.quota_check_update() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public
  AS $$
DECLARE
  c uuid;
  used bigint;
  max_allowed bigint;
BEGIN
  -- One branch per table: PL/pgSQL plans a query on first use, and the transition tables of
  -- each table have only that table's columns.
  IF TG_ARGV[0] = 'programs' THEN
    FOR c IN SELECT DISTINCT n.creator_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.status = 'archived' AND n.status <> 'archived' LOOP
      max_allowed := app.plan_limit(c, 'programs');
      SELECT count(*) INTO used FROM programs WHERE creator_id = c AND status <> 'archived';
      IF used > max_allowed THEN PERFORM app.quota_exceeded('programs', max_allowed, used); END IF;
    END LOOP;
  ELSE
    FOR c IN SELECT DISTINCT n.creator_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.file_size_bytes > o.file_size_bytes LOOP
      max_allowed := app.plan_limit(c, 'storage_bytes');
      SELECT coalesce(sum(file_size_bytes), 0) INTO used FROM documents WHERE creator_id = c;
      IF used > max_allowed THEN PERFORM app.quota_exceeded('storage_bytes', max_allowed, used); END IF;
    END LOOP;
  END IF;
  RETURN NULL;
END
$$;

-- A document's size is at least its stored content: a client cannot declare it away.
CREATE OR REPLACE FUNCTION app.document_size() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
BEGIN
  NEW.file_size_bytes := GREATEST(coalesce(NEW.file_size_bytes, 0), coalesce(octet_length(NEW.content), 0));
  RETURN NEW;
END
$$;

REVOKE ALL ON FUNCTION app.quota_lock(), app.quota_check(), app.quota_check_update(), app.document_size() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.plan_limit(uuid, text), app.quota_exceeded(text, bigint, bigint) TO app_user;

CREATE TRIGGER quota_lock BEFORE INSERT ON "users" FOR EACH ROW EXECUTE FUNCTION app.quota_lock('users');
CREATE TRIGGER quota_check AFTER INSERT ON "users" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.quota_check('users');

CREATE TRIGGER quota_lock BEFORE INSERT OR UPDATE OF status ON "programs" FOR EACH ROW EXECUTE FUNCTION app.quota_lock('programs');
CREATE TRIGGER quota_check_insert AFTER INSERT ON "programs" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.quota_check('programs');

CREATE TRIGGER quota_lock BEFORE INSERT ON "messages" FOR EACH ROW WHEN (NEW.sender_type = 'ai') EXECUTE FUNCTION app.quota_lock('ai_interactions_per_month');
CREATE TRIGGER quota_check AFTER INSERT ON "messages" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.quota_check('ai_interactions_per_month');

CREATE TRIGGER quota_check_update AFTER UPDATE ON "programs" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.quota_check_update('programs');

-- Named to run before quota_lock (triggers of a kind fire in name order).
CREATE TRIGGER document_size BEFORE INSERT OR UPDATE OF content, file_size_bytes ON "documents" FOR EACH ROW EXECUTE FUNCTION app.document_size();
CREATE TRIGGER quota_lock BEFORE INSERT OR UPDATE OF file_size_bytes ON "documents" FOR EACH ROW EXECUTE FUNCTION app.quota_lock('storage_bytes');
CREATE TRIGGER quota_check_insert AFTER INSERT ON "documents" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION app.quota_check('storage_bytes');
CREATE TRIGGER quota_check_update AFTER UPDATE ON "documents" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION app.quota_check_update('storage_bytes');
UPDATE "documents" SET file_size_bytes = octet_length(content) WHERE octet_length(content) > file_size_bytes;
