// Apollo Server 5 on Express 5 on a plain http.Server (which the WebSocket server will share).
import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Database } from '../db/database';
import type { Context, CredentialInput } from './context';
import { healthz, readyz } from './health';
import { costPlugin } from './plugins/cost';
import { formatError, maskingPlugin } from './plugins/masking';
import { limitRules, type QueryLimits } from './limits';

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
}

export interface HttpServer {
  app: express.Express;
  server: http.Server;
  apollo: ApolloServer<Context>;
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = express();
  app.disable('x-powered-by');
  const server = http.createServer(app);

  const apollo = new ApolloServer<Context>({
    schema: options.schema,
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    formatError,
    // Apollo's defaults, stated so that a change is deliberate: CSRF prevention on, no JSON
    // array batching.
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // main.ts owns shutdown (drain, pools, embedded database), in that order.
    stopOnTerminationSignals: false,
    validationRules: limitRules(options.limits),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer: server }), maskingPlugin(), costPlugin(options.schema, options.limits)],
  });
  await apollo.start();

  app.get('/healthz', healthz);
  app.get('/readyz', readyz(options.db));
  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) =>
        options.buildContext({
          authorization: req.headers.authorization,
          requestId: header(req, 'x-request-id'),
          actAsCreator: header(req, 'x-act-as-creator'),
          adminReason: header(req, 'x-admin-reason'),
          client: { ip: req.socket.remoteAddress, userAgent: header(req, 'user-agent')?.slice(0, 500) },
        }),
    }),
  );
  return { app, server, apollo };
}
