// One AsyncLocalStorage for the whole server, with one slot per concern: the audit actor
// (audit-context.ts), the wire scope (tenant-wire.ts) and the tenant permits held (tenant-share.ts).
// Why one: Node 20's AsyncLocalStorage pays per enabled store on every promise created (its
// _propagate), and with three stores that was about 6-7% of the server's CPU under load
// (bench/NOTES.md, "Where A's own CPU goes now"). One store pays it once.
//
// Each slot behaves as its own store did: run() enters a NEW scope object that copies the current
// slots and replaces only its own, so an inner run never shows in the outer scope, siblings never
// see each other's values, and a slot another run did not replace is the same value (the same
// object) it was outside, as when a separate store's value was inherited. This module knows no
// slot's type (each owner names it), so it imports none of them.
import { AsyncLocalStorage } from 'node:async_hooks';

/** Every slot, always all present: one object shape for every scope. */
interface Slots {
  audit: unknown;
  wire: unknown;
  held: unknown;
}

export type SlotName = keyof Slots;

const storage = new AsyncLocalStorage<Slots>();

/** One concern's slot, with the run/exit/getStore of the AsyncLocalStorage it stands for. */
export interface ScopeSlot<T> {
  /** Runs `fn` with this slot set to `value` and the other slots as they are here. */
  run<R>(value: T, fn: () => R): R;
  /** Runs `fn` with this slot empty and the other slots as they are here. */
  exit<R>(fn: () => R): R;
  /** This slot's value in the current async context. */
  getStore(): T | undefined;
}

/** The slot `name`, holding values of type `T`. One owner per name. */
export function scopeSlot<T>(name: SlotName): ScopeSlot<T> {
  const enter = <R>(value: T | undefined, fn: () => R): R => {
    const current = storage.getStore();
    const next: Slots = { audit: current?.audit, wire: current?.wire, held: current?.held };
    next[name] = value;
    return storage.run(next, fn);
  };
  return {
    run: enter,
    exit: (fn) => enter(undefined, fn),
    getStore: () => storage.getStore()?.[name] as T | undefined,
  };
}
