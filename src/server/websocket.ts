// GraphQL subscriptions over WebSocket (graphql-ws, protocol graphql-transport-ws), on the
// same server and path as HTTP.
//
// * Who may open a socket, and how long it stays open, is websocket-session.ts.
// * Every operation gets its own context from the HTTP context factory, is validated with the
//   same rules as HTTP (introspection off in production), and its errors are masked the same way
//   (websocket-results.ts).
import type http from 'node:http';
import {
  execute,
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  parse,
  specifiedRules,
  subscribe,
  validate,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger';
import type { Context } from '../graphql/context';
import type { CredentialInput } from './context';
import { admitOperation } from './plugins/cost';
import { limitRules } from './limits';
import { costRefusal, operationCost } from './operation-cost';
import type { QueryLimits } from '../config/limits';
import type { TenantRateLimiter } from './rate-limit';
import { runWithAuditContext } from '../db/audit-context';
import { auditActorOf } from './context';
import type { Metrics } from './metrics';
import type { FairnessConfig } from '../config/fairness';
import { createSubscriptionSlots } from '../realtime/slots';
import { openSession, type SocketSession } from './websocket-session';
import { eventResult, operationErrors, parseFailure, validationFailures } from './websocket-results';
import { operationFinished, type OperationStart } from './websocket-operation-log';

export interface WebSocketOptions {
  server: http.Server;
  schema: GraphQLSchema;
  buildContext: (input: CredentialInput) => Promise<Context>;
  production: boolean;
  limits: QueryLimits;
  log: Logger;
  /** The tenant request rate, shared with HTTP. */
  rateLimiter?: TenantRateLimiter;
  metrics?: Metrics;
  resolverBudgetMs?: number;
  fairness: FairnessConfig;
  /** Whether a handshake's Origin may open a socket (cors.ts): browsers apply no CORS to WebSockets. */
  allowsUpgrade?: (req: http.IncomingMessage) => boolean;
}

type Extra = SocketSession & {
  /** Ids of the operations running on this connection (for the open-subscriptions metric). */
  operations?: Set<string>;
  /** When each operation started, for its log line and metrics. */
  started?: Map<string, OperationStart>;
};

export interface SubscriptionServer {
  /** Open sockets (for metrics and draining). */
  clients(): number;
  /** Operations (subscriptions, mostly) running over the sockets. */
  openOperations(): number;
  /** Closes every socket with 1001 (going away) and stops accepting. */
  close(): Promise<void>;
}

export function createSubscriptionServer(options: WebSocketOptions): SubscriptionServer {
  const allowsUpgrade = options.allowsUpgrade;
  const wss = new WebSocketServer({
    server: options.server,
    path: '/graphql',
    maxPayload: 1024 * 1024,
    // A page on an origin CORS_ORIGINS does not list gets 403 before the handshake.
    ...(allowsUpgrade
      ? {
          verifyClient: (
            info: { req: http.IncomingMessage },
            done: (ok: boolean, code?: number, message?: string) => void,
          ) => done(allowsUpgrade(info.req), 403, 'Origin not allowed (CORS_ORIGINS)'),
        }
      : {}),
  });
  // The same rules as HTTP: GraphQL's own, the limits, and no introspection in production.
  const rules = [
    ...specifiedRules,
    ...limitRules(options.limits),
    ...(options.production ? [NoSchemaIntrospectionCustomRule] : []),
  ];
  // Open subscriptions per socket and per tenant on this instance (src/realtime/slots.ts).
  const slots = createSubscriptionSlots({
    perSocket: options.fairness.maxSubscriptionsPerSocket,
    perTenant: options.fairness.maxSubscriptionsPerTenant,
  });

  let open = 0;
  // One log line and one metric per operation over the socket, as over HTTP, when it ends.
  const finished = (extra: Extra, id: string, outcome: 'ok' | 'error', errorCodes: string[] = []) =>
    operationFinished(extra.started, options.metrics, id, outcome, errorCodes);
  const disposable = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema: options.schema,
      // Each operation runs in its own audit context, filled from its context's viewer.
      execute: (args) => runWithAuditContext(() => execute(args), auditActorOf(args.contextValue as Context)),
      subscribe: (args) => runWithAuditContext(() => subscribe(args), auditActorOf(args.contextValue as Context)),
      onConnect: (ctx) =>
        openSession(ctx.connectionParams, ctx.extra, options.buildContext, options.fairness.trustProxyHops),
      onClose(ctx) {
        clearTimeout(ctx.extra.expiry);
        ctx.extra.unwatch?.();
        slots.releaseAll(ctx.extra);
        open -= ctx.extra.operations?.size ?? 0;
        ctx.extra.operations?.clear();
        ctx.extra.started?.clear();
      },
      onComplete(ctx, id) {
        slots.release(ctx.extra, id);
        if (ctx.extra.operations?.delete(id)) open -= 1;
        finished(ctx.extra, id, 'ok');
      },
      async onSubscribe(ctx, id, payload) {
        let document;
        try {
          document = parse(payload.query, { maxTokens: options.limits.maxTokens });
        } catch (error) {
          return [parseFailure(error)];
        }
        const errors = validate(options.schema, document, rules);
        if (errors.length > 0) return validationFailures(errors, options.production);
        const cost = operationCost(options.schema, document, payload.operationName, payload.variables ?? {});
        const tooCostly = costRefusal(cost, options.limits.maxCost);
        if (tooCostly) return [tooCostly];
        // A fresh context per operation, from the same factory as HTTP; the token is verified
        // again, so one that expired since the connection opened is refused.
        let contextValue: Context;
        try {
          // Queries and mutations over the socket get the same time budget as over HTTP;
          // subscription events do not (see time-budget.ts).
          const isSubscription =
            getOperationAST(document, payload.operationName)?.operation === OperationTypeNode.SUBSCRIPTION;
          contextValue = await options.buildContext({
            ...ctx.extra.credential!,
            requestId: undefined,
            budgetMs: isSubscription ? undefined : options.resolverBudgetMs,
          });
        } catch (error) {
          const code = error instanceof GraphQLError ? error.extensions?.code : undefined;
          // The credential no longer holds (expired, or an act-as target that is gone): the
          // same answer as at connection time, not a 4500 with an error text.
          if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' || code === 'NOT_FOUND') {
            ctx.extra.socket.close(CloseCode.Forbidden, 'Forbidden');
            return [new GraphQLError('Forbidden', { extensions: { code } })];
          }
          options.log.error({ err: error }, 'could not build a subscription context');
          return [new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })];
        }
        // Operations over the socket count against the rates like HTTP ones: each root field,
        // and the cost, in one atomic step (plugins/cost.ts).
        const limited = await admitOperation(
          contextValue,
          document,
          payload.operationName,
          cost,
          options.limits.maxCost,
          options.rateLimiter,
        );
        if (limited) return [limited];
        if (getOperationAST(document, payload.operationName)?.operation === OperationTypeNode.SUBSCRIPTION) {
          const noSlot = await slots.take(ctx.extra, id, contextValue);
          if (noSlot) return [noSlot];
        }
        contextValue.log.debug({ operationId: id, operationName: payload.operationName }, 'subscription started');
        (ctx.extra.operations ??= new Set()).add(id);
        const operation = getOperationAST(document, payload.operationName);
        (ctx.extra.started ??= new Map()).set(id, {
          at: process.hrtime.bigint(),
          context: contextValue,
          name: payload.operationName ?? operation?.name?.value ?? null,
          type: operation?.operation ?? null,
        });
        open += 1;
        return {
          schema: options.schema,
          document,
          variableValues: payload.variables ?? undefined,
          operationName: payload.operationName ?? undefined,
          contextValue,
        };
      },
      onNext(_ctx, _id, _payload, args, result: ExecutionResult) {
        return eventResult(result, args.contextValue as Context, options.fairness.maxResponseBytes);
      },
      onError(ctx, id, payload, errors) {
        finished(
          ctx.extra,
          id,
          'error',
          errors.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR')),
        );
        return operationErrors(errors, options.log, id, payload.operationName);
      },
    },
    wss,
  );

  return {
    clients: () => wss.clients.size,
    openOperations: () => open,
    async close() {
      for (const socket of wss.clients) socket.close(1001, 'Server is shutting down');
      // A client that never answers the close frame must not hold the shutdown: after a short
      // grace its socket is cut.
      const grace = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, 2_000);
      grace.unref();
      const bounded = <T>(p: Promise<T>) => Promise.race([p, new Promise<void>((r) => setTimeout(r, 3_000).unref())]);
      await bounded(Promise.resolve(disposable.dispose()));
      await bounded(new Promise<void>((resolve) => wss.close(() => resolve())));
      clearTimeout(grace);
    },
  };
}
