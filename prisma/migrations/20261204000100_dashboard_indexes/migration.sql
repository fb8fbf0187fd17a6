-- The dashboard summary (daySummary in src/modules/analytics/insights.service.ts) counts a day's
-- rows of each table. Each count must be an index range over that day, whatever the tenant's
-- size: completions and escalations state the predicate of their partial indexes (equivalent by
-- the CHECK constraints that tie completed_at to status and escalated_at to escalated_to_human),
-- and the users' last activity gets an index over every user. The partial one it replaces (WHERE
-- is_active) served no query: neither the day's active users nor the users list (ordered by
-- last_active_at DESC NULLS LAST, active or not) filter on is_active.
--
-- The migration runs as one transaction. The new index is built first, under a lock that lets
-- reads of users go on (writes wait for the build); the old one is dropped last, so its
-- exclusive lock lasts only until the commit right after. If the locks cannot be had within
-- 10 s (a long transaction holds users), the migration fails and can be run again.
SET LOCAL lock_timeout = '10s';
CREATE INDEX "users_creator_id_last_activity_idx" ON "users"("creator_id", "last_active_at" DESC NULLS LAST);
DROP INDEX "users_creator_id_last_active_at_idx";
ALTER INDEX "users_creator_id_last_activity_idx" RENAME TO "users_creator_id_last_active_at_idx";
