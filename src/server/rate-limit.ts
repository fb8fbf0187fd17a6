// Requests per minute per tenant, from the plan (plan_limits.api_requests_per_minute): a
// sliding window (this minute's count plus the share of last minute's still inside the window)
// kept in memory on this instance. Over the limit, a request is refused before it runs with
// HTTP 429, Retry-After and the code RATE_LIMITED.
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { tenantOf } from '../auth/viewer';
import { tenantClient } from '../db/tenant';
import type { Context } from './context';
import type { Metrics } from './metrics';

const WINDOW_MS = 60_000;
/** How long a creator's limit is cached: a plan change takes effect within this. */
const LIMIT_TTL_MS = 60_000;

interface Window {
  start: number;
  current: number;
  previous: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Seconds until a request would be allowed again (when refused). */
  retryAfter: number;
}

export class SlidingWindowLimiter {
  private readonly windows = new Map<string, Window>();

  hit(key: string, limit: number, now = Date.now()): RateDecision {
    const start = now - (now % WINDOW_MS);
    let w = this.windows.get(key);
    if (!w || start - w.start >= 2 * WINDOW_MS) w = { start, current: 0, previous: 0 };
    else if (start !== w.start) w = { start, current: 0, previous: w.current };
    this.windows.set(key, w);
    if (this.windows.size > 100_000) this.prune(now);
    const weight = 1 - (now - start) / WINDOW_MS;
    const estimate = w.current + w.previous * weight;
    if (estimate + 1 > limit) {
      // When enough of last minute's requests will have slid out (or this minute ends).
      const needed = estimate + 1 - limit;
      const slide = w.previous > 0 ? Math.ceil((needed / w.previous) * WINDOW_MS) : WINDOW_MS - (now - start);
      return { allowed: false, limit, retryAfter: Math.max(1, Math.ceil(Math.min(slide, WINDOW_MS - (now - start) + WINDOW_MS) / 1000)) };
    }
    w.current += 1;
    return { allowed: true, limit, retryAfter: 0 };
  }

  private prune(now: number) {
    for (const [key, w] of this.windows) if (now - w.start >= 2 * WINDOW_MS) this.windows.delete(key);
  }
}

export interface TenantRateLimiter {
  /** Counts one request of the context's tenant; the refusal to send, if it is over. */
  check(ctx: Context): Promise<GraphQLError | undefined>;
}

/** One limiter per instance, shared by HTTP (the plugin below) and WebSocket operations. */
export function createTenantRateLimiter(metrics?: Metrics): TenantRateLimiter {
  const limiter = new SlidingWindowLimiter();
  const limits = new Map<string, { value: number; expires: number }>();

  async function limitOf(ctx: Context, creatorId: string): Promise<number> {
    const cached = limits.get(creatorId);
    if (cached && cached.expires > Date.now()) return cached.value;
    const [row] = await tenantClient(ctx.db.app, creatorId).$queryRaw<{ value: bigint | null }[]>`SELECT app.plan_limit(${creatorId}::uuid, 'api_requests_per_minute') AS value`;
    const value = row?.value == null ? Infinity : Number(row.value);
    if (limits.size > 10_000) limits.clear();
    limits.set(creatorId, { value, expires: Date.now() + LIMIT_TTL_MS });
    return value;
  }

  return {
    async check(ctx) {
      const creatorId = tenantOf(ctx.viewer);
      if (!creatorId) return undefined;
      const decision = limiter.hit(`tenant:${creatorId}`, await limitOf(ctx, creatorId));
      if (decision.allowed) return undefined;
      ctx.log.warn({ creatorId, limit: decision.limit }, 'rate limit reached');
      metrics?.rateLimited('tenant');
      return new GraphQLError(`Too many requests: the plan allows ${decision.limit} a minute. Retry in ${decision.retryAfter} s.`, {
        extensions: { code: 'RATE_LIMITED', retryAfter: decision.retryAfter, http: { status: 429, headers: new HeaderMap([['retry-after', String(decision.retryAfter)]]) } },
      });
    },
  };
}

export function rateLimitPlugin(limiter: TenantRateLimiter): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const refusal = await limiter.check(contextValue);
      if (!refusal) return;
      // Refused once the operation is known, before anything runs (Apollo sends request-level
      // errors from this hook with their HTTP status and headers).
      return {
        async didResolveOperation() {
          throw refusal;
        },
      };
    },
  };
}
