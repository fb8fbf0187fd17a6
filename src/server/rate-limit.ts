// Rate limits from the plan (plan_limits): requests per minute and query cost per minute, per
// tenant and per API key. A sliding window: this minute's count plus the share of last
// minute's still inside the window. The counters live in memory on one instance; with
// REDIS_URL they are shared by every instance (and a Redis that does not answer falls back to
// this instance's counters: limits loosen, requests never fail for it). Over a limit, the
// request is refused before it runs: HTTP 429, Retry-After, code RATE_LIMITED. The first
// refusal of a window is a security event.
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import Redis from 'ioredis';
import { tenantOf } from '../auth/viewer';
import { tenantClient } from '../db/tenant';
import type { Logger } from '../logger';
import type { Context } from './context';
import type { Metrics } from './metrics';

const WINDOW_MS = 60_000;
/** How long a creator's limits are cached: a plan change takes effect within this. */
const LIMIT_TTL_MS = 60_000;

/** Counts per key and minute window. */
export interface RateStore {
  /** Adds `amount` to this window's count; returns it and the previous window's count. */
  add(key: string, window: number, amount: number): Promise<{ current: number; previous: number }>;
  /** Reads without adding. */
  peek(key: string, window: number): Promise<{ current: number; previous: number }>;
  close(): Promise<void>;
}

export class MemoryRateStore implements RateStore {
  private readonly counts = new Map<string, { window: number; current: number; previous: number }>();

  private entry(key: string, window: number) {
    let e = this.counts.get(key);
    if (!e || window - e.window >= 2) e = { window, current: 0, previous: 0 };
    else if (window !== e.window) e = { window, current: 0, previous: e.current };
    this.counts.set(key, e);
    if (this.counts.size > 200_000) for (const [k, v] of this.counts) if (window - v.window >= 2) this.counts.delete(k);
    return e;
  }

  async add(key: string, window: number, amount: number) {
    const e = this.entry(key, window);
    e.current += amount;
    return { current: e.current, previous: e.previous };
  }

  async peek(key: string, window: number) {
    const e = this.entry(key, window);
    return { current: e.current, previous: e.previous };
  }

  async close() {}
}

export class RedisRateStore implements RateStore {
  private readonly redis: Redis;
  private readonly fallback = new MemoryRateStore();

  constructor(url: string, log: Logger) {
    this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 100 });
    let warned = false;
    this.redis.on('error', (error: Error) => {
      if (!warned) log.warn({ err: error.message }, 'Redis unavailable: rate limits count per instance until it returns');
      warned = true;
    });
    this.redis.on('ready', () => (warned = false));
  }

  private key(key: string, window: number) {
    return `creatorgraph:rl:${key}:${window}`;
  }

  async add(key: string, window: number, amount: number) {
    try {
      const results = await this.redis.multi().incrby(this.key(key, window), amount).pexpire(this.key(key, window), 3 * WINDOW_MS).get(this.key(key, window - 1)).exec();
      return { current: Number(results?.[0]?.[1] ?? 0), previous: Number(results?.[2]?.[1] ?? 0) };
    } catch {
      return this.fallback.add(key, window, amount);
    }
  }

  async peek(key: string, window: number) {
    try {
      const [current, previous] = await this.redis.mget(this.key(key, window), this.key(key, window - 1));
      return { current: Number(current ?? 0), previous: Number(previous ?? 0) };
    } catch {
      return this.fallback.peek(key, window);
    }
  }

  async close() {
    this.redis.disconnect();
  }
}

export interface RateLimits {
  requestsPerMinute: number;
  costPerMinute: number;
}

export interface RateUsage {
  requests: number;
  cost: number;
  limits: RateLimits;
}

export interface TenantRateLimiter {
  /** Counts one request of the context's tenant (and API key); the refusal, if it is over. */
  check(ctx: Context): Promise<GraphQLError | undefined>;
  /** Adds an operation's cost; the refusal, if that passes the cost per minute. */
  spend(ctx: Context, cost: number): Promise<GraphQLError | undefined>;
  /** This minute's (sliding) requests and cost of a tenant, and its limits. */
  usage(ctx: Context, creatorId: string): Promise<RateUsage>;
  close(): Promise<void>;
}

/**
 * When `amount` more would fit: as last minute's share slides out of the window (this window),
 * or once this minute's count has itself become "last minute" and slid out far enough.
 */
function retryAfterMs(counts: { current: number; previous: number }, amount: number, limit: number, now: number): number {
  const elapsed = now % WINDOW_MS;
  const room = limit - amount;
  if (room < 0) return WINDOW_MS * 2 - elapsed; // more than the limit at once: two windows
  if (counts.current <= room && counts.previous > 0) {
    // previous * (1 - f) <= room - current  =>  f >= 1 - (room - current) / previous
    const f = 1 - (room - counts.current) / counts.previous;
    return Math.max(0, f * WINDOW_MS - elapsed);
  }
  // Next window: current * (1 - f) <= room  =>  f >= 1 - room / current
  const f = counts.current > 0 ? Math.max(0, 1 - room / counts.current) : 0;
  return WINDOW_MS - elapsed + f * WINDOW_MS;
}

