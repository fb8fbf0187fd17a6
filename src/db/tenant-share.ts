// Each tenant's share of the application pool. Row-level security keeps tenants from each other's
// rows; this keeps them from each other's connections. Without it, one tenant's slow work (20
// concurrent 5-second statements) held the whole pool, and every other tenant's requests waited
// for a connection until they failed with SERVICE_UNAVAILABLE.
//
// Every tenant operation (a tenant client's Prisma operation, a withTenantTransaction, and so
// HTTP requests, WebSocket events and jobs alike: they all go through tenant.ts) first takes one
// of its tenant's `share` permits, and gives it back when it settles. Excess operations wait in
// the tenant's own FIFO queue, at most `queueMax` of them for at most `waitMs`; past either they
// fail with TenantBusyError, which the server answers as 429 RATE_LIMITED with Retry-After.
// Other tenants never wait in that queue: at most `share` connections of the pool are ever held
// by one tenant, so the rest stay free for the others.
//
// Permits are re-entrant: an operation started while its tenant already holds a permit in the
// same async context (a tenant client call inside a withTenantTransaction callback) runs on it,
// so a tenant whose every permit is taken can never wait on itself.
import { scopeSlot } from './async-scope';

export interface TenantShareOptions {
  /** Operations of one tenant that may hold a connection at once. */
  share: number;
  /** What the permits are of, for the refusal's message (default: this tenant's share of the database). */
  what?: string;
  /** Operations of one tenant that may wait for a permit; past it they are refused at once. */
  queueMax: number;
  /** How long one may wait. */
  waitMs: number;
}

/** A tenant has used its share of the pool and its queue: the client should retry later. */
export class TenantBusyError extends Error {
  constructor(
    readonly reason: 'queue_full' | 'queue_timeout',
    readonly retryAfterSeconds: number,
    what = "this tenant's share of the database",
  ) {
    super(
      reason === 'queue_full'
        ? `Too much work at once: ${what} is in use and its queue is full`
        : `Too much work at once: ${what} stayed in use`,
    );
    this.name = 'TenantBusyError';
  }
}

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

interface TenantState {
  active: number;
  queue: Waiter[];
}

/** The tenants whose permit the current async context holds (a slot of async-scope.ts). */
const held = scopeSlot<ReadonlySet<string>>('held');

export class TenantShare {
  private readonly tenants = new Map<string, TenantState>();
  /** Refusals since start, by reason (for metrics and the benchmark). */
  readonly refused = { queue_full: 0, queue_timeout: 0 };

  constructor(readonly options: TenantShareOptions) {}

  /** Operations of a tenant holding a permit now, and waiting for one. */
  usage(creatorId: string): { active: number; waiting: number } {
    const state = this.tenants.get(creatorId);
    return { active: state?.active ?? 0, waiting: state?.queue.length ?? 0 };
  }

  /** Runs `operation` on one of the tenant's permits, waiting for one if need be. */
  run<T>(creatorId: string, operation: () => Promise<T>): Promise<T> {
    const mine = held.getStore();
    if (mine?.has(creatorId)) return operation();
    let state = this.tenants.get(creatorId);
    if (!state) this.tenants.set(creatorId, (state = { active: 0, queue: [] }));
    const inside = new Set(mine ?? []).add(creatorId);
    const start = () => held.run(inside, operation).finally(() => this.release(creatorId));
    // The common case, without a queue: no promise of our own, no timer.
    if (state.active < this.options.share && state.queue.length === 0) {
      state.active++;
      return start();
    }
    if (state.queue.length >= this.options.queueMax) {
      this.refused.queue_full++;
      return Promise.reject(new TenantBusyError('queue_full', this.retryAfter(), this.options.what));
    }
    const queue = state.queue;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          const at = queue.indexOf(waiter);
          if (at !== -1) queue.splice(at, 1);
          this.refused.queue_timeout++;
          reject(new TenantBusyError('queue_timeout', this.retryAfter(), this.options.what));
        }, this.options.waitMs),
      };
      queue.push(waiter);
    }).then(start);
  }

  private retryAfter(): number {
    return Math.max(1, Math.ceil(this.options.waitMs / 1000));
  }

  private release(creatorId: string): void {
    const state = this.tenants.get(creatorId);
    if (!state) return;
    const next = state.queue.shift();
    // The permit passes straight to the next waiter: `active` stays as it is.
    if (next) return next.grant();
    state.active--;
    if (state.active === 0) this.tenants.delete(creatorId);
  }
}
