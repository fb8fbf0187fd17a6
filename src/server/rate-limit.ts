// Rate limits. From the plan (plan_limits): requests per minute and query cost per minute, per
// tenant and per API key. For the endpoints anyone can call (log-in, sign-up, refresh, log-out):
// calls per client address per minute, sign-ups per client address per hour, and failed log-ins
// per account per minute (AuthGuard, below; FairnessConfig holds those settings).
//
// A sliding window: this window's count plus the share of the previous window's still inside it.
// Check and add are one atomic step (RateStore.take): in memory, one synchronous section; in
// Redis, one Lua script (EVALSHA through ioredis' defineCommand), which Redis runs alone. With
// several keys (tenant and API key; requests and cost; per-minute and per-hour), either all of
// them fit and each is added to, or the request is refused and none is: refused requests do not
// count. The counts live in memory on one instance; with REDIS_URL they are shared by every
// instance (and a Redis that does not answer falls back to this instance's counters: limits
// loosen, requests never fail for it). Over a limit, the request is refused before it runs:
// HTTP 429, Retry-After, code RATE_LIMITED. The first refusal of a window is a security event.
//
// What counts as a request: each root field of the operation (rootFieldsOf), for queries,
// mutations and subscriptions alike, over HTTP and WebSocket (plugins/cost.ts, admitOperation).
import crypto from 'node:crypto';
import { HeaderMap } from '@apollo/server';
import { GraphQLError, getOperationAST, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import Redis from 'ioredis';
import { tenantOf } from '../auth/viewer';
import { tenantClient } from '../db/tenant';
import { PasswordHasher } from '../auth/passwords';
import type { FairnessConfig } from '../config';
import type { Logger } from '../logger';
import type { Context } from './context';
import type { Metrics } from './metrics';
import type { RefusalDoor } from './refusals';

const WINDOW_MS = 60_000;
/** How long a creator's limits are cached: a plan change takes effect within this. */
const LIMIT_TTL_MS = 60_000;

/**
 * One count to take: `amount` more on `key`, within `limit` per window of `windowMs` (a sliding
 * window: this window's count plus the share of the previous window's still inside it).
 */
export interface RateEntry {
  key: string;
  amount: number;
  limit: number;
  windowMs: number;
}

export interface RateCounts {
  current: number;
  previous: number;
}

/** The entry that refused a take (its index in the list) and its counts then. */
export interface RateRefusal extends RateCounts {
  index: number;
}

/** Counts per key and window. */
export interface RateStore {
  /**
   * Check and add in one atomic step: if every entry fits its limit, adds each amount and
   * returns undefined; if one does not, adds nothing to any of them and returns which.
   */
  take(entries: RateEntry[], now: number): Promise<RateRefusal | undefined>;
  /** Adds (or, negative, gives back) `amount` to the window that `at` falls in. */
  add(key: string, windowMs: number, at: number, amount: number): Promise<void>;
  /** Reads without adding. */
  peek(key: string, windowMs: number, now: number): Promise<RateCounts>;
  /** Remembers `key` for `ttlMs` (for example: a source that logged in to an account). */
  mark(key: string, ttlMs: number): Promise<void>;
  marked(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The share of the previous window still inside the sliding window. */
const weightOf = (windowMs: number, now: number) => 1 - (now % windowMs) / windowMs;

export class MemoryRateStore implements RateStore {
  private readonly counts = new Map<string, { window: number; windowMs: number; current: number; previous: number }>();
  private readonly marks = new Map<string, number>();
  /** The size at which expired entries are swept next: doubles with what a sweep leaves. */
  private sweepAt = 200_000;

  private entry(key: string, window: number, windowMs: number) {
    let e = this.counts.get(key);
    if (!e || window - e.window >= 2) e = { window, windowMs, current: 0, previous: 0 };
    else if (window > e.window) e = { window, windowMs, current: 0, previous: e.current };
    this.counts.set(key, e);
    if (this.counts.size > this.sweepAt) {
      // Each entry expires by its own window (minutes and hours share the map); a sweep that
      // frees little is not repeated until the map has doubled, so it never runs per request.
      const now = window * windowMs;
      for (const [k, v] of this.counts) if (Math.floor(now / v.windowMs) - v.window >= 2) this.counts.delete(k);
      this.sweepAt = Math.max(200_000, this.counts.size * 2);
    }
    return e;
  }

  /** Synchronous from the first read to the last write: nothing else runs in between. */
  takeNow(entries: RateEntry[], now: number): RateRefusal | undefined {
    const found = entries.map((x) => this.entry(`${x.key}@${x.windowMs}`, Math.floor(now / x.windowMs), x.windowMs));
    for (let i = 0; i < entries.length; i++) {
      const x = entries[i]!;
      const e = found[i]!;
      if (e.current + e.previous * weightOf(x.windowMs, now) + x.amount > x.limit) return { index: i, current: e.current, previous: e.previous };
    }
    for (let i = 0; i < entries.length; i++) found[i]!.current += entries[i]!.amount;
    return undefined;
  }

  async take(entries: RateEntry[], now: number) {
    return this.takeNow(entries, now);
  }

  async add(key: string, windowMs: number, at: number, amount: number) {
    const k = `${key}@${windowMs}`;
    const window = Math.floor(at / windowMs);
    // Never moves the entry back: a late give-back lands in the window it was taken from, if
    // that is still this one or the previous one.
    const e = this.entry(k, Math.max(window, this.counts.get(k)?.window ?? window), windowMs);
    if (e.window === window) e.current = Math.max(0, e.current + amount);
    else if (e.window === window + 1) e.previous = Math.max(0, e.previous + amount);
  }

  async peek(key: string, windowMs: number, now: number) {
    const e = this.entry(`${key}@${windowMs}`, Math.floor(now / windowMs), windowMs);
    return { current: e.current, previous: e.previous };
  }

  async mark(key: string, ttlMs: number) {
    const now = Date.now();
    if (this.marks.size > 100_000) for (const [k, until] of this.marks) if (until <= now) this.marks.delete(k);
    // Still full of live marks: forget the oldest (a Map iterates in insertion order).
    if (this.marks.size > 100_000) this.marks.delete(this.marks.keys().next().value!);
    this.marks.delete(key);
    this.marks.set(key, now + ttlMs);
  }

  async marked(key: string) {
    const until = this.marks.get(key);
    return until !== undefined && until > Date.now();
  }

  async close() {}
}

// KEYS: this window's and the previous window's key of each entry, in pairs.
// ARGV: per entry, its amount, limit, the previous window's weight and the keys' time to live.
// Everything is read first; only if all entries fit is anything added. Redis runs a script
// alone, so no other request's check can come between this one's check and its add.
const TAKE_SCRIPT = `
local n = #KEYS / 2
for i = 1, n do
  local current = math.max(0, tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0'))
  local previous = math.max(0, tonumber(redis.call('GET', KEYS[2 * i]) or '0'))
  local amount = tonumber(ARGV[4 * i - 3])
  local limit = tonumber(ARGV[4 * i - 2])
  local weight = tonumber(ARGV[4 * i - 1])
  if current + previous * weight + amount > limit then
    return { i, current, previous }
  end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[2 * i - 1], ARGV[4 * i - 3])
  redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[4 * i])
end
return { 0 }
`;

type TakeCommand = (...args: (string | number)[]) => Promise<number[]>;

export class RedisRateStore implements RateStore {
  private readonly redis: Redis;
  private readonly fallback = new MemoryRateStore();

  constructor(url: string, log: Logger) {
    this.redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 100 });
    // ioredis sends it with EVALSHA, and with EVAL once when Redis does not know it yet.
    this.redis.defineCommand('creatorgraphRateTake', { lua: TAKE_SCRIPT });
    let warned = false;
    this.redis.on('error', (error: Error) => {
      if (!warned) log.warn({ err: error.message }, 'Redis unavailable: rate limits count per instance until it returns');
      warned = true;
    });
    this.redis.on('ready', () => (warned = false));
  }

  private key(key: string, windowMs: number, window: number) {
    return `creatorgraph:rl:${key}:${windowMs}:${window}`;
  }

  async take(entries: RateEntry[], now: number) {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const x of entries) {
      const window = Math.floor(now / x.windowMs);
      keys.push(this.key(x.key, x.windowMs, window), this.key(x.key, x.windowMs, window - 1));
      args.push(x.amount, x.limit, weightOf(x.windowMs, now).toFixed(6), 3 * x.windowMs);
    }
    let result: number[];
    try {
      result = await (this.redis as unknown as { creatorgraphRateTake: TakeCommand }).creatorgraphRateTake(keys.length, ...keys, ...args);
    } catch {
      return this.fallback.take(entries, now);
    }
    const [index, current, previous] = result.map(Number);
    return index ? { index: index - 1, current: current ?? 0, previous: previous ?? 0 } : undefined;
  }

  async add(key: string, windowMs: number, at: number, amount: number) {
    const k = this.key(key, windowMs, Math.floor(at / windowMs));
    try {
      await this.redis.multi().incrby(k, amount).pexpire(k, 3 * windowMs).exec();
    } catch {
      await this.fallback.add(key, windowMs, at, amount);
    }
  }

  async peek(key: string, windowMs: number, now: number) {
    const window = Math.floor(now / windowMs);
    try {
      const [current, previous] = await this.redis.mget(this.key(key, windowMs, window), this.key(key, windowMs, window - 1));
      return { current: Math.max(0, Number(current ?? 0)), previous: Math.max(0, Number(previous ?? 0)) };
    } catch {
      return this.fallback.peek(key, windowMs, now);
    }
  }

  async mark(key: string, ttlMs: number) {
    try {
      await this.redis.set(`creatorgraph:mark:${key}`, '1', 'PX', ttlMs);
    } catch {
      await this.fallback.mark(key, ttlMs);
    }
  }

  async marked(key: string) {
    try {
      return (await this.redis.exists(`creatorgraph:mark:${key}`)) === 1;
    } catch {
      return this.fallback.marked(key);
    }
  }

  async close() {
    this.redis.disconnect();
  }
}

