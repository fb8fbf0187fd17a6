-- The partner change feed over users (userChanges) orders rows by the id of the transaction
-- that last wrote them, not by a timestamp. A timestamp (now(), the transaction's start) lets
-- a slow transaction commit a row behind a cursor that has already moved past it. Transaction
-- ids make the fix exact: the feed only returns rows written by transactions older than every
-- transaction still running (pg_snapshot_xmin of the current snapshot), so nothing can commit
-- behind the cursor later.
--
-- xid8 is 64-bit and never wraps; it is stored as BIGINT so that Prisma can read it.

ALTER TABLE "users" ADD COLUMN "change_xid" BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX "users_creator_id_change_xid_idx" ON "users"("creator_id", "change_xid", "id");

CREATE OR REPLACE FUNCTION app.stamp_change_xid() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
BEGIN
  NEW.change_xid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION app.stamp_change_xid() FROM PUBLIC;

-- Every insert and update is stamped, whoever writes and whatever columns
-- it sets, so no writer can place a row elsewhere in the feed.
CREATE TRIGGER stamp_change_xid BEFORE INSERT OR UPDATE ON "users" FOR EACH ROW EXECUTE FUNCTION app.stamp_change_xid();
