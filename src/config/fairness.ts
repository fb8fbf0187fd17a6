// Resource fairness between tenants and anonymous clients (README: Limits): the settings and
// their defaults.
import { int, type Env } from './parse';

export interface FairnessConfig {
  /** Connections of the application pool one tenant may hold at once (TENANT_POOL_SHARE). */
  tenantPoolShare: number;
  /** A tenant's operations that may wait for its share (TENANT_QUEUE_MAX); past it: RATE_LIMITED. */
  tenantQueueMax: number;
  /** How long one of them may wait (TENANT_QUEUE_WAIT_MS); past it: RATE_LIMITED. */
  tenantQueueWaitMs: number;
  /** Proxies in front of the server whose X-Forwarded-For is trusted (TRUST_PROXY, hops; 0: none). */
  trustProxyHops: number;
  /** Anonymous auth calls (log-in, sign-up, refresh) per client address per minute (AUTH_RATE_PER_SOURCE). */
  authPerSourcePerMinute: number;
  /** Failed log-ins per account per minute before the account is throttled (AUTH_RATE_PER_ACCOUNT). */
  authPerAccountPerMinute: number;
  /** Sign-ups per client address per hour (SIGNUP_RATE_PER_SOURCE). */
  signUpsPerSourcePerHour: number;
  /** Password hashes computed at once, off the event loop (PASSWORD_HASH_CONCURRENCY). */
  passwordHashConcurrency: number;
  /** Password hashes that may wait (PASSWORD_HASH_QUEUE); past it: RATE_LIMITED. */
  passwordHashQueue: number;
  /** The largest response body, in bytes (MAX_RESPONSE_BYTES); past it: RESPONSE_TOO_LARGE. */
  maxResponseBytes: number;
  /** Subscriptions one WebSocket may hold (MAX_SUBSCRIPTIONS_PER_SOCKET). */
  maxSubscriptionsPerSocket: number;
  /** Subscriptions one tenant may hold on this instance when its plan sets none (MAX_SUBSCRIPTIONS_PER_TENANT). */
  maxSubscriptionsPerTenant: number;
  /** How long one badge evaluation may run, in ms (BADGE_EVALUATION_BUDGET_MS). */
  badgeEvaluationBudgetMs: number;
  /** How long a refusal at the door is held back, in ms (REFUSAL_DELAY_MS; server/refusals.ts). */
  refusalDelayMs: number;
  /** Requests of one client (tenant or anonymous address) served at once over HTTP (TENANT_REQUEST_CONCURRENCY). */
  requestConcurrency: number;
  /** How long a request may wait for its client's turn, in ms (REQUEST_QUEUE_WAIT_MS); past it: RATE_LIMITED. */
  requestQueueWaitMs: number;
}

export function fairnessConfig(env: Env): FairnessConfig {
  const poolMax = int(env, 'DATABASE_POOL_MAX', 10, 1, 1000);
  return {
    // A quarter of the pool by default, at least one connection.
    tenantPoolShare: int(env, 'TENANT_POOL_SHARE', Math.max(1, Math.ceil(poolMax / 4)), 1, poolMax),
    tenantQueueMax: int(env, 'TENANT_QUEUE_MAX', 64, 0, 100_000),
    tenantQueueWaitMs: int(env, 'TENANT_QUEUE_WAIT_MS', 2_000, 0, 600_000),
    trustProxyHops: int(env, 'TRUST_PROXY', 0, 0, 10),
    authPerSourcePerMinute: int(env, 'AUTH_RATE_PER_SOURCE', 30, 1, 1_000_000),
    authPerAccountPerMinute: int(env, 'AUTH_RATE_PER_ACCOUNT', 5, 1, 1_000_000),
    signUpsPerSourcePerHour: int(env, 'SIGNUP_RATE_PER_SOURCE', 20, 1, 1_000_000),
    passwordHashConcurrency: int(env, 'PASSWORD_HASH_CONCURRENCY', 1, 1, 64),
    passwordHashQueue: int(env, 'PASSWORD_HASH_QUEUE', 16, 0, 10_000),
    maxResponseBytes: int(env, 'MAX_RESPONSE_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxSubscriptionsPerSocket: int(env, 'MAX_SUBSCRIPTIONS_PER_SOCKET', 25, 1, 10_000),
    maxSubscriptionsPerTenant: int(env, 'MAX_SUBSCRIPTIONS_PER_TENANT', 500, 1, 1_000_000),
    badgeEvaluationBudgetMs: int(env, 'BADGE_EVALUATION_BUDGET_MS', 1_000, 10, 60_000),
    refusalDelayMs: int(env, 'REFUSAL_DELAY_MS', 1_000, 0, 10_000),
    requestConcurrency: int(env, 'TENANT_REQUEST_CONCURRENCY', 2, 1, 10_000),
    requestQueueWaitMs: int(env, 'REQUEST_QUEUE_WAIT_MS', 10_000, 0, 600_000),
  };
}
