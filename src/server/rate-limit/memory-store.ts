// The rate store of one instance: counts in memory, checked and added in one synchronous section.
import { boundedCache } from '../../cache';
import { weightOf, type RateEntry, type RateRefusal, type RateStore } from './store';

export class MemoryRateStore implements RateStore {
  /**
   * Hand-written, not a boundedCache: a counter store, where forgetting a live entry would let
   * its key start again from nothing. Entries go only once their own window has expired (minutes
   * and hours share the map), in a sweep.
   */
  private readonly counts = new Map<string, { window: number; windowMs: number; current: number; previous: number }>();
  /** Each mark expires by its own ttl; past 100,000 the least recently used goes. */
  private readonly marks = boundedCache<string, true>({ max: 100_000 });
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
      if (e.current + e.previous * weightOf(x.windowMs, now) + x.amount > x.limit)
        return { index: i, current: e.current, previous: e.previous };
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
    this.marks.set(key, true, { ttl: ttlMs });
  }

  async marked(key: string) {
    return this.marks.has(key);
  }

  async close() {}
}
