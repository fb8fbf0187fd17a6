// Rate limits from the plan (plan_limits): requests per minute and query cost per minute, per
// tenant and per API key, counted in the rate store (store.ts). The counts live in memory on one
// instance; with REDIS_URL they are shared by every instance. Over a limit, the request is
// refused before it runs: HTTP 429, Retry-After, code RATE_LIMITED. The first refusal of a window
// is a security event.
//
// What counts as a request: each root field of the operation (operation-fields.ts), for queries,
// mutations and subscriptions alike, over HTTP and WebSocket (plugins/cost.ts, admitOperation).
//
// A partner's plan rates come with its key (auth/partner-auth.ts reads them in the key's own
// statement when it has none fresh): this limiter takes them from the viewer and never sends a
// statement of its own for them.
import type { GraphQLError } from 'graphql';
import { planRatesOf, PLAN_RATES_TTL_MS } from '../../auth/partner-auth';
import { tenantOf } from '../../auth/viewer';
import { boundedCache, firstInWindow } from '../../cache';
import { tenantClient } from '../../db/tenant';
import type { Context, TenantRateUsage } from '../../graphql/context';
import type { RateLimits } from '../../graphql/ports';
import type { Logger } from '../../logger';
import type { Metrics } from '../metrics';
import type { RefusalDoor } from '../refusals';
import { createRateStore } from './redis-store';
import {
  estimate,
  rateLimited,
  retryAfterMs,
  singleRetryAfter,
  WINDOW_MS,
  type RateCounts,
  type RateEntry,
  type RateStore,
} from './store';

/** How long a creator's limits are cached: a plan change takes effect within this. */
const LIMIT_TTL_MS = PLAN_RATES_TTL_MS;

export interface TenantRateLimiter extends TenantRateUsage {
  /**
   * Counts `requests` requests (an operation's root fields) and `cost` cost units of the
   * context's tenant (and API key), in one atomic step; over any limit, the refusal, and
   * nothing is counted.
   */
  admit(ctx: Context, requests: number, cost: number): Promise<GraphQLError | undefined>;
  /** admit(ctx, requests, 0). */
  check(ctx: Context, requests?: number): Promise<GraphQLError | undefined>;
  /** admit(ctx, 0, cost). */
  spend(ctx: Context, cost: number): Promise<GraphQLError | undefined>;
  /** Caches a creator's rates read elsewhere, fresh until `expires`, unless fresher ones are cached. */
  prime(creatorId: string, value: RateLimits, expires: number): void;
  close(): Promise<void>;
}

