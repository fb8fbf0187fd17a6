// What each subscription tier allows. The database's plan_limits table is the truth the quota
// triggers enforce; this mirrors it for usage reports and rate limits, and a test keeps the
// two equal.

export type Tier = 'free' | 'starter' | 'pro' | 'enterprise';

export interface PlanLimits {
  /** End users. */
  users: number;
  /** Programs that are not archived. */
  programs: number;
  /** AI interactions per calendar month (UTC). */
  aiInteractionsPerMonth: number;
  /** Bytes of knowledge-base documents. */
  storageBytes: number;
  /** API requests per minute, per tenant and per API key. */
  apiRequestsPerMinute: number;
  /** Query cost per minute, per tenant and per API key. */
  costPerMinute: number;
  /** Badges a creator may define. */
  badges: number;
  /** Subscriptions open at once on one server instance. */
  subscriptions: number;
}

const GB = 1024 ** 3;

export const PLAN_LIMITS: Record<Tier, PlanLimits> = {
  free: {
    users: 100,
    programs: 3,
    aiInteractionsPerMonth: 1_000,
    storageBytes: Math.floor(0.1 * GB),
    apiRequestsPerMinute: 1_000,
    costPerMinute: 200_000,
    badges: 25,
    subscriptions: 100,
  },
  starter: {
    users: 1_000,
    programs: 10,
    aiInteractionsPerMonth: 10_000,
    storageBytes: 1 * GB,
    apiRequestsPerMinute: 3_000,
    costPerMinute: 1_000_000,
    badges: 100,
    subscriptions: 500,
  },
  pro: {
    users: 10_000,
    programs: 50,
    aiInteractionsPerMonth: 100_000,
    storageBytes: 10 * GB,
    apiRequestsPerMinute: 10_000,
    costPerMinute: 5_000_000,
    badges: 500,
    subscriptions: 2_000,
  },
  enterprise: {
    users: 1_000_000,
    programs: 1_000,
    aiInteractionsPerMonth: 10_000_000,
    storageBytes: 1_000 * GB,
    apiRequestsPerMinute: 60_000,
    costPerMinute: 50_000_000,
    badges: 5_000,
    subscriptions: 10_000,
  },
};

export function limitsFor(tier: string): PlanLimits {
  return PLAN_LIMITS[(tier in PLAN_LIMITS ? tier : 'free') as Tier];
}
