// Expected failures are GraphQLErrors we raise on purpose, with a stable `code`; they pass
// through. A client's mistake that only PostgreSQL or Pothos noticed, wherever it was thrown
// (a nested field, a subscription event, a wrapper), is typed by the one mapping in
// graphql/database-errors.ts and logged at info. Anything else (a bug) is masked to
// INTERNAL_SERVER_ERROR so no SQL, stack or internal message reaches a client, and logged in
// full with the request id, which every error carries so a user's report can be matched to the
// log line.
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Context } from '../../graphql/context';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { jsonBytesAtLeast } from '../response-size';
import { ResponseTooLargeError } from '../../graphql/errors';
import { TenantBusyError } from '../../db/tenant-share';
import { mapDatabaseError } from '../../graphql/database-errors';
import { sqlErrorOf } from '../../graphql/sql-errors';

/**
 * The error underneath every wrapper. graphql-js wraps resolver errors (with a path), but Apollo
 * wraps context-creation failures and graphql-ws wraps errors from a subscription's source
 * without one, so unwrapResolverError alone would let a wrapped Prisma error pass as expected.
 */
function innermost(error: unknown): unknown {
  let current = unwrapResolverError(error);
  while (current instanceof GraphQLError && current.originalError) current = current.originalError;
  return current;
}

/** Codes Apollo gives to the client's own mistakes (bad variables, syntax, validation). */
const CLIENT_ERROR_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * A variable that does not coerce (a scalar's parseValue threw): graphql-js reports it before
 * execution, without a path. Over HTTP Apollo codes it BAD_USER_INPUT; graphql-ws does not.
 */
function isVariableError(error: unknown): boolean {
  // graphql-js stops after 50 bad variable values with one more error of its own.
  return (
    error instanceof GraphQLError &&
    !error.path &&
    (/^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /.test(error.message) ||
      error.message === 'Too many errors processing variables, error limit reached. Execution aborted.')
  );
}

export function isExpected(error: unknown, code?: unknown): boolean {
  if (typeof code === 'string' && CLIENT_ERROR_CODES.has(code)) return true;
  if (isVariableError(error)) return true;
  const inner = innermost(error);
  // Pothos' errors are GraphQLErrors without a code: its input checks are typed below
  // (clientMistake), and the others (a schema built wrong) are bugs.
  return inner instanceof GraphQLError && !inner.name.startsWith('Pothos');
}

/** The typed error for a client's mistake that PostgreSQL or Pothos reported, if it is one. */
export function clientMistake(error: unknown): GraphQLError | undefined {
  const inner = innermost(error);
  const mapped = mapDatabaseError(inner);
  return mapped !== inner && mapped instanceof GraphQLError ? mapped : undefined;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (isExpected(error, formatted.extensions?.code)) {
    const { extensions, ...rest } = formatted;
    const {
      stacktrace: _stacktrace,
      exception: _exception,
      limit,
      http: _http,
      ...safe
    } = (extensions ?? {}) as Record<string, unknown>;
    // Apollo codes a variable error it recognises BAD_USER_INPUT, and graphql-js' 51st (its own
    // 'too many errors') INTERNAL_SERVER_ERROR; graphql-ws codes none.
    if ((!safe.code || safe.code === 'INTERNAL_SERVER_ERROR') && isVariableError(error)) safe.code = 'BAD_USER_INPUT';
    return { ...rest, extensions: limit ? { ...safe, code: limit } : safe };
  }
  const typed = clientMistake(error);
  if (typed)
    return {
      message: typed.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      path: formatted.path,
      extensions: { ...typed.extensions },
    };
  // A statement timeout whose SQLSTATE some wrapper dropped (the mapping above has the rest).
  const inner = innermost(error) as { message?: string } | undefined;
  if (/canceling statement due to statement timeout/.test(String(inner?.message ?? ''))) {
    return {
      message: 'The request ran out of time: ask for less at once',
      path: formatted.path,
      extensions: { code: 'REQUEST_TIMEOUT' },
    };
  }
  const busy = innermost(error);
  if (busy instanceof TenantBusyError) {
    // The tenant's share of the pool and its queue are full (db/tenant-share.ts): its own excess.
    return {
      message: `${busy.message}. Retry in ${busy.retryAfterSeconds} s.`,
      path: formatted.path,
      extensions: { code: 'RATE_LIMITED', retryAfter: busy.retryAfterSeconds },
    };
  }
  if (isDatabaseUnavailable(innermost(error)) || isDatabaseUnavailable(error)) {
    return {
      message: 'The service is unavailable for a moment: retry shortly',
      path: formatted.path,
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    };
  }
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export function maskingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            if (innermost(error) instanceof TenantBusyError) {
              contextValue.log.info(
                { reason: (innermost(error) as TenantBusyError).reason, operationName },
                "tenant's pool share in use",
              );
            } else if (isDatabaseUnavailable(innermost(error))) {
              contextValue.log.warn(
                { err: (innermost(error) as Error).message, operationName },
                'database unavailable',
              );
            } else if (!isExpected(error, error.extensions?.code) && clientMistake(error)) {
              // The client's mistake, typed: worth a trace, not an alert.
              const typed = clientMistake(error)!;
              contextValue.log.info(
                {
                  code: typed.extensions.code,
                  sqlState: sqlErrorOf(innermost(error))?.code,
                  operationName,
                  path: error.path,
                },
                'client error reported by the database',
              );
            } else if (!isExpected(error, error.extensions?.code)) {
              const original = innermost(error);
              contextValue.log.error({ err: original, operationName, path: error.path }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          // An answer clearly over MAX_RESPONSE_BYTES is replaced here, before Apollo serializes
          // it (the walk stops at the bound and builds nothing); one near the bound is measured
          // once serialized (graphql-endpoint.ts). Both answer RESPONSE_TOO_LARGE.
          if (response.body.kind === 'single') {
            const maxBytes = contextValue.fairness?.maxResponseBytes;
            const atLeast = maxBytes === undefined ? 0 : jsonBytesAtLeast(response.body.singleResult, maxBytes);
            if (maxBytes !== undefined && atLeast > maxBytes) {
              const error = new ResponseTooLargeError(atLeast, maxBytes);
              response.body.singleResult = {
                errors: [{ message: error.message, extensions: { ...error.extensions } }],
              };
              response.http.status = 400;
            }
          }
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            for (const error of response.body.singleResult.errors) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
            // Nothing could be read or written: the whole request is a 503, which clients and
            // load balancers retry.
            const result = response.body.singleResult;
            if (!result.data && result.errors!.every((e) => e.extensions?.code === 'SERVICE_UNAVAILABLE')) {
              response.http.status = 503;
              response.http.headers.set('retry-after', '2');
            }
            // Refused for the tenant's own excess (its pool share): 429 when nothing was read or
            // written, and Retry-After either way.
            const busy = result.errors!.filter(
              (e) => e.extensions?.code === 'RATE_LIMITED' && typeof e.extensions.retryAfter === 'number',
            );
            if (busy.length > 0) {
              response.http.headers.set(
                'retry-after',
                String(Math.max(...busy.map((e) => e.extensions!.retryAfter as number))),
              );
              const values = result.data ? Object.values(result.data) : [];
              if (busy.length === result.errors!.length && values.every((v) => v === null)) response.http.status = 429;
            }
          }
          response.http.headers.set('x-request-id', contextValue.requestId);
        },
      };
    },
  };
}
