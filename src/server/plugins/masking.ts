// Expected failures are GraphQLErrors we raise on purpose, with a stable `code`; they pass
// through. Anything else (a Prisma error, a bug) is masked to INTERNAL_SERVER_ERROR so no SQL,
// stack or internal message reaches a client, and logged in full with the request id, which
// every error carries so a user's report can be matched to the log line.
import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Context } from '../context';

export function isExpected(error: unknown): boolean {
  return unwrapResolverError(error) instanceof GraphQLError;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (isExpected(error)) {
    const { extensions, ...rest } = formatted;
    const { stacktrace: _stacktrace, exception: _exception, limit, http: _http, ...safe } = (extensions ?? {}) as Record<string, unknown>;
    return { ...rest, extensions: limit ? { ...safe, code: limit } : safe };
  }
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

export function maskingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            if (!isExpected(error)) {
              const original = unwrapResolverError(error);
              contextValue.log.error({ err: original, operationName, path: error.path }, 'unexpected error');
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            for (const error of response.body.singleResult.errors) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
          response.http.headers.set('x-request-id', contextValue.requestId);
        },
      };
    },
  };
}