/** The store of this instance: Redis, shared by every instance, when REDIS_URL is set. */
export function createRateStore(options: { redisUrl?: string; log: Logger }): RateStore {
  return options.redisUrl ? new RedisRateStore(options.redisUrl, options.log) : new MemoryRateStore();
}

/** A refusal: HTTP 429 with Retry-After (over HTTP), code RATE_LIMITED, and when to retry. */
export function rateLimited(message: string, retryAfter: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) } },
  });
}

/**
 * The root fields an operation runs, by response key (two selections of one key run once),
 * without __typename; fragments at the root are followed. Each one is an operation of its own
 * for the rate limits: 30 aliased mutations are 30 requests.
 */
export function rootFieldsOf(document: DocumentNode, operationName: string | null | undefined): { key: string; name: string }[] {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fields = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const s of selectionSet.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === '__typename') continue;
        const key = s.alias?.value ?? s.name.value;
        if (!fields.has(key)) fields.set(key, s.name.value);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet);
      } else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return [...fields].map(([key, name]) => ({ key, name }));
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
  /** This minute's (sliding) requests and cost of a tenant, and its limits. */
  usage(ctx: Context, creatorId: string): Promise<RateUsage>;
  close(): Promise<void>;
}

/**
 * When `amount` more would fit: as last window's share slides out of the window (this window),
 * or once this window's count has itself become "last window" and slid out far enough.
 */
