-- The query cost a tier may spend per minute (see src/server/limits.ts for what cost counts),
-- beside its requests per minute. Both are enforced per tenant and per API key.
ALTER TABLE "plan_limits" ADD COLUMN "cost_per_minute" BIGINT NOT NULL DEFAULT 0;
UPDATE "plan_limits" SET cost_per_minute = CASE tier WHEN 'free' THEN 200000 WHEN 'starter' THEN 1000000 WHEN 'pro' THEN 5000000 ELSE 50000000 END;
ALTER TABLE "plan_limits" ADD CONSTRAINT "plan_limits_cost_per_minute_check" CHECK (cost_per_minute >= 0);
