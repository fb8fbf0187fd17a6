// The automatic-persisted-query store for first-party clients: a bounded in-memory LRU, backed
// by Redis when REDIS_URL is set so that a query registered on one instance is found on all.
// Redis trouble never fails a request: a miss only makes the client send the query text again.
import { InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import crypto from 'node:crypto';
import Redis from 'ioredis';
import type { Logger } from '../../logger';

/** Bytes of query text held in memory per instance (about 4,000 typical operations). */
export const APQ_MEMORY_BYTES = 8 * 1024 * 1024;
/** How long a registered query lives in Redis without being registered again. */
const REDIS_TTL_SECONDS = 24 * 3600;
/** A Redis that accepts connections but does not answer must not hold requests up. */
const REDIS_COMMAND_TIMEOUT_MS = 100;
const REDIS_PREFIX = 'creatorgraph:apq:';

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export interface ApqCache {
  cache: KeyValueCache<string>;
  close(): Promise<void>;
}

export function createApqCache(options: { redisUrl?: string; log: Logger }): ApqCache {
  const memory = new InMemoryLRUCache<string>({
    maxSize: APQ_MEMORY_BYTES,
    sizeCalculation: (value) => Buffer.byteLength(value) + 64,
  });
  if (!options.redisUrl) return { cache: memory, close: async () => {} };

  const log = options.log.child({ component: 'apq-redis' });
  // No offline queue and one attempt per command: while Redis is away, calls fail at once
  // instead of piling up behind the reconnect.
  const redis = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    lazyConnect: false,
  });
  let warned = false;
  redis.on('error', (error: Error) => {
    if (!warned)
      log.warn({ err: error.message }, 'Redis unavailable: persisted queries are cached per instance until it returns');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) log.info('Redis reachable again');
    warned = false;
  });

  const cache: KeyValueCache<string> = {
    async get(key) {
      const local = await memory.get(key);
      if (local !== undefined) return local;
      try {
        const shared = await redis.get(REDIS_PREFIX + key);
        if (shared === null) return undefined;
        // Apollo keys the store by the query's sha256: whatever Redis holds must hash to it, so
        // that a writable Redis cannot make clients run an operation they did not send.
        if (!key.endsWith(sha256(shared))) {
          log.warn({ key }, 'Redis returned a persisted query that does not match its hash: ignored');
          return undefined;
        }
        await memory.set(key, shared);
        return shared;
      } catch {
        return undefined;
      }
    },
    async set(key, value, setOptions?: KeyValueCacheSetOptions) {
      await memory.set(key, value);
      const ttl = setOptions?.ttl ?? REDIS_TTL_SECONDS;
      try {
        await redis.set(REDIS_PREFIX + key, value, 'EX', Math.max(1, Math.round(ttl)));
      } catch {
        // The local copy still serves this instance.
      }
    },
    async delete(key) {
      await memory.delete(key);
      try {
        await redis.del(REDIS_PREFIX + key);
      } catch {
        // ignore
      }
    },
  };
  return {
    cache,
    async close() {
      redis.disconnect();
    },
  };
}