export function retryAfterMs(counts: RateCounts, amount: number, limit: number, now: number, windowMs = WINDOW_MS): number {
  const elapsed = now % windowMs;
  const room = limit - amount;
  if (room < 0) return windowMs * 2 - elapsed; // more than the limit at once: two windows
  if (counts.current <= room && counts.previous > 0) {
    // previous * (1 - f) <= room - current  =>  f >= 1 - (room - current) / previous
    const f = 1 - (room - counts.current) / counts.previous;
    return Math.max(0, f * windowMs - elapsed);
  }
  // Next window: current * (1 - f) <= room  =>  f >= 1 - room / current
  const f = counts.current > 0 ? Math.max(0, 1 - room / counts.current) : 0;
  return windowMs - elapsed + f * windowMs;
}

function estimate(counts: RateCounts, now: number): number {
  return counts.current + counts.previous * weightOf(WINDOW_MS, now);
}

/**
 * How long even a single request of a key refused in this minute window must wait, in seconds;
 * none if one would fit now (the refused request asked for more). The door (refusals.ts) refuses
 * the key's requests for that long.
 */
function singleRetryAfter(counts: RateCounts, limit: number, now: number): number | undefined {
  if (estimate(counts, now) + 1 <= limit) return undefined;
  return Math.max(1, Math.ceil(retryAfterMs(counts, 1, limit, now) / 1000));
}

