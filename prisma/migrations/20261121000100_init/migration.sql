-- creatorgraph: tables, constraints and indexes.
--
-- Conventions:
--   * every tenant-owned table has creator_id NOT NULL DEFAULT app.current_creator_id();
--   * parents that children reference have UNIQUE (creator_id, id), and children reference
--     them with the composite key (creator_id, parent_id), so a row can never point at another
--     tenant's row, even by a guessed id (foreign-key checks ignore row-level security);
--   * every tenant table has an index led by creator_id, and every unique key of a child table
--     leads with creator_id too: unique checks ignore row-level security and run before
--     foreign-key checks, so a key without it would let one tenant probe another's ids;
--   * enums are text with CHECK constraints, so adding a value is a one-line migration.
-- Row-level security is in the next migration, triggers in the one after.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE SCHEMA IF NOT EXISTS app;

-- The tenant of the current transaction, or NULL when none is set. The setting is always
-- written with set_config(..., true) (transaction-local); after such a transaction a pooled
-- connection reports '' rather than NULL, hence NULLIF. Policies call it as
-- (SELECT app.current_creator_id()) so that it is evaluated once per statement.
CREATE OR REPLACE FUNCTION app.current_creator_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.current_creator_id', true), '')::uuid $$;

-- ------------------------------------------------------------------------------------------
-- Core
-- ------------------------------------------------------------------------------------------

CREATE TABLE "creators" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "first_name" TEXT,
    "last_name" TEXT,
    "company_name" TEXT,
    "subscription_tier" TEXT NOT NULL DEFAULT 'free',
    "subscription_status" TEXT NOT NULL DEFAULT 'active',
    "subscription_expires_at" TIMESTAMPTZ(6),
    "settings" JSONB NOT NULL DEFAULT '{}',
    "onboarding_completed" BOOLEAN NOT NULL DEFAULT false,
    "onboarding_data" JSONB NOT NULL DEFAULT '{}',
    "stripe_customer_id" TEXT,
    "last_login_at" TIMESTAMPTZ(6),
    "failed_login_attempts" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(6),
    "email_verified" BOOLEAN NOT NULL DEFAULT false,
    "email_verification_token_hash" TEXT,
    "email_verification_expires_at" TIMESTAMPTZ(6),
    "password_reset_token_hash" TEXT,
    "password_reset_expires_at" TIMESTAMPTZ(6),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "creators_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "creators_email_check" CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
    CONSTRAINT "creators_subscription_tier_check" CHECK (subscription_tier IN ('free', 'starter', 'pro', 'enterprise')),
    CONSTRAINT "creators_subscription_status_check" CHECK (subscription_status IN ('active', 'trialing', 'past_due', 'canceled', 'incomplete')),
    CONSTRAINT "creators_settings_check" CHECK (jsonb_typeof(settings) = 'object'),
    CONSTRAINT "creators_onboarding_data_check" CHECK (jsonb_typeof(onboarding_data) = 'object'),
    CONSTRAINT "creators_failed_login_attempts_check" CHECK (failed_login_attempts >= 0)
);
CREATE UNIQUE INDEX "creators_email_key" ON "creators"("email");
CREATE UNIQUE INDEX "creators_stripe_customer_id_key" ON "creators"("stripe_customer_id");
CREATE INDEX "creators_created_at_idx" ON "creators"("created_at");

CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "external_id" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "display_name" TEXT,
    "email" TEXT,
    "profile_data" JSONB NOT NULL DEFAULT '{}',
    "preferences" JSONB NOT NULL DEFAULT '{}',
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "language" TEXT NOT NULL DEFAULT 'en',
    "last_active_at" TIMESTAMPTZ(6),
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "users_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "users_channel_check" CHECK (channel IN ('web', 'whatsapp', 'telegram', 'mobile')),
    CONSTRAINT "users_external_id_check" CHECK (length(external_id) BETWEEN 1 AND 255),
    CONSTRAINT "users_profile_data_check" CHECK (jsonb_typeof(profile_data) = 'object'),
    CONSTRAINT "users_preferences_check" CHECK (jsonb_typeof(preferences) = 'object')
);
CREATE UNIQUE INDEX "users_creator_id_id_key" ON "users"("creator_id", "id");
CREATE UNIQUE INDEX "users_creator_id_channel_external_id_key" ON "users"("creator_id", "channel", "external_id");
CREATE INDEX "users_creator_id_last_active_at_idx" ON "users"("creator_id", "last_active_at" DESC) WHERE is_active;
CREATE INDEX "users_creator_id_created_at_idx" ON "users"("creator_id", "created_at");
CREATE INDEX "users_creator_id_updated_at_idx" ON "users"("creator_id", "updated_at");
CREATE INDEX "users_profile_data_idx" ON "users" USING GIN ("profile_data" jsonb_path_ops);
CREATE INDEX "users_search_idx" ON "users" USING GIN ((coalesce(display_name, '') || ' ' || coalesce(email, '') || ' ' || external_id) gin_trgm_ops);

