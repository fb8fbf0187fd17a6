// Prometheus metrics (GET /metrics). One registry per app, so that several servers in one
// process (the tests) do not share counters. Operation names are client-chosen, so the label is
// bounded: well-formed names only, at most MAX_OPERATIONS distinct ones, the rest as "other".
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Hub } from '../realtime/hub';

const MAX_OPERATIONS = 500;
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export interface Metrics {
  registry: Registry;
  /** Where the open-subscriptions gauge reads from (the WebSocket server, once it exists). */
  countSubscriptionsWith(source: () => { sockets: number; operations: number }): void;
  observeRequest(operationName: string | null, outcome: string, seconds: number): void;
  /** A request refused by a rate: the tenant's, an API key's, or at the door (refusals.ts) for a client already refused. */
  rateLimited(scope: 'tenant' | 'api_key' | 'door'): void;
}

export function createMetrics(deps: { pools: Record<string, pg.Pool>; hub: Hub }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'creatorgraph_process_' });
  const requests = new Counter({ name: 'creatorgraph_graphql_requests_total', help: 'GraphQL operations (HTTP requests and WebSocket operations), by operation name and outcome.', labelNames: ['operation', 'outcome'], registers: [registry] });
  const latency = new Histogram({
    name: 'creatorgraph_graphql_request_duration_seconds',
    help: 'GraphQL operation latency (HTTP, and WebSocket until the operation ends), by operation name and outcome.',
    labelNames: ['operation', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const limited = new Counter({ name: 'creatorgraph_rate_limited_total', help: 'Requests refused by a rate limit.', labelNames: ['scope'], registers: [registry] });
  new Gauge({
    name: 'creatorgraph_db_pool_connections',
    help: 'Database pool connections by pool and state (total, idle, waiting clients).',
    labelNames: ['pool', 'state'],
    registers: [registry],
    collect() {
      for (const [pool, p] of Object.entries(deps.pools)) {
        this.set({ pool, state: 'total' }, p.totalCount);
        this.set({ pool, state: 'idle' }, p.idleCount);
        this.set({ pool, state: 'waiting' }, p.waitingCount);
      }
    },
  });
  new Gauge({
    name: 'creatorgraph_subscription_listeners',
    help: 'Live change listeners on this instance (open subscriptions and socket session watchers).',
    registers: [registry],
    collect() {
      this.set(deps.hub.subscriberCount);
    },
  });
  new Counter({
    name: 'creatorgraph_events_fanned_out_total',
    help: 'Change events handed to subscribers on this instance.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(deps.hub.fanOut);
    },
  });

  let subscriptions: () => { sockets: number; operations: number } = () => ({ sockets: 0, operations: 0 });
  new Gauge({
    name: 'creatorgraph_open_subscriptions',
    help: 'Operations running over WebSockets (subscriptions), and the sockets they run on.',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const now = subscriptions();
      this.set({ kind: 'operations' }, now.operations);
      this.set({ kind: 'sockets' }, now.sockets);
    },
  });

  const seen = new Set<string>();
  const label = (name: string | null) => {
    if (!name || !NAME.test(name)) return 'anonymous';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATIONS) return 'other';
    seen.add(name);
    return name;
  };
  return {
    registry,
    countSubscriptionsWith(source) {
      subscriptions = source;
    },
    observeRequest(operationName, outcome, seconds) {
      const labels = { operation: label(operationName), outcome };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    rateLimited(scope) {
      limited.inc({ scope });
    },
  };
}
