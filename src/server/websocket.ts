// GraphQL subscriptions over WebSocket (graphql-ws, protocol graphql-transport-ws), on the
// same server and path as HTTP.
//
// * The credential arrives in connectionParams.authorization on connection_init and is
//   verified by the same context factory as HTTP. A missing or bad one closes the socket with
//   4403, and so does the access token's expiry, and so does the end of the log-in the token
//   came from (log-out, refresh-token reuse, deactivation): a revoked or expired session never
//   keeps streaming.
// * Every operation gets its own context from that factory, is validated with the same rules
//   as HTTP (introspection off in production), and its errors are masked the same way.
import type http from 'node:http';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../logger';
import { tenantClient } from '../db/tenant';
import { RESYNC } from '../graphql/ports';
import { clientAddress } from './client-address';
import type { Context } from '../graphql/context';
import type { CredentialInput } from './context';
import { admitOperation } from './plugins/cost';
import { formatError } from './plugins/masking';
import { limitRules } from './limits';
import { costRefusal, operationCost } from './operation-cost';
import { resultOverLimit } from './response-size';
import { ResponseTooLargeError } from '../graphql/errors';
import type { QueryLimits } from '../config/limits';
import type { TenantRateLimiter } from './rate-limit';
import { execute, getOperationAST, OperationTypeNode, subscribe } from 'graphql';
import { runWithAuditContext } from '../db/audit-context';
import { auditActorOf } from './context';
import type { Metrics } from './metrics';
import type { FairnessConfig } from '../config/fairness';
import { tenantOf } from '../auth/viewer';
import { createSubscriptionSlots } from '../realtime/slots';

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

type Extra = {
  socket: WebSocket;
  request: http.IncomingMessage;
  credential?: CredentialInput;
  expiry?: NodeJS.Timeout;
  /** Stops watching the connection's session for revocation. */
  unwatch?: () => void;
  /** Ids of the operations running on this connection (for the open-subscriptions metric). */
  operations?: Set<string>;
  /** When each operation started, for its log line and metrics. */
  started?: Map<string, { at: bigint; context: Context; name: string | null; type: string | null }>;
};

export interface SubscriptionServer {
  /** Open sockets (for metrics and draining). */
  clients(): number;
  /** Operations (subscriptions, mostly) running over the sockets. */
  openOperations(): number;
  /** Closes every socket with 1001 (going away) and stops accepting. */
  close(): Promise<void>;
}

/** A connection parameter by name, in any case: GraphiQL-style clients send their header editor's `Authorization` as is. */
const param = (params: Record<string, unknown> | undefined | null, name: string) => {
  if (!params) return undefined;
  let value = Object.hasOwn(params, name) ? params[name] : undefined;
  if (value === undefined) {
    const key = Object.keys(params).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : params[key];
  }
  return typeof value === 'string' ? value : undefined;
};

/**
 * Whether the log-in behind a creator's token still stands: a refresh token of its family is
 * unrevoked and unexpired, and the creator is active. Tokens not issued by a log-in (none carry
 * a session id) are judged by their signature and expiry alone.
 */