CREATE TABLE "user_sessions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "user_id" UUID NOT NULL,
    "session_token_hash" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "ip_address" INET,
    "user_agent" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "last_activity_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "ended_at" TIMESTAMPTZ(6),
    CONSTRAINT "user_sessions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "user_sessions_channel_check" CHECK (channel IN ('web', 'whatsapp', 'telegram', 'mobile')),
    CONSTRAINT "user_sessions_expires_at_check" CHECK (expires_at > started_at),
    CONSTRAINT "user_sessions_ended_at_check" CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX "user_sessions_creator_id_id_key" ON "user_sessions"("creator_id", "id");
CREATE UNIQUE INDEX "user_sessions_session_token_hash_key" ON "user_sessions"("session_token_hash");
CREATE INDEX "user_sessions_creator_id_user_id_idx" ON "user_sessions"("creator_id", "user_id", "started_at" DESC);
CREATE INDEX "user_sessions_expires_at_idx" ON "user_sessions"("expires_at");

-- ------------------------------------------------------------------------------------------
-- Programs
-- ------------------------------------------------------------------------------------------

CREATE TABLE "programs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "name" TEXT NOT NULL,
    "description" TEXT,
    "flow_definition" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'draft',
    "version" INTEGER NOT NULL DEFAULT 1,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "published_at" TIMESTAMPTZ(6),
    "archived_at" TIMESTAMPTZ(6),
    "enrollment_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "programs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "programs_name_check" CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT "programs_status_check" CHECK (status IN ('draft', 'published', 'archived')),
    CONSTRAINT "programs_version_check" CHECK (version >= 1),
    CONSTRAINT "programs_enrollment_count_check" CHECK (enrollment_count >= 0),
    CONSTRAINT "programs_flow_definition_check" CHECK (jsonb_typeof(flow_definition) = 'object'),
    CONSTRAINT "programs_settings_check" CHECK (jsonb_typeof(settings) = 'object'),
    CONSTRAINT "programs_published_at_check" CHECK (status <> 'published' OR published_at IS NOT NULL)
);
CREATE UNIQUE INDEX "programs_creator_id_id_key" ON "programs"("creator_id", "id");
CREATE INDEX "programs_creator_id_status_idx" ON "programs"("creator_id", "status", "created_at" DESC);
CREATE INDEX "programs_creator_id_published_idx" ON "programs"("creator_id", "published_at" DESC) WHERE status = 'published';

CREATE TABLE "program_enrollments" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "program_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "current_step" TEXT,
    "step_data" JSONB NOT NULL DEFAULT '{}',
    "program_version" INTEGER NOT NULL DEFAULT 1,
    "enrolled_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "completed_at" TIMESTAMPTZ(6),
    "last_activity_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "program_enrollments_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "program_enrollments_status_check" CHECK (status IN ('active', 'paused', 'completed', 'dropped')),
    CONSTRAINT "program_enrollments_progress_check" CHECK (progress >= 0 AND progress <= 100),
    CONSTRAINT "program_enrollments_program_version_check" CHECK (program_version >= 1),
    CONSTRAINT "program_enrollments_completed_check" CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
    CONSTRAINT "program_enrollments_completed_at_check" CHECK (completed_at IS NULL OR completed_at >= enrolled_at),
    CONSTRAINT "program_enrollments_step_data_check" CHECK (jsonb_typeof(step_data) = 'object')
);
CREATE UNIQUE INDEX "program_enrollments_creator_id_id_key" ON "program_enrollments"("creator_id", "id");
CREATE UNIQUE INDEX "program_enrollments_creator_id_program_id_user_id_key" ON "program_enrollments"("creator_id", "program_id", "user_id");
CREATE INDEX "program_enrollments_creator_id_program_id_status_idx" ON "program_enrollments"("creator_id", "program_id", "status");
CREATE INDEX "program_enrollments_creator_id_user_id_idx" ON "program_enrollments"("creator_id", "user_id");
CREATE INDEX "program_enrollments_creator_id_status_idx" ON "program_enrollments"("creator_id", "status", "last_activity_at" DESC);
CREATE INDEX "program_enrollments_creator_id_completed_at_idx" ON "program_enrollments"("creator_id", "completed_at") WHERE status = 'completed';

-- ------------------------------------------------------------------------------------------
-- Conversations
-- ------------------------------------------------------------------------------------------

