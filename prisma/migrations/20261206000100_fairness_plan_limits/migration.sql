-- Fairness limits by plan: how many badges a creator may define (each one is evaluated on the
-- writes its rules count, so the number bounds that work), and how many subscriptions a creator
-- may hold open on one instance (each one is a live socket operation).
ALTER TABLE "plan_limits" ADD COLUMN "badges" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "plan_limits" ADD COLUMN "subscriptions" BIGINT NOT NULL DEFAULT 0;
UPDATE "plan_limits" SET
  badges = CASE tier WHEN 'free' THEN 25 WHEN 'starter' THEN 100 WHEN 'pro' THEN 500 ELSE 5000 END,
  subscriptions = CASE tier WHEN 'free' THEN 100 WHEN 'starter' THEN 500 WHEN 'pro' THEN 2000 ELSE 10000 END;
ALTER TABLE "plan_limits" ADD CONSTRAINT "plan_limits_fairness_check" CHECK (badges >= 0 AND subscriptions >= 0);
