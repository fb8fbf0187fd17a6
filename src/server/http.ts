// Apollo Server 5 on Express 5 on a plain http.Server (which the WebSocket server will share).
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Database } from '../db/database';
import type { Context, CredentialInput } from './context';
import { healthz, readyz } from './health';
import { runWithAuditContext } from '../db/audit-context';
import { createDrainer, type Drainer } from './drain';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { costPlugin } from './plugins/cost';
import { formatError, maskingPlugin } from './plugins/masking';
import { limitRules, type QueryLimits } from './limits';
import { rateLimitPlugin, type TenantRateLimiter } from './rate-limit';
import type { Metrics } from './metrics';
import { requestLogPlugin } from './plugins/request-log';
import type { ApqCache } from './persisted/apq-cache';
import { BODY_LIMIT_BYTES, bodyErrors, partnerAuthentication, partnerOf, persistedOperationGate } from './persisted/gate';
import type { OperationManifest } from './persisted/manifest';
import type { ApiKeyAuthenticator } from '../auth/partner-auth';
import type { UsageRecorder } from './usage-log';

function header(req: express.Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export interface HttpServerOptions {
  schema: GraphQLSchema;
  limits: QueryLimits;
  buildContext: (input: CredentialInput) => Promise<Context>;
  db: Database;
  production: boolean;
  /** Partner safelist, key check and usage log, and the first-party APQ store. */
  persisted: { manifest: OperationManifest; authenticate: ApiKeyAuthenticator; usage: UsageRecorder; apq: ApqCache };
  metrics: Metrics;
  /** Absent when RATE_LIMITS=off. */
  rateLimiter?: TenantRateLimiter;
  resolverBudgetMs: number;
}

export interface HttpServer {
  app: express.Express;
  server: http.Server;
  apollo: ApolloServer<Context>;
  /** Stops accepting and waits for the requests in flight (see drain.ts). */
  drainer: Drainer;
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);
  const drainer = createDrainer(server);

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
    plugins: [ApolloServerPluginCacheControlDisabled(), requestLogPlugin(options.metrics), maskingPlugin(), ...(options.rateLimiter ? [rateLimitPlugin(options.rateLimiter, options.limits.maxCost)] : []), costPlugin(options.schema, options.limits)],
  });
  await apollo.start();

  app.get('/healthz', healthz);
  app.get('/readyz', readyz(options.db));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  app.use(
    '/graphql',
    // Everything below runs in the request's audit context (filled by the context factory).
    (_req, _res, next) => runWithAuditContext(next),
    partnerAuthentication(options.persisted),
    express.json({ limit: BODY_LIMIT_BYTES }),
    persistedOperationGate(options.persisted),
    expressMiddleware(apollo, {
      context: async ({ req, res }) =>
        options.buildContext({
          partner: partnerOf(res)?.viewer,
          budgetMs: options.resolverBudgetMs,
          authorization: req.headers.authorization,
          requestId: header(req, 'x-request-id'),
          actAsCreator: header(req, 'x-act-as-creator'),
          adminReason: header(req, 'x-admin-reason'),
          client: { ip: req.socket.remoteAddress, userAgent: header(req, 'user-agent')?.slice(0, 500) },
        }),
    }),
  );
  app.use('/graphql', bodyErrors);
  return { app, server, apollo, drainer };
}