async function sessionLive(context: Context): Promise<boolean> {
  const viewer = context.viewer;
  if (viewer.kind !== 'creator' || !viewer.sessionId) return true;
  const db = tenantClient(context.db.app, viewer.creatorId);
  const [creator, liveTokens] = await Promise.all([
    db.creator.findUnique({ where: { id: viewer.creatorId }, select: { isActive: true } }),
    db.creatorRefreshToken.count({
      where: { familyId: viewer.sessionId, revokedAt: null, expiresAt: { gt: new Date() } },
    }),
  ]);
  return Boolean(creator?.isActive) && liveTokens > 0;
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
  const finished = (extra: Extra, id: string, outcome: 'ok' | 'error', errorCodes: string[] = []) => {
    const started = extra.started?.get(id);
    if (!started) return;
    extra.started!.delete(id);
    const seconds = Number(process.hrtime.bigint() - started.at) / 1e9;
    const viewer = started.context.viewer;
    options.metrics?.observeRequest(started.name, outcome, seconds);
    started.context.log.info(
      {
        transport: 'ws',
        viewer: viewer.kind,
        creatorId: tenantOf(viewer) ?? null,
        operationName: started.name,
        operationType: started.type,
        durationMs: Math.round(seconds * 1e5) / 100,
        outcome,
        ...(errorCodes.length ? { errorCodes } : {}),
      },
      'graphql request',
    );
  };
  const disposable = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema: options.schema,
      // Each operation runs in its own audit context, filled from its context's viewer.
      execute: (args) => runWithAuditContext(() => execute(args), auditActorOf(args.contextValue as Context)),
      subscribe: (args) => runWithAuditContext(() => subscribe(args), auditActorOf(args.contextValue as Context)),
      async onConnect(ctx) {
        const credential: CredentialInput = {
          authorization: param(ctx.connectionParams, 'authorization'),
          actAsCreator: param(ctx.connectionParams, 'x-act-as-creator'),
          adminReason: param(ctx.connectionParams, 'x-admin-reason'),
          client: {
            ip: clientAddress(ctx.extra.request, options.fairness.trustProxyHops),
            userAgent: ctx.extra.request.headers['user-agent']?.slice(0, 500),
          },
        };
        if (!credential.authorization) return false; // 4403 Forbidden
        let context: Context;
        try {
          context = await options.buildContext(credential);
        } catch {
          return false; // 4403 Forbidden
        }
        // Partner keys are for persisted operations over HTTP only.
        if (context.viewer.kind === 'anonymous' || context.viewer.kind === 'partner') return false;
        if (!(await sessionLive(context))) return false;
        ctx.extra.credential = credential;
        const msLeft = context.viewer.expiresAt * 1000 - Date.now();
        ctx.extra.expiry = setTimeout(
          () => ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired'),
          Math.max(0, msLeft),
        );
        ctx.extra.expiry.unref();
        // A token issued by a log-in streams only while that log-in stands: its revocation
        // (log-out, refresh-token reuse) or the creator's deactivation closes the socket now.
        const viewer = context.viewer;
        if (viewer.kind === 'creator' && viewer.sessionId) {
          const sessionId = viewer.sessionId;
          ctx.extra.unwatch = context.realtime.hub.subscribe(viewer.creatorId, (event) => {
            const concerned =
              event === RESYNC ||
              (event.entity === 'creator_refresh_tokens' && event.parent === sessionId) ||
              event.entity === 'creators';
            if (!concerned) return;
            // A refresh revokes the old token and issues its successor in one transaction, so
            // the log-in is still live; only a log-in with no live token left ends the socket.
            sessionLive(context).then(
              (live) => live || ctx.extra.socket.close(CloseCode.Forbidden, 'Session ended'),
              (error: unknown) => context.log.warn({ err: error }, 'could not check a WebSocket session'),
            );
          });
        }
        return true;
      },
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
          // The same codes as over HTTP (Apollo's): a limit rule's own code, else the phase's.
          return [
            error instanceof GraphQLError
              ? new GraphQLError(error.message, {
                  nodes: error.nodes,
                  source: error.source,
                  positions: error.positions,
                  extensions: { code: 'GRAPHQL_PARSE_FAILED', ...error.extensions },
                })
              : new GraphQLError('Syntax error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
          ];
        }
        const errors = validate(options.schema, document, rules);
        // As over HTTP: in production an error does not describe the schema ("Did you mean").
        if (errors.length > 0) {
          return errors.map(
            (e) =>
              new GraphQLError(options.production ? e.message.replace(/ ?Did you mean(.+?)\?$/, '') : e.message, {
                nodes: e.nodes,
                extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...e.extensions },
              }),
          );
        }
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
        const context = args.contextValue as Context;
        // No event over MAX_RESPONSE_BYTES: this one is replaced by RESPONSE_TOO_LARGE (response-size.ts).
        const bytes = resultOverLimit(result, options.fairness.maxResponseBytes);
        if (bytes !== undefined) {
          const error = new ResponseTooLargeError(bytes, options.fairness.maxResponseBytes);
          return {
            errors: [{ message: error.message, extensions: { ...error.extensions, requestId: context.requestId } }],
          };
        }
        if (!result.errors) return;
        return {
          ...result,
          errors: result.errors.map((error) => {
            const formatted = formatError(error.toJSON(), error);
            if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR')
              context.log.error(
                { err: error.originalError ?? error, path: error.path },
                'unexpected error in a subscription',
              );
            return { ...formatted, extensions: { ...formatted.extensions, requestId: context.requestId } };
          }),
        };
      },
      onError(ctx, id, payload, errors) {
        finished(
          ctx.extra,
          id,
          'error',
          errors.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR')),
        );
        return errors.map((error) => {
          const formatted = formatError(error.toJSON(), error);
          if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR')
            options.log.error(
              { err: error.originalError ?? error, operationId: id, operationName: payload.operationName },
              'unexpected error in a subscription',
            );
          return formatted;
        });
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
