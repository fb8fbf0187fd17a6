-- The dashboard summary (daySummary in src/modules/analytics/insights.service.ts) counts a day's
-- rows of each table. Each count must be an index range over that day, whatever the tenant's
-- size: completions and escalations state the predicate of their partial indexes (equivalent by
-- the CHECK constraints that tie completed_at to status and escalated_at to escalated_to_human),
-- and the users' last activity gets an index over every user. The partial one it replaces (WHERE
-- is_active) served no query: neither the day's active users nor the users list (ordered by
-- last_active_at DESC NULLS LAST, active or not) filter on is_active.
DROP INDEX "users_creator_id_last_active_at_idx";
CREATE INDEX "users_creator_id_last_active_at_idx" ON "users"("creator_id", "last_active_at" DESC NULLS LAST);
