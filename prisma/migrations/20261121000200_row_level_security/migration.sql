-- Tenant isolation, enforced by PostgreSQL.
--
-- Every tenant table gets ENABLE + FORCE ROW LEVEL SECURITY (FORCE so that even the table
-- owner is subject to the policy unless it holds BYPASSRLS) and one policy for all commands:
--   creator_id = (SELECT app.current_creator_id())
-- The sub-select makes PostgreSQL evaluate the setting once per statement (an InitPlan),
-- not once per row. With no tenant set the function returns NULL, the comparison is never
-- true, and every query sees 0 rows and can write none.
--
-- The application connects as a login role that is a member of app_user. app_user is
-- NOLOGIN, NOSUPERUSER, NOBYPASSRLS, owns nothing, and gets only the grants below.
-- test/rls/ derives the list of tenant tables from the catalog and fails for any table that
-- lacks FORCE, the policy, a creator_id index or that lets one tenant reach another.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_user') THEN
    CREATE ROLE app_user NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
  -- The role may have been created by an earlier database in the same cluster, or by hand.
  -- Refuse to continue if it could bypass the policies below.
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_user' AND (rolsuper OR rolbypassrls)) THEN
    RAISE EXCEPTION 'role app_user must not be SUPERUSER or BYPASSRLS';
  END IF;
END
$$;

-- ------------------------------------------------------------------------------------------
-- Policies
-- ------------------------------------------------------------------------------------------

-- The tenant root: a tenant sees and changes only its own row.
ALTER TABLE "creators" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "creators" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "creators"
  USING (id = (SELECT app.current_creator_id()))
  WITH CHECK (id = (SELECT app.current_creator_id()));

ALTER TABLE "users" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "users" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "users"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "user_sessions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "user_sessions" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "user_sessions"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "programs" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "programs" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "programs"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "program_enrollments" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "program_enrollments" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "program_enrollments"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "conversations" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "conversations" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "conversations"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "messages" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "messages" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "messages"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "user_profiles" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "user_profiles" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "user_profiles"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "user_interactions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "user_interactions" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "user_interactions"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "badges" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "badges" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "badges"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "user_badges" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "user_badges" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "user_badges"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "achievements" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "achievements" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "achievements"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "engagement_metrics" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "engagement_metrics" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "engagement_metrics"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "program_analytics" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "program_analytics" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "program_analytics"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "knowledge_bases" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "knowledge_bases" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "knowledge_bases"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "documents" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "documents" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "documents"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "document_chunks" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "document_chunks" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "document_chunks"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "channels" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "channels" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "channels"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "widget_configs" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "widget_configs" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "widget_configs"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "subscriptions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "subscriptions" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "subscriptions"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "usage_tracking" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "usage_tracking" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "usage_tracking"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "audit_log" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "audit_log"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

-- creator_id is nullable here (an unknown email has no creator); NULL rows are visible to no
-- tenant, and only the owner connection writes them.
ALTER TABLE "security_audit_logs" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "security_audit_logs" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "security_audit_logs"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "api_usage_logs" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "api_usage_logs" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "api_usage_logs"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "api_keys"
  USING (creator_id = (SELECT app.current_creator_id()))
  WITH CHECK (creator_id = (SELECT app.current_creator_id()));

-- ------------------------------------------------------------------------------------------
-- Grants: only what the application needs.
-- Counters (maintained by SECURITY DEFINER triggers), ids and creator_id are left out of the
-- UPDATE column lists, so no request can falsify a counter or move a row.
-- ------------------------------------------------------------------------------------------

REVOKE ALL ON SCHEMA app FROM PUBLIC;
GRANT USAGE ON SCHEMA public, app TO app_user;
REVOKE ALL ON FUNCTION app.current_creator_id() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.current_creator_id() TO app_user;

-- Sign-up inserts its own row (with the tenant set to the new id); plan fields are billing's.
GRANT SELECT, DELETE ON "creators" TO app_user;
GRANT INSERT (id, email, password_hash, first_name, last_name, company_name, settings,
              onboarding_completed, onboarding_data, email_verification_token_hash,
              email_verification_expires_at) ON "creators" TO app_user;
GRANT UPDATE (email, password_hash, first_name, last_name, company_name, settings,
              onboarding_completed, onboarding_data, last_login_at, failed_login_attempts,
              locked_until, email_verified, email_verification_token_hash,
              email_verification_expires_at, password_reset_token_hash,
              password_reset_expires_at, updated_at) ON "creators" TO app_user;