CREATE TABLE "conversations" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "user_id" UUID NOT NULL,
    "channel" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "context" JSONB NOT NULL DEFAULT '{}',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "last_message_at" TIMESTAMPTZ(6),
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "escalated_to_human" BOOLEAN NOT NULL DEFAULT false,
    "escalated_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "conversations_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "conversations_channel_check" CHECK (channel IN ('web', 'whatsapp', 'telegram', 'mobile')),
    CONSTRAINT "conversations_status_check" CHECK (status IN ('active', 'closed', 'archived')),
    CONSTRAINT "conversations_message_count_check" CHECK (message_count >= 0),
    CONSTRAINT "conversations_escalation_check" CHECK (escalated_to_human = (escalated_at IS NOT NULL)),
    CONSTRAINT "conversations_context_check" CHECK (jsonb_typeof(context) = 'object')
);
CREATE UNIQUE INDEX "conversations_creator_id_id_key" ON "conversations"("creator_id", "id");
CREATE INDEX "conversations_creator_id_status_idx" ON "conversations"("creator_id", "status", "last_message_at" DESC);
CREATE INDEX "conversations_creator_id_user_id_idx" ON "conversations"("creator_id", "user_id");
CREATE INDEX "conversations_creator_id_escalated_idx" ON "conversations"("creator_id", "escalated_at" DESC) WHERE escalated_to_human;

CREATE TABLE "messages" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "conversation_id" UUID NOT NULL,
    "sender_type" TEXT NOT NULL,
    "sender_id" UUID,
    "content" TEXT NOT NULL,
    "message_type" TEXT NOT NULL DEFAULT 'text',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "delivered_at" TIMESTAMPTZ(6),
    "read_at" TIMESTAMPTZ(6),
    "response_time_ms" INTEGER,
    "ai_confidence" DOUBLE PRECISION,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "messages_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "messages_sender_type_check" CHECK (sender_type IN ('user', 'ai', 'creator')),
    CONSTRAINT "messages_message_type_check" CHECK (message_type IN ('text', 'image', 'audio', 'video', 'file', 'quick_reply', 'system')),
    CONSTRAINT "messages_response_time_ms_check" CHECK (response_time_ms IS NULL OR response_time_ms >= 0),
    CONSTRAINT "messages_ai_confidence_check" CHECK (ai_confidence IS NULL OR (ai_confidence >= 0 AND ai_confidence <= 1)),
    CONSTRAINT "messages_read_at_check" CHECK (read_at IS NULL OR delivered_at IS NOT NULL)
);
CREATE UNIQUE INDEX "messages_creator_id_id_key" ON "messages"("creator_id", "id");
CREATE INDEX "messages_creator_id_conversation_id_created_at_idx" ON "messages"("creator_id", "conversation_id", "created_at");
CREATE INDEX "messages_creator_id_created_at_idx" ON "messages"("creator_id", "created_at");

-- ------------------------------------------------------------------------------------------
-- Profiles and interactions
-- ------------------------------------------------------------------------------------------

CREATE TABLE "user_profiles" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "user_id" UUID NOT NULL,
    "interests" JSONB NOT NULL DEFAULT '[]',
    "goals" JSONB NOT NULL DEFAULT '[]',
    "preferences" JSONB NOT NULL DEFAULT '{}',
    "behavior_patterns" JSONB NOT NULL DEFAULT '{}',
    "engagement_score" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "user_profiles_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "user_profiles_interests_check" CHECK (jsonb_typeof(interests) = 'array'),
    CONSTRAINT "user_profiles_goals_check" CHECK (jsonb_typeof(goals) = 'array'),
    CONSTRAINT "user_profiles_engagement_score_check" CHECK (engagement_score >= 0 AND engagement_score <= 100)
);
CREATE UNIQUE INDEX "user_profiles_creator_id_id_key" ON "user_profiles"("creator_id", "id");
CREATE UNIQUE INDEX "user_profiles_creator_id_user_id_key" ON "user_profiles"("creator_id", "user_id");
CREATE INDEX "user_profiles_interests_idx" ON "user_profiles" USING GIN ("interests" jsonb_path_ops);
CREATE INDEX "user_profiles_creator_id_engagement_score_idx" ON "user_profiles"("creator_id", "engagement_score" DESC);

