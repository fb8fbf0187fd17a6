// What the resolvers reach through the request context and server/ or realtime/ provide:
// interfaces only (and the one signal value of the change feed), so that the graph layer never
// imports a transport. server/rate-limit.ts, server/persisted/manifest.ts and realtime/hub.ts
// implement them.

// --- Live changes (realtime/hub.ts) --------------------------------------------------------

/** A row changed: the payload of app.notify_change(), as realtime/listener.ts parses it. */
export interface ChangeEvent {
  creatorId: string;
  /** The table that changed. */
  entity: string;
  op: 'insert' | 'update' | 'delete';
  id: string;
  /** The parent subscriptions filter on (program, conversation, metric type, badge). */
  parent: string | null;
}

/** Sent to every subscriber after the listener reconnected: events may have been missed. */
export const RESYNC = Symbol('resync');
export type ChangeMessage = ChangeEvent | typeof RESYNC;

/** The change events of one tenant, for its subscriptions. */
export interface ChangeFeed {
  /** Calls `listener` with each change of `creatorId` (and RESYNC) until the returned function is called. */
  subscribe(creatorId: string, listener: (message: ChangeMessage) => void): () => void;
}

// --- Persisted operations (server/persisted/manifest.ts) ----------------------------------

export type OperationType = 'query' | 'mutation' | 'subscription';

export interface PersistedOperation {
  hash: string;
  name: string;
  type: OperationType;
  document: string;
}

/** The partner operations (persisted, by hash). */
export interface OperationManifest {
  byHash: ReadonlyMap<string, PersistedOperation>;
  byName: ReadonlyMap<string, PersistedOperation>;
}

// --- Tenant rates (server/rate-limit.ts) --------------------------------------------------

export interface RateLimits {
  requestsPerMinute: number;
  costPerMinute: number;
}

export interface RateUsage {
  requests: number;
  cost: number;
  limits: RateLimits;
}