export function createTenantRateLimiter(options: { metrics?: Metrics; redisUrl?: string; log: Logger; store?: RateStore; door?: RefusalDoor }): TenantRateLimiter {
  const ownStore = !options.store;
  const store: RateStore = options.store ?? createRateStore(options);
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

  function refusal(ctx: Context, what: 'requests' | 'cost', scope: 'tenant' | 'api_key', key: string, limit: number, amount: number, counts: RateCounts, now: number): GraphQLError {
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
    const message = `Too many ${what === 'cost' ? 'expensive requests' : 'requests'}: ${per} allows ${limit} ${what === 'cost' ? 'cost units' : 'requests'} a minute.`;
    // Over its request rate, every request of the key is refused until Retry-After: the door
    // refuses them before parsing (refusals.ts). A cost refusal may still let a cheaper one in.
    const single = what === 'requests' ? singleRetryAfter(counts, limit, now) : undefined;
    if (single) options.door?.block(scope === 'tenant' ? `tenant:${tenantOf(ctx.viewer)}` : `apikey:${(ctx.viewer as { keyId: string }).keyId}`, single, message);
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
      for (const { key, scope } of keys) entries.push({ key: `${what}:${key}`, amount, limit, windowMs: WINDOW_MS, what, scope });
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
    async usage(ctx, creatorId) {
      const now = Date.now();
      const [requests, cost] = await Promise.all([store.peek(`requests:tenant:${creatorId}`, WINDOW_MS, now), store.peek(`cost:tenant:${creatorId}`, WINDOW_MS, now)]);
      return { requests: Math.round(estimate(requests, now)), cost: Math.round(estimate(cost, now)), limits: await limitsOf(ctx, creatorId) };
    },
    close: () => (ownStore ? store.close() : Promise.resolve()),
  };
}

// ------------------------------------------------------------------------------------------
// Endpoints reachable without a tenant: log-in, sign-up, refresh and log-out
// ------------------------------------------------------------------------------------------

/** The mutations anyone can call, signed in or not. Each root field counts once. */
export const ANONYMOUS_AUTH_FIELDS: ReadonlySet<string> = new Set(['signUp', 'logIn', 'adminLogIn', 'refreshSession', 'logOut']);
const HOUR_MS = 60 * 60_000;
/** How long a source that logged in to an account stays exempt from its failed-log-in throttle. */
export const KNOWN_SOURCE_TTL_MS = 30 * 24 * HOUR_MS;

export interface AuthGuard {
  /**
   * Per client address: the auth fields of an operation (AUTH_RATE_PER_SOURCE a minute) and its
   * sign-ups (SIGNUP_RATE_PER_SOURCE an hour), in one atomic step; the refusal (429 with
   * Retry-After) if over, and nothing counted.
   */
  admitSource(ctx: Context, fields: { name: string }[]): Promise<GraphQLError | undefined>;
  /**
   * Per account (an email, whether it has an account or not): takes one failed log-in from its
   * budget (AUTH_RATE_PER_ACCOUNT a minute) before the password is checked, so that concurrent
   * attempts cannot all slip through; `release` gives it back if the password was right.
   * Throttled: nothing more is counted, and the password must not be checked. A source that
   * signed up or logged in to this account in the last KNOWN_SOURCE_TTL_MS is never throttled
   * for it. Accounts are keyed by a hash of the email: no address is stored in the counters.
   */
  reserveFailure(ctx: Context, account: string): Promise<{ throttled: boolean; release(): Promise<void> }>;
  /** After a successful log-in: this source now knows the account. */
  rememberSource(ctx: Context, account: string): Promise<void>;
  /** True once per account and window: record the throttling as a security event then. */
  firstThrottle(account: string): boolean;
  passwords: PasswordHasher;
}