function estimate(counts: { current: number; previous: number }, now: number): number {
  const elapsed = (now % WINDOW_MS) / WINDOW_MS;
  return counts.current + counts.previous * (1 - elapsed);
}

export function createTenantRateLimiter(options: { metrics?: Metrics; redisUrl?: string; log: Logger }): TenantRateLimiter {
  const store: RateStore = options.redisUrl ? new RedisRateStore(options.redisUrl, options.log) : new MemoryRateStore();
  const limits = new Map<string, { value: RateLimits; expires: number }>();
  /** Lookups under way, by creator: concurrent requests of a tenant share one. */
  const reading = new Map<string, Promise<RateLimits>>();
  const reported = new Map<string, number>();

  /**
   * A creator's rates: from the cache while fresh; once stale, still from the cache while one
   * lookup refreshes it in the background (a plan change takes effect within LIMIT_TTL_MS and a
   * request); with nothing cached, the requests wait for that one lookup.
   */
  function limitsOf(ctx: Context, creatorId: string): Promise<RateLimits> {
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
    const value = { requestsPerMinute: row?.requests == null ? Infinity : Number(row.requests), costPerMinute: row?.cost == null ? Infinity : Number(row.cost) };
    if (limits.size > 10_000) limits.clear();
    limits.set(creatorId, { value, expires: Date.now() + LIMIT_TTL_MS });
    return value;
  }

  function keysOf(ctx: Context): { key: string; scope: 'tenant' | 'api_key' }[] {
    const creatorId = tenantOf(ctx.viewer);
    if (!creatorId) return [];
    const keys: { key: string; scope: 'tenant' | 'api_key' }[] = [{ key: `tenant:${creatorId}`, scope: 'tenant' }];
    if (ctx.viewer.kind === 'partner') keys.push({ key: `key:${ctx.viewer.keyId}`, scope: 'api_key' });
    return keys;
  }

  function refusal(ctx: Context, what: 'requests' | 'cost', scope: 'tenant' | 'api_key', key: string, limit: number, amount: number, counts: { current: number; previous: number }, now: number): GraphQLError {
    const retryAfter = Math.max(1, Math.ceil(retryAfterMs(counts, amount, limit, now) / 1000));
    options.metrics?.rateLimited(scope);
    const window = Math.floor(now / WINDOW_MS);
    if (reported.get(key) !== window) {
      // One security event per key and window: the start of a burst, not every refusal.
      if (reported.size > 10_000) reported.clear();
      reported.set(key, window);
      const creatorId = tenantOf(ctx.viewer)!;
      ctx.log.warn({ creatorId, key, what, limit }, 'rate limit reached');
      tenantClient(ctx.db.app, creatorId)
        .securityAuditLog.create({ data: { eventType: 'rate_limit.exceeded', severity: 'medium', eventData: { scope, what, limit, requestId: ctx.requestId, ...(ctx.viewer.kind === 'partner' ? { keyId: ctx.viewer.keyId } : {}) }, ipAddress: ctx.client.ip ?? null } })
        .catch((error: Error) => ctx.log.warn({ err: error.message }, 'could not record a rate-limit event'));
    }
    const per = scope === 'api_key' ? 'this API key' : 'the plan';
    return new GraphQLError(`Too many ${what === 'cost' ? 'expensive requests' : 'requests'}: ${per} allows ${limit} ${what === 'cost' ? 'cost units' : 'requests'} a minute. Retry in ${retryAfter} s.`, {
      extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) } },
    });
  }

  async function hit(ctx: Context, what: 'requests' | 'cost', amount: number): Promise<GraphQLError | undefined> {
    const keys = keysOf(ctx);
    if (keys.length === 0 || amount <= 0) return undefined;
    const plan = await limitsOf(ctx, tenantOf(ctx.viewer)!);
    const limit = what === 'requests' ? plan.requestsPerMinute : plan.costPerMinute;
    if (!Number.isFinite(limit)) return undefined;
    const now = Date.now();
    const window = Math.floor(now / WINDOW_MS);
    // Refused requests do not count: look first, add only what is let through.
    for (const { key, scope } of keys) {
      const counts = await store.peek(`${what}:${key}`, window);
      if (estimate(counts, now) + amount > limit) return refusal(ctx, what, scope, `${what}:${key}`, limit, amount, counts, now);
    }
    for (const { key } of keys) await store.add(`${what}:${key}`, window, amount);
    return undefined;
  }

  return {
    check: (ctx) => hit(ctx, 'requests', 1),
    spend: (ctx, cost) => hit(ctx, 'cost', cost),
    async usage(ctx, creatorId) {
      const now = Date.now();
      const window = Math.floor(now / WINDOW_MS);
      const [requests, cost] = await Promise.all([store.peek(`requests:tenant:${creatorId}`, window), store.peek(`cost:tenant:${creatorId}`, window)]);
      return { requests: Math.round(estimate(requests, now)), cost: Math.round(estimate(cost, now)), limits: await limitsOf(ctx, creatorId) };
    },
    close: () => store.close(),
  };
}
