// Prometheus metrics (GET /metrics). One registry per app, so that several servers in one
// process (the tests) do not share counters.
//
// Operation names are client-chosen: as labels they could fill the label budget, and show one
// tenant's names to whoever scrapes. So the `operation` label is a name the server knows (the
// partner manifest and the first-party documents under operations/), "other" for any other
// name, and "anonymous" for none. The request log keeps the name as sent (request-log.ts).
//
// Who may scrape (config.metrics): anyone on the API port outside production with nothing set;
// with METRICS_TOKEN, `Authorization: Bearer <token>`; with METRICS_PORT, a listener of its own
// (serveMetrics). In production with neither, nobody on the API port.
import { listenError } from './preflight';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsConfig } from '../config';
import type { Logger } from '../logger';
import type { Hub } from '../realtime/hub';
import { failed, send, sendError } from './respond';

export interface Metrics {
  registry: Registry;
  /** Where the open-subscriptions gauge reads from (the WebSocket server, once it exists). */
  countSubscriptionsWith(source: () => { sockets: number; operations: number }): void;
  observeRequest(operationName: string | null, outcome: string, seconds: number): void;
  /** A request refused by a rate: the tenant's, an API key's, or at the door (refusals.ts) for a client already refused. */
  rateLimited(scope: 'tenant' | 'api_key' | 'door'): void;
}

/** `knownOperations`: the only names the operation label may take. */
export function createMetrics(deps: {
  pools: Record<string, pg.Pool>;
  hub: Hub;
  knownOperations: Iterable<string>;
}): Metrics {
  const registry = new Registry();
  // prom-client already names these process_* and nodejs_*: the prefix is ours alone.
  collectDefaultMetrics({ register: registry, prefix: 'creatorgraph_' });
  const requests = new Counter({
    name: 'creatorgraph_graphql_requests_total',
    help: 'GraphQL operations (HTTP requests and WebSocket operations), by operation name and outcome.',
    labelNames: ['operation', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'creatorgraph_graphql_request_duration_seconds',
    help: 'GraphQL operation latency (HTTP, and WebSocket until the operation ends), by operation name and outcome.',
    labelNames: ['operation', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const limited = new Counter({
    name: 'creatorgraph_rate_limited_total',
    help: 'Requests refused by a rate limit.',
    labelNames: ['scope'],
    registers: [registry],
  });
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

  const known = new Set(deps.knownOperations);
  const label = (name: string | null) => (!name ? 'anonymous' : known.has(name) ? name : 'other');
  // Each (operation, outcome)'s series, looked up once: prom-client hashes a labels object on
  // every inc/observe otherwise. Bounded: the known operations, 'anonymous' and 'other', times
  // the outcomes.
  const series = new Map<string, { count: { inc(): void }; time: { observe(value: number): void } }>();
  const seriesOf = (operation: string, outcome: string) => {
    const key = `${operation}\u0000${outcome}`;
    let found = series.get(key);
    if (!found) {
      const labels = { operation, outcome };
      series.set(key, (found = { count: requests.labels(labels), time: latency.labels(labels) }));
    }
    return found;
  };
  return {
    registry,
    countSubscriptionsWith(source) {
      subscriptions = source;
    },
    observeRequest(operationName, outcome, seconds) {
      const { count, time } = seriesOf(label(operationName), outcome);
      count.inc();
      time.observe(seconds);
    },
    rateLimited(scope) {
      limited.inc({ scope });
    },
  };
}

/** Whether a request carries the metrics token (compared in constant time, via equal-length digests). */
function hasToken(req: http.IncomingMessage, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!match) return false;
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(match[1]!), digest(token));
}

/**
 * GET /metrics, for the API port (`onApiPort`) or the metrics listener. Refused without the token
 * with 401 and WWW-Authenticate (a scraper configured without it should say so plainly; that the
 * route exists is in the README anyway); not served at all (404) on the API port when the
 * metrics have a port of their own, or in production with neither setting.
 */
export function metricsHandler(
  metrics: Metrics,
  config: MetricsConfig,
  onApiPort: boolean,
): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const served = onApiPort ? config.openOnApiPort || config.token !== undefined : true;
  return async (req, res) => {
    if (!served) return sendError(res, 404, 'NOT_FOUND', 'Not found: GraphQL is at /graphql');
    if (config.token !== undefined && !hasToken(req, config.token)) {
      return sendError(res, 401, 'UNAUTHENTICATED', 'The metrics need Authorization: Bearer <METRICS_TOKEN>', {
        'www-authenticate': 'Bearer realm="metrics"',
      });
    }
    send(res, 200, await metrics.registry.metrics(), {}, metrics.registry.contentType);
  };
}

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/** METRICS_PORT: a listener on METRICS_HOST that serves GET /metrics and nothing else. */
export async function serveMetrics(
  metrics: Metrics,
  config: MetricsConfig & { port: number },
  log: Logger,
): Promise<MetricsListener> {
  const handle = metricsHandler(metrics, config, false);
  const server = http.createServer((req, res) => {
    // Matched as the API port's router does: no query string or trailing slash, any case.
    const path = ((req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/').toLowerCase();
    if (path !== '/metrics') return sendError(res, 404, 'NOT_FOUND', 'Not found: this listener serves /metrics only');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', '/metrics answers GET only', { allow: 'GET, HEAD' });
    handle(req, res).catch((error: unknown) => failed(res, log, error, path));
  });
  await new Promise<void>((resolve, reject) => {
    // Taken between the preflight check and now: the same one line as the check's.
    server.once('error', (error) =>
      reject(listenError(error, config.host, config.port, 'METRICS_HOST', 'METRICS_PORT')),
    );
    server.listen(config.port, config.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    // A scrape is cheap and retried on the next interval: connections are not drained.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