CREATE TABLE "user_interactions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "user_id" UUID NOT NULL,
    "interaction_type" TEXT NOT NULL,
    "interaction_data" JSONB NOT NULL DEFAULT '{}',
    "channel" TEXT,
    "session_id" UUID,
    "program_id" UUID,
    "message_id" UUID,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "user_interactions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "user_interactions_interaction_type_check" CHECK (interaction_type ~ '^[a-z][a-z0-9_.]{0,62}$'),
    CONSTRAINT "user_interactions_channel_check" CHECK (channel IS NULL OR channel IN ('web', 'whatsapp', 'telegram', 'mobile'))
);
CREATE UNIQUE INDEX "user_interactions_creator_id_id_key" ON "user_interactions"("creator_id", "id");
CREATE INDEX "user_interactions_creator_id_user_id_created_at_idx" ON "user_interactions"("creator_id", "user_id", "created_at");
CREATE INDEX "user_interactions_creator_id_type_created_at_idx" ON "user_interactions"("creator_id", "interaction_type", "created_at");
CREATE INDEX "user_interactions_creator_id_program_id_idx" ON "user_interactions"("creator_id", "program_id") WHERE program_id IS NOT NULL;
CREATE INDEX "user_interactions_creator_id_session_id_idx" ON "user_interactions"("creator_id", "session_id") WHERE session_id IS NOT NULL;
CREATE INDEX "user_interactions_creator_id_message_id_idx" ON "user_interactions"("creator_id", "message_id") WHERE message_id IS NOT NULL;
CREATE INDEX "user_interactions_created_at_idx" ON "user_interactions"("created_at");

-- ------------------------------------------------------------------------------------------
-- Gamification
-- ------------------------------------------------------------------------------------------

CREATE TABLE "badges" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "name" TEXT NOT NULL,
    "description" TEXT,
    "criteria" JSONB NOT NULL DEFAULT '{}',
    "design" JSONB NOT NULL DEFAULT '{}',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "awarded_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "badges_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "badges_name_check" CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    CONSTRAINT "badges_criteria_check" CHECK (jsonb_typeof(criteria) = 'object'),
    CONSTRAINT "badges_design_check" CHECK (jsonb_typeof(design) = 'object'),
    CONSTRAINT "badges_awarded_count_check" CHECK (awarded_count >= 0)
);
CREATE UNIQUE INDEX "badges_creator_id_id_key" ON "badges"("creator_id", "id");
CREATE UNIQUE INDEX "badges_creator_id_name_key" ON "badges"("creator_id", "name");
CREATE INDEX "badges_creator_id_active_idx" ON "badges"("creator_id") WHERE is_active;
CREATE INDEX "badges_criteria_idx" ON "badges" USING GIN ("criteria" jsonb_path_ops);

CREATE TABLE "user_badges" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "user_id" UUID NOT NULL,
    "badge_id" UUID NOT NULL,
    "earned_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "criteria_met" JSONB NOT NULL DEFAULT '{}',
    "notified" BOOLEAN NOT NULL DEFAULT false,
    CONSTRAINT "user_badges_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "user_badges_creator_id_id_key" ON "user_badges"("creator_id", "id");
CREATE UNIQUE INDEX "user_badges_creator_id_user_id_badge_id_key" ON "user_badges"("creator_id", "user_id", "badge_id");
CREATE INDEX "user_badges_creator_id_badge_id_idx" ON "user_badges"("creator_id", "badge_id", "earned_at" DESC);
CREATE INDEX "user_badges_creator_id_unnotified_idx" ON "user_badges"("creator_id", "earned_at") WHERE NOT notified;

CREATE TABLE "achievements" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "user_id" UUID NOT NULL,
    "achievement_type" TEXT NOT NULL,
    "achievement_data" JSONB NOT NULL DEFAULT '{}',
    "points" INTEGER NOT NULL DEFAULT 0,
    "program_id" UUID,
    "earned_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "achievements_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "achievements_achievement_type_check" CHECK (achievement_type ~ '^[a-z][a-z0-9_.]{0,62}$'),
    CONSTRAINT "achievements_points_check" CHECK (points >= 0)
);
CREATE UNIQUE INDEX "achievements_creator_id_id_key" ON "achievements"("creator_id", "id");
CREATE INDEX "achievements_creator_id_user_id_idx" ON "achievements"("creator_id", "user_id", "earned_at");
CREATE INDEX "achievements_creator_id_type_earned_at_idx" ON "achievements"("creator_id", "achievement_type", "earned_at");
CREATE INDEX "achievements_creator_id_program_id_idx" ON "achievements"("creator_id", "program_id") WHERE program_id IS NOT NULL;

-- ------------------------------------------------------------------------------------------
-- Analytics
-- ------------------------------------------------------------------------------------------

