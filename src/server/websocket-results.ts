// What a subscription socket sends back: its refusals coded as over HTTP (Apollo's parse and
// validation codes), its events bounded by MAX_RESPONSE_BYTES, and its errors masked the same
// way as HTTP's (plugins/masking.ts), with unexpected ones logged in full.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Context } from '../graphql/context';
import { ResponseTooLargeError } from '../graphql/errors';
import type { Logger } from '../logger';
import { formatError } from './plugins/masking';
import { resultOverLimit } from './response-size';

/** A document that does not parse: a limit rule's own code, else the phase's, as over HTTP (Apollo's). */
export function parseFailure(error: unknown): GraphQLError {
  return error instanceof GraphQLError
    ? new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        extensions: { code: 'GRAPHQL_PARSE_FAILED', ...error.extensions },
      })
    : new GraphQLError('Syntax error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
}

/** As over HTTP: in production an error does not describe the schema ("Did you mean"). */
export function validationFailures(errors: readonly GraphQLError[], production: boolean): GraphQLError[] {
  return errors.map(
    (e) =>
      new GraphQLError(production ? e.message.replace(/ ?Did you mean(.+?)\?$/, '') : e.message, {
        nodes: e.nodes,
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...e.extensions },
      }),
  );
}

/** onNext: the event to send in place of `result`, or undefined to send it as it is. */
export function eventResult(result: ExecutionResult, context: Context, maxResponseBytes: number) {
  // No event over MAX_RESPONSE_BYTES: this one is replaced by RESPONSE_TOO_LARGE (response-size.ts).
  const bytes = resultOverLimit(result, maxResponseBytes);
  if (bytes !== undefined) {
    const error = new ResponseTooLargeError(bytes, maxResponseBytes);
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
}

/** onError: an operation's errors, masked, each unexpected one logged. */
export function operationErrors(
  errors: readonly GraphQLError[],
  log: Logger,
  operationId: string,
  operationName: string | null | undefined,
) {
  return errors.map((error) => {
    const formatted = formatError(error.toJSON(), error);
    if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR')
      log.error(
        { err: error.originalError ?? error, operationId, operationName },
        'unexpected error in a subscription',
      );
    return formatted;
  });
}
