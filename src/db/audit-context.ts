// Who is changing data, for the audit trail. A request runs inside this store (HTTP: a
// middleware around everything; WebSocket: around each operation's execution); the tenant
// client sets it, transaction-local and in the same statement as the tenant, so the audit
// triggers in the database can record the actor and request id of every change. Writers
// outside a request (jobs, the seed, psql) are recorded as "system". The store is the `audit` slot
// of the server's one async store (async-scope.ts).
import { scopeSlot } from './async-scope';

export interface AuditActor {
  actorType: 'creator' | 'admin' | 'partner' | 'system';
  actorId: string | null;
  requestId: string | null;
  /** Why, when an admin acts on a creator. */
  reason: string | null;
}

// setAuditActor fills the record in place: scopes entered inside the request (the wire scope, the
// tenant share) copy this slot as the same object, so they see what the context sets later.
const store = scopeSlot<Partial<AuditActor>>('audit');

/** Runs `fn` with an empty actor record that the request's context fills in. */
export function runWithAuditContext<T>(fn: () => T, initial: Partial<AuditActor> = {}): T {
  return store.run({ ...initial }, fn);
}

/** Records the actor of the current request (no-op outside one). */
export function setAuditActor(actor: AuditActor): void {
  const current = store.getStore();
  if (current) Object.assign(current, actor);
}

export function currentAuditActor(): AuditActor {
  const current = store.getStore();
  return {
    actorType: current?.actorType ?? 'system',
    actorId: current?.actorId ?? null,
    requestId: current?.requestId ?? null,
    reason: current?.reason ?? null,
  };
}