CREATE TABLE "engagement_metrics" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "metric_type" TEXT NOT NULL,
    "metric_value" DOUBLE PRECISION NOT NULL,
    "dimensions" JSONB NOT NULL DEFAULT '{}',
    "date" DATE NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "engagement_metrics_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "engagement_metrics_metric_type_check" CHECK (metric_type ~ '^[a-z][a-z0-9_.]{0,62}$'),
    CONSTRAINT "engagement_metrics_dimensions_check" CHECK (jsonb_typeof(dimensions) = 'object')
);
CREATE UNIQUE INDEX "engagement_metrics_creator_id_id_key" ON "engagement_metrics"("creator_id", "id");
CREATE UNIQUE INDEX "engagement_metrics_creator_id_metric_type_date_dimensions_key" ON "engagement_metrics"("creator_id", "metric_type", "date", "dimensions");
CREATE INDEX "engagement_metrics_creator_id_date_idx" ON "engagement_metrics"("creator_id", "date");
CREATE INDEX "engagement_metrics_dimensions_idx" ON "engagement_metrics" USING GIN ("dimensions" jsonb_path_ops);

CREATE TABLE "program_analytics" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "program_id" UUID NOT NULL,
    "metric_type" TEXT NOT NULL,
    "metric_value" DOUBLE PRECISION NOT NULL,
    "date" DATE NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "program_analytics_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "program_analytics_metric_type_check" CHECK (metric_type ~ '^[a-z][a-z0-9_.]{0,62}$')
);
CREATE UNIQUE INDEX "program_analytics_creator_id_id_key" ON "program_analytics"("creator_id", "id");
CREATE UNIQUE INDEX "program_analytics_creator_id_program_id_metric_type_date_key" ON "program_analytics"("creator_id", "program_id", "metric_type", "date");
CREATE INDEX "program_analytics_creator_id_date_idx" ON "program_analytics"("creator_id", "date");

-- ------------------------------------------------------------------------------------------
-- Knowledge
-- ------------------------------------------------------------------------------------------

CREATE TABLE "knowledge_bases" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "name" TEXT NOT NULL,
    "description" TEXT,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "document_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "knowledge_bases_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "knowledge_bases_name_check" CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT "knowledge_bases_document_count_check" CHECK (document_count >= 0)
);
CREATE UNIQUE INDEX "knowledge_bases_creator_id_id_key" ON "knowledge_bases"("creator_id", "id");
CREATE INDEX "knowledge_bases_creator_id_created_at_idx" ON "knowledge_bases"("creator_id", "created_at");

CREATE TABLE "documents" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "knowledge_base_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "source_type" TEXT NOT NULL DEFAULT 'text',
    "source_url" TEXT,
    "mime_type" TEXT,
    "file_size_bytes" BIGINT NOT NULL DEFAULT 0,
    "content" TEXT,
    "processing_status" TEXT NOT NULL DEFAULT 'pending',
    "embedding_status" TEXT NOT NULL DEFAULT 'pending',
    "chunk_count" INTEGER NOT NULL DEFAULT 0,
    "error_message" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "documents_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "documents_title_check" CHECK (length(btrim(title)) BETWEEN 1 AND 500),
    CONSTRAINT "documents_source_type_check" CHECK (source_type IN ('upload', 'url', 'text')),
    CONSTRAINT "documents_source_url_check" CHECK (source_type <> 'url' OR source_url IS NOT NULL),
    CONSTRAINT "documents_processing_status_check" CHECK (processing_status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT "documents_embedding_status_check" CHECK (embedding_status IN ('pending', 'processing', 'completed', 'failed')),
    CONSTRAINT "documents_file_size_bytes_check" CHECK (file_size_bytes >= 0),
    CONSTRAINT "documents_chunk_count_check" CHECK (chunk_count >= 0)
);
CREATE UNIQUE INDEX "documents_creator_id_id_key" ON "documents"("creator_id", "id");
CREATE INDEX "documents_creator_id_knowledge_base_id_idx" ON "documents"("creator_id", "knowledge_base_id");
CREATE INDEX "documents_creator_id_processing_status_idx" ON "documents"("creator_id", "processing_status", "created_at");
CREATE INDEX "documents_pending_idx" ON "documents"("created_at") WHERE processing_status IN ('pending', 'processing');

CREATE TABLE "document_chunks" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "document_id" UUID NOT NULL,
    "chunk_index" INTEGER NOT NULL,
    "content" TEXT NOT NULL,
    "token_count" INTEGER NOT NULL DEFAULT 0,
    "embedding_id" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "document_chunks_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "document_chunks_chunk_index_check" CHECK (chunk_index >= 0),
    CONSTRAINT "document_chunks_token_count_check" CHECK (token_count >= 0)
);
CREATE UNIQUE INDEX "document_chunks_creator_id_id_key" ON "document_chunks"("creator_id", "id");
CREATE UNIQUE INDEX "document_chunks_creator_id_document_id_chunk_index_key" ON "document_chunks"("creator_id", "document_id", "chunk_index");
CREATE INDEX "document_chunks_embedding_id_idx" ON "document_chunks"("embedding_id") WHERE embedding_id IS NOT NULL;

