// The rate store shared by every instance, when REDIS_URL is set: each take is one Lua script
// (EVALSHA through ioredis' defineCommand), which Redis runs alone. A Redis that does not answer
// falls back to this instance's counters: limits loosen, requests never fail for it.
import Redis from 'ioredis';
import type { Logger } from '../../logger';
import { MemoryRateStore } from './memory-store';
import { weightOf, type RateEntry, type RateStore } from './store';

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
      if (!warned)
        log.warn({ err: error.message }, 'Redis unavailable: rate limits count per instance until it returns');
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
      result = await (this.redis as unknown as { creatorgraphRateTake: TakeCommand }).creatorgraphRateTake(
        keys.length,
        ...keys,
        ...args,
      );
    } catch {
      return this.fallback.take(entries, now);
    }
    const [index, current, previous] = result.map(Number);
    return index ? { index: index - 1, current: current ?? 0, previous: previous ?? 0 } : undefined;
  }

  async add(key: string, windowMs: number, at: number, amount: number) {
    const k = this.key(key, windowMs, Math.floor(at / windowMs));
    try {
      await this.redis
        .multi()
        .incrby(k, amount)
        .pexpire(k, 3 * windowMs)
        .exec();
    } catch {
      await this.fallback.add(key, windowMs, at, amount);
    }
  }

  async peek(key: string, windowMs: number, now: number) {
    const window = Math.floor(now / windowMs);
    try {
      const [current, previous] = await this.redis.mget(
        this.key(key, windowMs, window),
        this.key(key, windowMs, window - 1),
      );
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
