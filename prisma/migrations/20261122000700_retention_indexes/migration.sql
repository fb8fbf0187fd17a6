-- Retention (src/jobs/retention.ts) deletes per creator by age: these indexes make each batch an
-- index range scan.
CREATE INDEX "user_interactions_creator_id_created_at_idx" ON "user_interactions"("creator_id", "created_at");
CREATE INDEX "user_sessions_creator_id_expires_at_idx" ON "user_sessions"("creator_id", "expires_at");
