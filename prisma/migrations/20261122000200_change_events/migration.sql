-- Change events for live subscriptions. Every writer counts (this server, a job, psql): a
-- trigger announces each change on one channel with the creator, the entity, the row id and
-- the parent the subscriptions filter on. Each server instance LISTENs once and routes an event
-- only to that creator's subscribers, which re-read the row through their own tenant client,
-- so row-level security decides again what reaches them. The payload carries ids only.
--
-- NOTIFY is transactional: subscribers hear of a change only once it is committed, and not at
-- all if it rolls back.

CREATE OR REPLACE FUNCTION app.notify_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog
  AS $$
DECLARE
  r record;
  parent text;
  creator uuid;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  -- One branch per table: PL/pgSQL plans an expression when it first runs it, and a field
  -- the row type lacks (users has no program_id) must never appear in a branch that runs.
  IF TG_TABLE_NAME = 'program_enrollments' THEN parent := r.program_id::text;
  ELSIF TG_TABLE_NAME = 'messages' THEN parent := r.conversation_id::text;
  ELSIF TG_TABLE_NAME = 'engagement_metrics' THEN parent := r.metric_type;
  ELSIF TG_TABLE_NAME = 'user_badges' THEN parent := r.badge_id::text;
  END IF;
  IF TG_TABLE_NAME = 'creator_refresh_tokens' THEN parent := r.family_id::text;
  END IF;
  -- The tenant root is its own creator.
  IF TG_TABLE_NAME = 'creators' THEN creator := r.id; ELSE creator := r.creator_id; END IF;
  PERFORM pg_notify('creatorgraph_changes', json_build_object(
    'c', creator, 'e', TG_TABLE_NAME, 'op', lower(TG_OP), 'id', r.id, 'p', parent)::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON "engagement_metrics" FOR EACH ROW EXECUTE FUNCTION app.notify_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON "program_enrollments" FOR EACH ROW EXECUTE FUNCTION app.notify_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON "user_badges" FOR EACH ROW EXECUTE FUNCTION app.notify_change();
CREATE TRIGGER notify_change AFTER INSERT OR UPDATE OR DELETE ON "messages" FOR EACH ROW EXECUTE FUNCTION app.notify_change();
-- What the day summary counts.
CREATE TRIGGER notify_change AFTER INSERT OR DELETE ON "users" FOR EACH ROW EXECUTE FUNCTION app.notify_change();
CREATE TRIGGER notify_change AFTER UPDATE OF escalated_to_human ON "conversations" FOR EACH ROW WHEN (NEW.escalated_to_human AND NOT OLD.escalated_to_human) EXECUTE FUNCTION app.notify_change();
CREATE TRIGGER notify_change_activity AFTER UPDATE OF last_active_at ON "users" FOR EACH ROW WHEN (NEW.last_active_at IS DISTINCT FROM OLD.last_active_at) EXECUTE FUNCTION app.notify_change();

-- Sessions: an open WebSocket whose log-in is revoked (log-out, refresh-token reuse) or whose
-- creator is deactivated is closed at once, not when its access token expires.
CREATE TRIGGER notify_change AFTER UPDATE OF revoked_at ON "creator_refresh_tokens" FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL) EXECUTE FUNCTION app.notify_change();
CREATE TRIGGER notify_change AFTER UPDATE OF is_active ON "creators" FOR EACH ROW WHEN (OLD.is_active AND NOT NEW.is_active) EXECUTE FUNCTION app.notify_change();

REVOKE ALL ON FUNCTION app.notify_change() FROM PUBLIC;