-- ------------------------------------------------------------------------------------------
-- Channels and billing
-- ------------------------------------------------------------------------------------------

CREATE TABLE "channels" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "channel_type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "configuration" JSONB NOT NULL DEFAULT '{}',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "user_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "channels_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "channels_channel_type_check" CHECK (channel_type IN ('web', 'whatsapp', 'telegram', 'mobile')),
    CONSTRAINT "channels_status_check" CHECK (status IN ('active', 'inactive', 'pending', 'error')),
    CONSTRAINT "channels_name_check" CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    CONSTRAINT "channels_configuration_check" CHECK (jsonb_typeof(configuration) = 'object'),
    CONSTRAINT "channels_user_count_check" CHECK (user_count >= 0)
);
CREATE UNIQUE INDEX "channels_creator_id_id_key" ON "channels"("creator_id", "id");
CREATE UNIQUE INDEX "channels_creator_id_channel_type_key" ON "channels"("creator_id", "channel_type");

CREATE TABLE "widget_configs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "theme" JSONB NOT NULL DEFAULT '{}',
    "behavior" JSONB NOT NULL DEFAULT '{}',
    "allowed_domains" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "rate_limit_per_minute" INTEGER NOT NULL DEFAULT 60,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "widget_configs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "widget_configs_theme_check" CHECK (jsonb_typeof(theme) = 'object'),
    CONSTRAINT "widget_configs_behavior_check" CHECK (jsonb_typeof(behavior) = 'object'),
    CONSTRAINT "widget_configs_rate_limit_per_minute_check" CHECK (rate_limit_per_minute BETWEEN 1 AND 10000),
    CONSTRAINT "widget_configs_allowed_domains_check" CHECK (cardinality(allowed_domains) <= 100)
);
CREATE UNIQUE INDEX "widget_configs_creator_id_key" ON "widget_configs"("creator_id");
CREATE UNIQUE INDEX "widget_configs_creator_id_id_key" ON "widget_configs"("creator_id", "id");

CREATE TABLE "subscriptions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "tier" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "stripe_subscription_id" TEXT,
    "current_period_start" TIMESTAMPTZ(6) NOT NULL,
    "current_period_end" TIMESTAMPTZ(6) NOT NULL,
    "cancel_at_period_end" BOOLEAN NOT NULL DEFAULT false,
    "canceled_at" TIMESTAMPTZ(6),
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "subscriptions_tier_check" CHECK (tier IN ('free', 'starter', 'pro', 'enterprise')),
    CONSTRAINT "subscriptions_status_check" CHECK (status IN ('active', 'trialing', 'past_due', 'canceled', 'incomplete')),
    CONSTRAINT "subscriptions_period_check" CHECK (current_period_end > current_period_start)
);
CREATE UNIQUE INDEX "subscriptions_creator_id_id_key" ON "subscriptions"("creator_id", "id");
CREATE UNIQUE INDEX "subscriptions_stripe_subscription_id_key" ON "subscriptions"("stripe_subscription_id");
CREATE INDEX "subscriptions_creator_id_period_idx" ON "subscriptions"("creator_id", "current_period_end" DESC);
-- At most one live subscription per creator.
CREATE UNIQUE INDEX "subscriptions_creator_id_live_key" ON "subscriptions"("creator_id") WHERE status IN ('active', 'trialing', 'past_due');

CREATE TABLE "usage_tracking" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "usage_type" TEXT NOT NULL,
    "quantity" BIGINT NOT NULL DEFAULT 0,
    "date" DATE NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "usage_tracking_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "usage_tracking_usage_type_check" CHECK (usage_type IN ('api_requests', 'ai_interactions', 'messages', 'storage_bytes', 'users', 'programs')),
    CONSTRAINT "usage_tracking_quantity_check" CHECK (quantity >= 0)
);
CREATE UNIQUE INDEX "usage_tracking_creator_id_id_key" ON "usage_tracking"("creator_id", "id");
CREATE UNIQUE INDEX "usage_tracking_creator_id_usage_type_date_key" ON "usage_tracking"("creator_id", "usage_type", "date");

-- ------------------------------------------------------------------------------------------
-- Audit
-- ------------------------------------------------------------------------------------------