GRANT SELECT, INSERT, DELETE ON "users" TO app_user;
GRANT UPDATE (external_id, channel, display_name, email, profile_data, preferences, timezone,
              language, last_active_at, is_active, updated_at) ON "users" TO app_user;

GRANT SELECT, INSERT, DELETE ON "user_sessions" TO app_user;
GRANT UPDATE (channel, ip_address, user_agent, metadata, last_activity_at, expires_at, ended_at)
  ON "user_sessions" TO app_user;

GRANT SELECT, INSERT, DELETE ON "programs" TO app_user;
GRANT UPDATE (name, description, flow_definition, status, version, settings, published_at,
              archived_at, updated_at) ON "programs" TO app_user;

GRANT SELECT, INSERT, DELETE ON "program_enrollments" TO app_user;
GRANT UPDATE (status, progress, current_step, step_data, program_version, completed_at,
              last_activity_at) ON "program_enrollments" TO app_user;

GRANT SELECT, INSERT, DELETE ON "conversations" TO app_user;
GRANT UPDATE (channel, status, context, metadata, escalated_to_human, escalated_at, updated_at)
  ON "conversations" TO app_user;

GRANT SELECT, INSERT, DELETE ON "messages" TO app_user;
GRANT UPDATE (content, metadata, delivered_at, read_at, response_time_ms, ai_confidence)
  ON "messages" TO app_user;

GRANT SELECT, INSERT, DELETE ON "user_profiles" TO app_user;
GRANT UPDATE (interests, goals, preferences, behavior_patterns, engagement_score, updated_at)
  ON "user_profiles" TO app_user;

GRANT SELECT, INSERT, DELETE ON "user_interactions" TO app_user;
GRANT UPDATE (interaction_data) ON "user_interactions" TO app_user;

GRANT SELECT, INSERT, DELETE ON "badges" TO app_user;
GRANT UPDATE (name, description, criteria, design, is_active, updated_at) ON "badges" TO app_user;

GRANT SELECT, INSERT, DELETE ON "user_badges" TO app_user;
GRANT UPDATE (criteria_met, notified) ON "user_badges" TO app_user;

GRANT SELECT, INSERT, DELETE ON "achievements" TO app_user;
GRANT UPDATE (achievement_data) ON "achievements" TO app_user;

GRANT SELECT, INSERT, DELETE ON "engagement_metrics" TO app_user;
GRANT UPDATE (metric_value, updated_at) ON "engagement_metrics" TO app_user;

GRANT SELECT, INSERT, DELETE ON "program_analytics" TO app_user;
GRANT UPDATE (metric_value, updated_at) ON "program_analytics" TO app_user;

GRANT SELECT, INSERT, DELETE ON "knowledge_bases" TO app_user;
GRANT UPDATE (name, description, settings, is_active, updated_at) ON "knowledge_bases" TO app_user;

GRANT SELECT, INSERT, DELETE ON "documents" TO app_user;
GRANT UPDATE (title, source_type, source_url, mime_type, file_size_bytes, content,
              processing_status, embedding_status, error_message, metadata, updated_at)
  ON "documents" TO app_user;

GRANT SELECT, INSERT, DELETE ON "document_chunks" TO app_user;
GRANT UPDATE (content, token_count, embedding_id, metadata) ON "document_chunks" TO app_user;

GRANT SELECT, INSERT, DELETE ON "channels" TO app_user;
GRANT UPDATE (name, configuration, status, updated_at) ON "channels" TO app_user;

GRANT SELECT, INSERT, DELETE ON "widget_configs" TO app_user;
GRANT UPDATE (theme, behavior, allowed_domains, rate_limit_per_minute, updated_at)
  ON "widget_configs" TO app_user;

-- Billing is written by the billing path (owner connection); tenants read it.
GRANT SELECT ON "subscriptions" TO app_user;

GRANT SELECT, INSERT ON "usage_tracking" TO app_user;
GRANT UPDATE (quantity, updated_at) ON "usage_tracking" TO app_user;

-- Logs are append-only for the application: no UPDATE, no DELETE.
GRANT SELECT, INSERT ON "audit_log" TO app_user;
GRANT SELECT, INSERT ON "security_audit_logs" TO app_user;
GRANT SELECT, INSERT ON "api_usage_logs" TO app_user;

GRANT SELECT, INSERT ON "api_keys" TO app_user;
GRANT UPDATE (name, scopes, allowed_operations, last_used_at, revoked_at, expires_at, updated_at)
  ON "api_keys" TO app_user;
