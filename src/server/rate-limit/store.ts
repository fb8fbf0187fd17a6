// The rate store's contract and the sliding window's arithmetic, shared by the stores
// (memory-store.ts, redis-store.ts) and the limiters (tenant-limiter.ts, auth-guard.ts).
//
// A sliding window: this window's count plus the share of the previous window's still inside it.
// Check and add are one atomic step (RateStore.take): with several keys (tenant and API key;
// requests and cost; per-minute and per-hour), either all of them fit and each is added to, or
// the request is refused and none is: refused requests do not count.
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

export const WINDOW_MS = 60_000;

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
export const weightOf = (windowMs: number, now: number) => 1 - (now % windowMs) / windowMs;

/** A refusal: HTTP 429 with Retry-After (over HTTP), code RATE_LIMITED, and when to retry. */
export function rateLimited(message: string, retryAfter: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    },
  });
}

/**
 * When `amount` more would fit: as last window's share slides out of the window (this window),
 * or once this window's count has itself become "last window" and slid out far enough.
 */
export function retryAfterMs(
  counts: RateCounts,
  amount: number,
  limit: number,
  now: number,
  windowMs = WINDOW_MS,
): number {
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

/** The sliding count of a minute window now. */
export function estimate(counts: RateCounts, now: number): number {
  return counts.current + counts.previous * weightOf(WINDOW_MS, now);
}

/**
 * How long even a single request of a key refused in this minute window must wait, in seconds;
 * none if one would fit now (the refused request asked for more). The door (refusals.ts) refuses
 * the key's requests for that long.
 */
export function singleRetryAfter(counts: RateCounts, limit: number, now: number): number | undefined {
  if (estimate(counts, now) + 1 <= limit) return undefined;
  return Math.max(1, Math.ceil(retryAfterMs(counts, 1, limit, now) / 1000));
}