CREATE TABLE "audit_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "table_name" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "record_id" UUID,
    "old_values" JSONB,
    "new_values" JSONB,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "request_id" TEXT,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_log_operation_check" CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
    CONSTRAINT "audit_log_actor_type_check" CHECK (actor_type IN ('creator', 'admin', 'partner', 'system'))
);
CREATE UNIQUE INDEX "audit_log_creator_id_id_key" ON "audit_log"("creator_id", "id");
CREATE INDEX "audit_log_creator_id_created_at_idx" ON "audit_log"("creator_id", "created_at" DESC);
CREATE INDEX "audit_log_creator_id_table_name_record_id_idx" ON "audit_log"("creator_id", "table_name", "record_id");
CREATE INDEX "audit_log_created_at_idx" ON "audit_log"("created_at");

CREATE TABLE "security_audit_logs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID DEFAULT app.current_creator_id(),
    "event_type" TEXT NOT NULL,
    "severity" TEXT NOT NULL DEFAULT 'info',
    "event_data" JSONB NOT NULL DEFAULT '{}',
    "ip_address" INET,
    "user_agent" TEXT,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "security_audit_logs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "security_audit_logs_event_type_check" CHECK (event_type ~ '^[a-z][a-z0-9_.]{0,62}$'),
    CONSTRAINT "security_audit_logs_severity_check" CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical'))
);
CREATE INDEX "security_audit_logs_creator_id_created_at_idx" ON "security_audit_logs"("creator_id", "created_at" DESC);
CREATE INDEX "security_audit_logs_event_type_created_at_idx" ON "security_audit_logs"("event_type", "created_at");
CREATE INDEX "security_audit_logs_severe_idx" ON "security_audit_logs"("created_at") WHERE severity IN ('high', 'critical');
CREATE INDEX "security_audit_logs_created_at_idx" ON "security_audit_logs"("created_at");

CREATE TABLE "api_usage_logs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "api_key_id" UUID,
    "operation_name" TEXT,
    "operation_hash" TEXT,
    "status_code" INTEGER NOT NULL,
    "error_code" TEXT,
    "duration_ms" INTEGER NOT NULL,
    "request_size_bytes" INTEGER NOT NULL DEFAULT 0,
    "response_size_bytes" INTEGER NOT NULL DEFAULT 0,
    "ip_address" INET,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "api_usage_logs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_usage_logs_status_code_check" CHECK (status_code BETWEEN 100 AND 599),
    CONSTRAINT "api_usage_logs_duration_ms_check" CHECK (duration_ms >= 0),
    CONSTRAINT "api_usage_logs_sizes_check" CHECK (request_size_bytes >= 0 AND response_size_bytes >= 0)
);
CREATE INDEX "api_usage_logs_creator_id_created_at_idx" ON "api_usage_logs"("creator_id", "created_at" DESC);
CREATE INDEX "api_usage_logs_creator_id_api_key_id_idx" ON "api_usage_logs"("creator_id", "api_key_id", "created_at" DESC);
CREATE INDEX "api_usage_logs_created_at_idx" ON "api_usage_logs"("created_at");

-- ------------------------------------------------------------------------------------------
-- Partners
-- ------------------------------------------------------------------------------------------

CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "creator_id" UUID NOT NULL DEFAULT app.current_creator_id(),
    "name" TEXT NOT NULL,
    "key_prefix" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "scopes" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "allowed_operations" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "last_used_at" TIMESTAMPTZ(6),
    "revoked_at" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_keys_name_check" CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    CONSTRAINT "api_keys_key_hash_check" CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT "api_keys_scopes_check" CHECK (scopes <@ ARRAY['read', 'write']::TEXT[])
);
CREATE UNIQUE INDEX "api_keys_creator_id_id_key" ON "api_keys"("creator_id", "id");
CREATE UNIQUE INDEX "api_keys_key_prefix_key" ON "api_keys"("key_prefix");
CREATE UNIQUE INDEX "api_keys_key_hash_key" ON "api_keys"("key_hash");
CREATE INDEX "api_keys_creator_id_active_idx" ON "api_keys"("creator_id", "created_at" DESC) WHERE revoked_at IS NULL;

-- ------------------------------------------------------------------------------------------
-- Foreign keys. Children reference (creator_id, parent_id); optional references are cleared
-- column by column (ON DELETE SET NULL (col)), which keeps creator_id intact.
-- ------------------------------------------------------------------------------------------

