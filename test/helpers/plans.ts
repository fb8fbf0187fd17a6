// A tenant's plan changed for the duration of one test, through the owner connection.
import type { ApiHarness } from './api';

/** Creator B on the free plan while `fn` runs; its own plan again afterwards. */
export async function creatorBOnFreePlan<T>(api: ApiHarness, fn: () => Promise<T>): Promise<T> {
  const [live] = await api.sql(
    `SELECT id, tier FROM subscriptions WHERE creator_id = $1 AND status IN ('active','trialing','past_due')`,
    [api.tenants.creatorB],
  );
  await api.sql(`UPDATE subscriptions SET tier = 'free' WHERE id = $1`, [live!.id]);
  try {
    return await fn();
  } finally {
    await api.sql(`UPDATE subscriptions SET tier = $2 WHERE id = $1`, [live!.id, live!.tier]);
  }
}