export function createTenantRateLimiter(options: {
  metrics?: Metrics;
  redisUrl?: string;
  log: Logger;
  store?: RateStore;
  door?: RefusalDoor;
}): TenantRateLimiter {
  const ownStore = !options.store;
  const store: RateStore = options.store ?? createRateStore(options);
  // A stale entry is still served while one lookup refreshes it, so freshness (`expires`) is
  // checked here; the cache only bounds how many creators are kept.
  const limits = boundedCache<string, { value: RateLimits; expires: number }>({ max: 10_000 });
  /** Lookups under way, by creator: concurrent requests of a tenant share one. */
  const reading = new Map<string, Promise<RateLimits>>();
  /** The window of each key's last security event. */
  const reported = boundedCache<string, number>({ max: 10_000 });

  /**
   * A creator's rates: from the cache while fresh; once stale, still from the cache while one
   * lookup refreshes it in the background (a plan change takes effect within LIMIT_TTL_MS and a
   * request); with nothing cached, the requests wait for that one lookup.
   */
  function limitsOf(ctx: Context, creatorId: string): Promise<RateLimits> {
    if (ctx.viewer.kind === 'partner' && ctx.viewer.creatorId === creatorId) {
      const carried = planRatesOf(ctx.viewer);
      if (carried) {
        prime(creatorId, carried.value, carried.expires);
        return Promise.resolve(carried.value);
      }
    }
    const cached = limits.get(creatorId);
    if (cached && cached.expires > Date.now()) return Promise.resolve(cached.value);
    let lookup = reading.get(creatorId);
    if (!lookup) {
      lookup = readLimits(ctx, creatorId, cached?.value)
        // Nobody may be waiting on a background refresh: it must never reject.
        .catch(() => cached?.value ?? { requestsPerMinute: Infinity, costPerMinute: Infinity })
        .finally(() => reading.delete(creatorId));
      reading.set(creatorId, lookup);
    }
    return cached ? Promise.resolve(cached.value) : lookup;
  }

  async function readLimits(ctx: Context, creatorId: string, cached: RateLimits | undefined): Promise<RateLimits> {
    let row: { requests: bigint | null; cost: bigint | null } | undefined;
    try {
      [row] = await tenantClient(ctx.db.app, creatorId).$queryRaw<{ requests: bigint | null; cost: bigint | null }[]>`
        SELECT app.plan_limit(${creatorId}::uuid, 'api_requests_per_minute') AS requests, app.plan_limit(${creatorId}::uuid, 'cost_per_minute') AS cost`;
    } catch (error) {
      // The database is away: keep the last known limits (or none); the request itself will
      // answer SERVICE_UNAVAILABLE if it needs the database.
      ctx.log.warn({ err: (error as Error).message }, 'could not read plan rates');
      return cached ?? { requestsPerMinute: Infinity, costPerMinute: Infinity };
    }
    const value = {
      requestsPerMinute: row?.requests == null ? Infinity : Number(row.requests),
      costPerMinute: row?.cost == null ? Infinity : Number(row.cost),
    };
    limits.set(creatorId, { value, expires: Date.now() + LIMIT_TTL_MS });
    return value;
  }

  function prime(creatorId: string, value: RateLimits, expires: number): void {
    const cached = limits.get(creatorId);
    if (!cached || cached.expires < expires) limits.set(creatorId, { value, expires });
  }

  function keysOf(ctx: Context): { key: string; scope: 'tenant' | 'api_key' }[] {
    const creatorId = tenantOf(ctx.viewer);
    if (!creatorId) return [];
    const keys: { key: string; scope: 'tenant' | 'api_key' }[] = [{ key: `tenant:${creatorId}`, scope: 'tenant' }];
    if (ctx.viewer.kind === 'partner') keys.push({ key: `key:${ctx.viewer.keyId}`, scope: 'api_key' });
    return keys;
  }

  function refusal(
    ctx: Context,
    what: 'requests' | 'cost',
    scope: 'tenant' | 'api_key',
    key: string,
    limit: number,
    amount: number,
    counts: RateCounts,
    now: number,
  ): GraphQLError {
    const retryAfter = Math.max(1, Math.ceil(retryAfterMs(counts, amount, limit, now) / 1000));
    options.metrics?.rateLimited(scope);
    if (firstInWindow(reported, key, WINDOW_MS, now)) {
      // One security event per key and window: the start of a burst, not every refusal.
      const creatorId = tenantOf(ctx.viewer)!;
      ctx.log.warn({ creatorId, key, what, limit }, 'rate limit reached');
      tenantClient(ctx.db.app, creatorId)
        .securityAuditLog.create({
          data: {
            eventType: 'rate_limit.exceeded',
            severity: 'medium',
            eventData: {
              scope,
              what,
              limit,
              requestId: ctx.requestId,
              ...(ctx.viewer.kind === 'partner' ? { keyId: ctx.viewer.keyId } : {}),
            },
            ipAddress: ctx.client.ip ?? null,
          },
        })
        .catch((error: Error) => ctx.log.warn({ err: error.message }, 'could not record a rate-limit event'));
    }
    const per = scope === 'api_key' ? 'this API key' : 'the plan';
    const message = `Too many ${what === 'cost' ? 'expensive requests' : 'requests'}: ${per} allows ${limit} ${what === 'cost' ? 'cost units' : 'requests'} a minute.`;
    // Over its request rate, every request of the key is refused until Retry-After: the door
    // refuses them before parsing (refusals.ts). A cost refusal may still let a cheaper one in.
    const single = what === 'requests' ? singleRetryAfter(counts, limit, now) : undefined;
    if (single)
      options.door?.block(
        scope === 'tenant' ? `tenant:${tenantOf(ctx.viewer)}` : `apikey:${(ctx.viewer as { keyId: string }).keyId}`,
        single,
        message,
      );
    return rateLimited(`${message} Retry in ${retryAfter} s.`, retryAfter);
  }

  async function admit(ctx: Context, requests: number, cost: number): Promise<GraphQLError | undefined> {
    const keys = keysOf(ctx);
    if (keys.length === 0) return undefined;
    const plan = await limitsOf(ctx, tenantOf(ctx.viewer)!);
    const entries: (RateEntry & { what: 'requests' | 'cost'; scope: 'tenant' | 'api_key' })[] = [];
    for (const [what, amount, limit] of [
      ['requests', requests, plan.requestsPerMinute],
      ['cost', Math.ceil(cost), plan.costPerMinute],
    ] as const) {
      if (amount <= 0 || !Number.isFinite(limit)) continue;
      for (const { key, scope } of keys)
        entries.push({ key: `${what}:${key}`, amount, limit, windowMs: WINDOW_MS, what, scope });
    }
    if (entries.length === 0) return undefined;
    const now = Date.now();
    // Refused requests do not count: the store checks every key and adds to all or none.
    const refused = await store.take(entries, now);
    if (!refused) return undefined;
    const e = entries[refused.index]!;
    return refusal(ctx, e.what, e.scope, e.key, e.limit, e.amount, refused, now);
  }

  return {
    admit,
    check: (ctx, requests = 1) => admit(ctx, requests, 0),
    spend: (ctx, cost) => admit(ctx, 0, cost),
    prime,
    async usage(ctx, creatorId) {
      const now = Date.now();
      const [requests, cost] = await Promise.all([
        store.peek(`requests:tenant:${creatorId}`, WINDOW_MS, now),
        store.peek(`cost:tenant:${creatorId}`, WINDOW_MS, now),
      ]);
      return {
        requests: Math.round(estimate(requests, now)),
        cost: Math.round(estimate(cost, now)),
        limits: await limitsOf(ctx, creatorId),
      };
    },
    close: () => (ownStore ? store.close() : Promise.resolve()),
  };
}
