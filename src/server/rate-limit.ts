// The server's rate limits, one file each in rate-limit/: the store's contract and the sliding
// window (store.ts), the in-memory and Redis stores, the root fields that count as requests
// (operation-fields.ts), the plan's rates per tenant and API key (tenant-limiter.ts) and the
// limits of the calls anyone can make (auth-guard.ts). This entry names what the rest of the
// server uses, so that its callers need not know the layout.
export { createAuthGuard } from './rate-limit/auth-guard';
export { MemoryRateStore } from './rate-limit/memory-store';
export { rootFieldsOf } from './rate-limit/operation-fields';
export { createRateStore, RedisRateStore } from './rate-limit/redis-store';
export type { RateStore } from './rate-limit/store';
export { createTenantRateLimiter, type TenantRateLimiter } from './rate-limit/tenant-limiter';
