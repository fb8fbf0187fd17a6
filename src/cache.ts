// Every bounded in-memory cache of the process is one of these: an LRU (lru-cache) with an optional
// time to live. A few of them are the difference between a request's CPU and its database round
// trips (tenant clients, statement names, verified tokens, derived cursor keys); the rest remember
// that something happened recently (a refusal, a key's last use, a first event of a window).
//
// Why LRU: a process that serves many tenants must not grow without limit, and what to forget first
// is what was used least recently. The hand-written bounds this replaces forgot everything at once
// when full (a flood of new keys evicted every hot entry with them) or the oldest insertion (the
// busiest entry first).
// Why TTL: an entry that is true only for a while (a block until its Retry-After, a mark for 30 days,
// a key touched this minute) expires by itself, checked when it is read, so no sweep is written.
// No timers: ttlAutopurge is off and ttlResolution is 0, so nothing here keeps the process (or jest)
// alive; an expired entry is dropped when read or when the bound evicts it. The clock is Date.now,
// as everywhere else in the code (a test moves it with jest.spyOn(Date, 'now')).
import { LRUCache } from 'lru-cache';

export type { LRUCache };

export interface BoundedCacheOptions {
  /** Entries kept at most; past it the least recently used goes. */
  max: number;
  /** Default time to live of an entry (milliseconds); `set(key, value, { ttl })` sets one per entry. */
  ttlMs?: number;
  /** A bound on the entries' total size as `sizeOf` measures it, besides their number. */
  maxSize?: number;
  sizeOf?: (value: unknown, key: unknown) => number;
}

const clock = { now: () => Date.now() };

export function boundedCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(
  options: BoundedCacheOptions,
): LRUCache<K, V> {
  return new LRUCache<K, V>({
    max: options.max,
    ttl: options.ttlMs ?? 0,
    ttlAutopurge: false,
    ttlResolution: 0,
    perf: clock,
    ...(options.maxSize
      ? { maxSize: options.maxSize, sizeCalculation: (value: V, key: K) => options.sizeOf!(value, key) }
      : {}),
  });
}

/** The cached value of `key`, made (and kept) on first use. */
export function memo<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(
  cache: LRUCache<K, V>,
  key: K,
  make: () => V,
): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/**
 * True the first time `key` is seen in its window of `windowMs` (windows are aligned to the epoch),
 * false for every later call in the same window: one event per key and window, such as the security
 * event at the start of a burst of refusals.
 */
export function firstInWindow(
  cache: LRUCache<string, number>,
  key: string,
  windowMs: number,
  now = Date.now(),
): boolean {
  const window = Math.floor(now / windowMs);
  if (cache.get(key) === window) return false;
  cache.set(key, window);
  return true;
}