ALTER TABLE "users" ADD CONSTRAINT "users_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_creator_id_user_id_fkey" FOREIGN KEY ("creator_id", "user_id") REFERENCES "users"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "programs" ADD CONSTRAINT "programs_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "program_enrollments" ADD CONSTRAINT "program_enrollments_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "program_enrollments" ADD CONSTRAINT "program_enrollments_creator_id_program_id_fkey" FOREIGN KEY ("creator_id", "program_id") REFERENCES "programs"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "program_enrollments" ADD CONSTRAINT "program_enrollments_creator_id_user_id_fkey" FOREIGN KEY ("creator_id", "user_id") REFERENCES "users"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "conversations" ADD CONSTRAINT "conversations_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_creator_id_user_id_fkey" FOREIGN KEY ("creator_id", "user_id") REFERENCES "users"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "messages" ADD CONSTRAINT "messages_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "messages" ADD CONSTRAINT "messages_creator_id_conversation_id_fkey" FOREIGN KEY ("creator_id", "conversation_id") REFERENCES "conversations"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_profiles" ADD CONSTRAINT "user_profiles_creator_id_user_id_fkey" FOREIGN KEY ("creator_id", "user_id") REFERENCES "users"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "user_interactions" ADD CONSTRAINT "user_interactions_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_interactions" ADD CONSTRAINT "user_interactions_creator_id_user_id_fkey" FOREIGN KEY ("creator_id", "user_id") REFERENCES "users"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_interactions" ADD CONSTRAINT "user_interactions_creator_id_session_id_fkey" FOREIGN KEY ("creator_id", "session_id") REFERENCES "user_sessions"("creator_id", "id") ON DELETE SET NULL ("session_id") ON UPDATE NO ACTION;
ALTER TABLE "user_interactions" ADD CONSTRAINT "user_interactions_creator_id_program_id_fkey" FOREIGN KEY ("creator_id", "program_id") REFERENCES "programs"("creator_id", "id") ON DELETE SET NULL ("program_id") ON UPDATE NO ACTION;
ALTER TABLE "user_interactions" ADD CONSTRAINT "user_interactions_creator_id_message_id_fkey" FOREIGN KEY ("creator_id", "message_id") REFERENCES "messages"("creator_id", "id") ON DELETE SET NULL ("message_id") ON UPDATE NO ACTION;

ALTER TABLE "badges" ADD CONSTRAINT "badges_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "user_badges" ADD CONSTRAINT "user_badges_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_badges" ADD CONSTRAINT "user_badges_creator_id_user_id_fkey" FOREIGN KEY ("creator_id", "user_id") REFERENCES "users"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "user_badges" ADD CONSTRAINT "user_badges_creator_id_badge_id_fkey" FOREIGN KEY ("creator_id", "badge_id") REFERENCES "badges"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "achievements" ADD CONSTRAINT "achievements_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "achievements" ADD CONSTRAINT "achievements_creator_id_user_id_fkey" FOREIGN KEY ("creator_id", "user_id") REFERENCES "users"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "achievements" ADD CONSTRAINT "achievements_creator_id_program_id_fkey" FOREIGN KEY ("creator_id", "program_id") REFERENCES "programs"("creator_id", "id") ON DELETE SET NULL ("program_id") ON UPDATE NO ACTION;

ALTER TABLE "engagement_metrics" ADD CONSTRAINT "engagement_metrics_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "program_analytics" ADD CONSTRAINT "program_analytics_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "program_analytics" ADD CONSTRAINT "program_analytics_creator_id_program_id_fkey" FOREIGN KEY ("creator_id", "program_id") REFERENCES "programs"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "knowledge_bases" ADD CONSTRAINT "knowledge_bases_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "documents" ADD CONSTRAINT "documents_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "documents" ADD CONSTRAINT "documents_creator_id_knowledge_base_id_fkey" FOREIGN KEY ("creator_id", "knowledge_base_id") REFERENCES "knowledge_bases"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "document_chunks" ADD CONSTRAINT "document_chunks_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "document_chunks" ADD CONSTRAINT "document_chunks_creator_id_document_id_fkey" FOREIGN KEY ("creator_id", "document_id") REFERENCES "documents"("creator_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "channels" ADD CONSTRAINT "channels_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "widget_configs" ADD CONSTRAINT "widget_configs_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "usage_tracking" ADD CONSTRAINT "usage_tracking_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "security_audit_logs" ADD CONSTRAINT "security_audit_logs_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE SET NULL ON UPDATE CASCADE;

ALTER TABLE "api_usage_logs" ADD CONSTRAINT "api_usage_logs_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "api_usage_logs" ADD CONSTRAINT "api_usage_logs_creator_id_api_key_id_fkey" FOREIGN KEY ("creator_id", "api_key_id") REFERENCES "api_keys"("creator_id", "id") ON DELETE SET NULL ("api_key_id") ON UPDATE NO ACTION;

ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_creator_id_fkey" FOREIGN KEY ("creator_id") REFERENCES "creators"("id") ON DELETE CASCADE ON UPDATE CASCADE;
