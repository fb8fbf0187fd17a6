// The one cache helper: bounded by `max` (least recently used goes first), entries expire by their
// time to live on Date.now's clock, and nothing runs on a timer.
import { boundedCache, firstInWindow, memo } from '../src/cache';

afterEach(() => jest.restoreAllMocks());

function clockAt(start: number): { advance(ms: number): void } {
  let now = start;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  return { advance: (ms) => void (now += ms) };
}

test('keeps at most max entries, forgetting the least recently used', () => {
  const cache = boundedCache<string, number>({ max: 3 });
  for (const [i, key] of ['a', 'b', 'c'].entries()) cache.set(key, i);
  expect(cache.get('a')).toBe(0); // a is now the most recently used: b is the oldest
  cache.set('d', 3);
  expect(cache.size).toBe(3);
  expect([...cache.keys()].sort()).toEqual(['a', 'c', 'd']);
});

test('an entry lives for the default ttlMs, then is gone when read', () => {
  const clock = clockAt(1_000_000);
  const cache = boundedCache<string, string>({ max: 10, ttlMs: 60_000 });
  cache.set('k', 'v');
  clock.advance(60_000);
  expect(cache.get('k')).toBe('v');
  clock.advance(1);
  expect(cache.has('k')).toBe(false);
  expect(cache.get('k')).toBeUndefined();
});

test('a per-entry ttl works without a default one, and starts no timer', () => {
  const clock = clockAt(5_000_000);
  const timers = jest.spyOn(global, 'setTimeout');
  const cache = boundedCache<string, boolean>({ max: 10 });
  cache.set('short', true, { ttl: 1_000 });
  cache.set('forever', true);
  expect(cache.has('short')).toBe(true);
  clock.advance(1_001);
  expect(cache.has('short')).toBe(false);
  expect(cache.has('forever')).toBe(true);
  expect(timers).not.toHaveBeenCalled();
});

test('memo makes a value once and serves it after', () => {
  const cache = boundedCache<string, object>({ max: 10 });
  const make = jest.fn(() => ({}));
  const first = memo(cache, 'k', make);
  expect(memo(cache, 'k', make)).toBe(first);
  expect(make).toHaveBeenCalledTimes(1);
});

test('firstInWindow is true once per key and window', () => {
  const cache = boundedCache<string, number>({ max: 10 });
  const minute = 60_000;
  const start = 100 * minute;
  expect(firstInWindow(cache, 'a', minute, start)).toBe(true);
  expect(firstInWindow(cache, 'a', minute, start + minute - 1)).toBe(false);
  expect(firstInWindow(cache, 'b', minute, start + 1)).toBe(true);
  expect(firstInWindow(cache, 'a', minute, start + minute)).toBe(true);
  const clock = clockAt(start + 5 * minute);
  expect(firstInWindow(cache, 'a', minute)).toBe(true); // the default clock is Date.now
  clock.advance(1);
  expect(firstInWindow(cache, 'a', minute)).toBe(false);
});
