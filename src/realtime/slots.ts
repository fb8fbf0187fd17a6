// Caps on open subscriptions, so that no socket and no tenant can hold an unbounded number of
// live operations on an instance (each one keeps a listener, a queue and, per burst of changes,
// work in the database):
//
// * per socket: MAX_SUBSCRIPTIONS_PER_SOCKET (config.fairness.maxSubscriptionsPerSocket);
// * per tenant on this instance: its plan's `subscriptions` (app.plan_limit), or
//   MAX_SUBSCRIPTIONS_PER_TENANT when the plan gives none.
//
// A subscription past a cap is refused before it starts, with QUOTA_EXCEEDED naming the cap
// (`quota`, `max`); the others keep running. A slot is taken synchronously after the last await,
// so concurrent subscribes cannot pass a cap together, and given back when the operation
// completes (by the client, the server or an error) or its socket closes.
import { tenantOf } from '../auth/viewer';
import { boundedCache } from '../cache';
import { tenantClient } from '../db/tenant';
import { SubscriptionLimitError } from '../graphql/errors';
import type { Context } from '../graphql/context';

/** How long a creator's plan cap is cached: a plan change takes effect within this. */
const PLAN_TTL_MS = 60_000;

export interface SubscriptionSlotOptions {
  perSocket: number;
  /** For a tenant whose plan gives no number. */
  perTenant: number;
}

export interface SubscriptionSlots {
  /** Takes a slot on `socket` for operation `id`; the refusal if a cap is reached. */
  take(socket: object, id: string, ctx: Context): Promise<SubscriptionLimitError | undefined>;
  /** Gives back the slot of an operation that ended (no-op if it held none). */
  release(socket: object, id: string): void;
  /** Gives back every slot of a closed socket. */
  releaseAll(socket: object): void;
  /** Slots a tenant holds on this instance. */
  heldBy(creatorId: string): number;
}

export function createSubscriptionSlots(options: SubscriptionSlotOptions): SubscriptionSlots {
  /** Per socket: operation id -> the tenant it counts against (null: none). */
  const bySocket = new WeakMap<object, Map<string, string | null>>();
  const byTenant = new Map<string, number>();
  // Bounded (least recently used first). A stale entry is still served while one lookup
  // refreshes it, so freshness (`expires`) is the entry's own, not the cache's TTL.
  const plans = boundedCache<string, { max: number | null; expires: number }>({ max: 10_000 });
  const reading = new Map<string, Promise<number | null>>();

  /**
   * A creator's plan cap: fresh from the cache, or stale while one lookup refreshes it; with
   * nothing cached, concurrent subscribes wait for one lookup. A database that does not answer
   * leaves the last known cap (or the configured one).
   */
  function planCap(ctx: Context, creatorId: string): Promise<number | null> {
    const cached = plans.get(creatorId);
    if (cached && cached.expires > Date.now()) return Promise.resolve(cached.max);
    let lookup = reading.get(creatorId);
    if (!lookup) {
      lookup = tenantClient(ctx.db.app, creatorId).$queryRaw<
        { max: bigint | null }[]
      >`SELECT app.plan_limit(${creatorId}::uuid, 'subscriptions') AS max`
        .then(([row]) => {
          const max = row?.max == null ? null : Number(row.max);
          plans.set(creatorId, { max, expires: Date.now() + PLAN_TTL_MS });
          return max;
        })
        .catch((error: Error) => {
          ctx.log.warn({ err: error.message }, 'could not read the plan subscription cap');
          return cached?.max ?? null;
        })
        .finally(() => reading.delete(creatorId));
      reading.set(creatorId, lookup);
    }
    return cached ? Promise.resolve(cached.max) : lookup;
  }

  return {
    async take(socket, id, ctx) {
      const creatorId = tenantOf(ctx.viewer) ?? null;
      const tenantMax = creatorId ? ((await planCap(ctx, creatorId)) ?? options.perTenant) : Infinity;
      // From here on, no await: check and take are one step.
      let held = bySocket.get(socket);
      if (!held) bySocket.set(socket, (held = new Map<string, string | null>()));
      if (held.size >= options.perSocket)
        return new SubscriptionLimitError('subscriptions_per_socket', options.perSocket);
      if (creatorId && (byTenant.get(creatorId) ?? 0) >= tenantMax)
        return new SubscriptionLimitError('subscriptions', tenantMax);
      held.set(id, creatorId);
      if (creatorId) byTenant.set(creatorId, (byTenant.get(creatorId) ?? 0) + 1);
      return undefined;
    },
    release(socket, id) {
      const held = bySocket.get(socket);
      if (!held?.has(id)) return;
      const creatorId = held.get(id)!;
      held.delete(id);
      if (!creatorId) return;
      const n = (byTenant.get(creatorId) ?? 1) - 1;
      if (n > 0) byTenant.set(creatorId, n);
      else byTenant.delete(creatorId);
    },
    releaseAll(socket) {
      for (const id of [...(bySocket.get(socket)?.keys() ?? [])]) this.release(socket, id);
    },
    heldBy: (creatorId) => byTenant.get(creatorId) ?? 0,
  };
}