export function createAuthGuard(options: { store: RateStore; fairness: FairnessConfig; door?: RefusalDoor }): AuthGuard {
  const { store, fairness } = options;
  const passwords = new PasswordHasher(fairness.passwordHashConcurrency, fairness.passwordHashQueue);
  const reported = new Map<string, number>();
  const sourceOf = (ctx: Context) => ctx.client.ip ?? 'unknown';
  const hashed = (account: string) => crypto.createHash('sha256').update(account).digest('base64url').slice(0, 24);
  const knownKey = (ctx: Context, account: string) => `known:${hashed(account)}:${sourceOf(ctx)}`;

  function firstOfWindow(key: string, windowMs: number): boolean {
    const window = Math.floor(Date.now() / windowMs);
    if (reported.get(key) === window) return false;
    if (reported.size > 10_000) reported.clear();
    reported.set(key, window);
    return true;
  }

  return {
    passwords,
    async admitSource(ctx, fields) {
      const auth = fields.filter((f) => ANONYMOUS_AUTH_FIELDS.has(f.name)).length;
      if (auth === 0) return undefined;
      const signUps = fields.filter((f) => f.name === 'signUp').length;
      const source = sourceOf(ctx);
      const entries: (RateEntry & { what: 'auth' | 'sign_up'; per: string })[] = [{ key: `auth:source:${source}`, amount: auth, limit: fairness.authPerSourcePerMinute, windowMs: WINDOW_MS, what: 'auth', per: 'a minute' }];
      if (signUps > 0) entries.push({ key: `signup:source:${source}`, amount: signUps, limit: fairness.signUpsPerSourcePerHour, windowMs: HOUR_MS, what: 'sign_up', per: 'an hour' });
      const now = Date.now();
      const refused = await store.take(entries, now);
      if (!refused) return undefined;
      const e = entries[refused.index]!;
      const retryAfter = Math.max(1, Math.ceil(retryAfterMs(refused, e.amount, e.limit, now, e.windowMs) / 1000));
      if (firstOfWindow(e.key, e.windowMs)) {
        // One security event per source and window: the start of a burst, not every refusal.
        ctx.log.warn({ source, what: e.what, limit: e.limit }, 'auth rate limit reached');
        ctx.db.owner.securityAuditLog
          .create({ data: { creatorId: null, eventType: 'auth.rate_limited', severity: 'medium', eventData: { requestId: ctx.requestId, what: e.what, limit: e.limit }, ipAddress: ctx.client.ip ?? null, userAgent: ctx.client.userAgent ?? null } })
          .catch((error: Error) => ctx.log.warn({ err: error.message }, 'could not record an auth rate-limit event'));
      }
      const what = e.what === 'sign_up' ? 'sign-ups' : 'log-in, sign-up and session calls';
      const message = `Too many ${what} from this address: ${e.limit} are allowed ${e.per}.`;
      // An anonymous address over its limit is refused at the door until Retry-After, whatever
      // it asks (refusals.ts); signed-in requests from it are the tenant's to count.
      const single = e.what === 'auth' && ctx.viewer.kind === 'anonymous' ? singleRetryAfter(refused, e.limit, now) : undefined;
      if (single) options.door?.block(`source:${source}`, single, message);
      return rateLimited(`${message} Retry in ${retryAfter} s.`, retryAfter);
    },
    async reserveFailure(ctx, account) {
      const none = { throttled: false, release: async () => {} };
      if (await store.marked(knownKey(ctx, account))) return none;
      const key = `auth:account:${hashed(account)}`;
      const now = Date.now();
      const refused = await store.take([{ key, amount: 1, limit: fairness.authPerAccountPerMinute, windowMs: WINDOW_MS }], now);
      if (refused) return { throttled: true, release: async () => {} };
      return { throttled: false, release: () => store.add(key, WINDOW_MS, now, -1) };
    },
    rememberSource: (ctx, account) => store.mark(knownKey(ctx, account), KNOWN_SOURCE_TTL_MS),
    firstThrottle: (account) => firstOfWindow(`throttle:${account}`, WINDOW_MS),
  };
}
