// Apollo Server 5 on a plain node:http server (which the WebSocket server shares): /graphql
// (graphql-endpoint.ts), the probes and the metrics. No web framework: these four routes are all
// there is, and Express's layers cost more per request than Apollo's pipeline (bench/NOTES.md).
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { MetricsConfig } from '../config';
import type { FairnessConfig } from '../config/fairness';
import type { Context } from '../graphql/context';
import { installApolloFastPaths } from './apollo-fast-paths';
import type { CredentialInput } from './context';
import { healthz, readyz, type ProbeResult } from './health';
import { createDrainer, type Drainer } from './drain';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { costPlugin } from './plugins/cost';
import { formatError, maskingPlugin } from './plugins/masking';
import { limitRules } from './limits';
import type { QueryLimits } from '../config/limits';
import type { TenantRateLimiter } from './rate-limit';
import { metricsHandler, type Metrics } from './metrics';
import { requestLogPlugin } from './plugins/request-log';
import type { ApqCache } from './persisted/apq-cache';
import type { OperationManifest } from '../graphql/ports';
import type { ApiKeyAuthenticator } from '../auth/partner-auth';
import type { UsageRecorder } from './usage-log';
import { graphqlEndpoint } from './graphql-endpoint';
import type { RefusalDoor } from './refusals';
import { TenantShare } from '../db/tenant-share';
import { failed, send, sendError } from './respond';
import type { Cors } from './cors';
import type { BrowserPage } from './browser-pages';

export interface HttpServerOptions {
  schema: GraphQLSchema;
  limits: QueryLimits;
  buildContext: (input: CredentialInput) => Promise<Context>;
  db: Database;
  production: boolean;
  /** Partner safelist, key check and usage log, and the first-party APQ store. */
  persisted: { manifest: OperationManifest; authenticate: ApiKeyAuthenticator; usage: UsageRecorder; apq: ApqCache };
  metrics: Metrics;
  /** Who may read /metrics on this port (metrics.ts). */
  metricsAccess: MetricsConfig;
  /** Absent when RATE_LIMITS=off. */
  rateLimiter?: TenantRateLimiter;
  resolverBudgetMs: number;
  log: Logger;
  fairness: FairnessConfig;
  /** Refusals at the door (refusals.ts). */
  door?: { refusals: RefusalDoor; keysOf(req: http.IncomingMessage): string[] };
  /** CORS_ORIGINS (cors.ts). */
  cors: Cors;
  /** The explorer and the dashboard, when on (browser-pages.ts). */
  pages?: BrowserPage[];
}

/** Each client's turn at the endpoint (graphql-endpoint.ts). */
function admissionOf(fairness: FairnessConfig): TenantShare {
  return new TenantShare({
    share: fairness.requestConcurrency,
    queueMax: fairness.tenantQueueMax,
    waitMs: fairness.requestQueueWaitMs,
    what: "this client's turn (its requests being served)",
  });
}

export interface HttpServer {
  server: http.Server;
  apollo: ApolloServer<Context>;
  /** Stops accepting and waits for the requests in flight (see drain.ts). */
  drainer: Drainer;
}

const sendProbe = (res: http.ServerResponse, probe: ProbeResult) => send(res, probe.status, JSON.stringify(probe.body));

/**
 * The route of a request target, as Express matched it: without the query string, the
 * scheme and host of an absolute-form target (a proxy's), or a trailing slash, and in lower case.
 */
function pathOf(target: string): string {
  const q = target.indexOf('?');
  let path = q === -1 ? target : target.slice(0, q);
  if (!path.startsWith('/')) path = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return path.toLowerCase();
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  installApolloFastPaths();
  const apollo = new ApolloServer<Context>({
    schema: options.schema,
    introspection: !options.production,
    // With introspection off, errors must not describe the schema either ("Did you mean ...?").
    hideSchemaDetailsFromClientErrors: options.production,
    parseOptions: { maxTokens: options.limits.maxTokens },
    includeStacktraceInErrorResponses: false,
    formatError,
    // CSRF prevention on (Apollo's default), with X-Api-Key counted as a header that forces a
    // browser preflight, as it is: partners may use GET with only their key. No JSON array
    // batching.
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'x-api-key'] },
    // Automatic persisted queries for first-party clients (the gate keeps partners and anonymous
    // registrations out of it); a query stays until evicted from the bounded store.
    persistedQueries: { cache: options.persisted.apq.cache, ttl: null },
    allowBatchedHttpRequests: false,
    // main.ts owns shutdown (drain, pools, embedded database), in that order.
    stopOnTerminationSignals: false,
    validationRules: limitRules(options.limits),
    // Apollo installs its cache-control plugin unless told otherwise; it hooks every field
    // resolution (wrapping every resolver of the schema) to collect cache hints this API never
    // gives. Off: about 1 CPU-ms per nested request (bench/NOTES.md).
    // No Apollo landing page: its Sandbox loads from a CDN with telemetry. The explorer, when on,
    // is served by this server from its own files (explorer/).
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      requestLogPlugin(options.log, options.metrics),
      maskingPlugin(),
      costPlugin(options.schema, options.limits, options.rateLimiter),
    ],
  });
  await apollo.start();

  const graphql = graphqlEndpoint({
    apollo,
    buildContext: options.buildContext,
    persisted: options.persisted,
    resolverBudgetMs: options.resolverBudgetMs,
    trustProxyHops: options.fairness.trustProxyHops,
    door: options.door,
    admission: admissionOf(options.fairness),
  });
  const ready = readyz(options.db);
  const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>> = {
    '/healthz': async (_req, res) => sendProbe(res, healthz()),
    // Draining: no longer ready, so that load balancers stop sending (drain.ts).
    '/readyz': async (_req, res) =>
      sendProbe(res, drainer.stopping ? { status: 503, body: { status: 'draining' } } : await ready()),
    '/metrics': metricsHandler(options.metrics, options.metricsAccess, true),
  };

  const pages = options.pages ?? [];
  async function other(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    for (const page of pages) if (await page.serve(req, res, path)) return;
    if (path === '/graphql') return graphql(req, res);
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) return sendError(res, 404, 'NOT_FOUND', 'Not found: GraphQL is at /graphql');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', `${path} answers GET only`, { allow: 'GET, HEAD' });
    await route(req, res);
  }

  const server = http.createServer((req, res) => {
    const path = pathOf(req.url ?? '/');
    // While draining, the WebSocket server no longer takes upgrades: say so, rather than let a
    // handshake reach Apollo as a plain GET.
    if (drainer.stopping && req.headers.upgrade)
      return send(res, 503, JSON.stringify({ status: 'draining' }), { 'retry-after': '1' });
    // Preflights are answered before any rate, body or GraphQL work; every other answer to an
    // allowed origin carries its CORS headers, refusals (429, 413) included, so pages can read them.
    if (options.cors.preflight(req, res)) return;
    options.cors.decorate(req, res);
    // The API's own requests go straight to GraphQL; a browser's navigation may be the explorer's.
    (path === '/graphql' && !(pages.length > 0 && (req.method === 'GET' || req.method === 'HEAD'))
      ? graphql(req, res)
      : other(req, res, path)
    ).catch((error: unknown) => failed(res, options.log, error, path));
  });
  const drainer = createDrainer(server);
  return { server, apollo, drainer };
}
