// One structured line per GraphQL request: request id, who (viewer kind, creator, key), the
// operation's name and type, duration and outcome. Never the query text, variables or headers:
// those can hold personal data and credentials.
import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST } from 'graphql';
import { tenantOf } from '../../auth/viewer';
import type { Logger } from '../../logger';
import type { Context } from '../../graphql/context';
import type { Metrics } from '../metrics';

/** The error codes of an answer without errors (most answers): one array, never written to. */
const NO_CODES: readonly string[] = Object.freeze([]);

export function requestLogPlugin(log: Logger, metrics?: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ response, operation, operationName, errors, request, document }) {
          // Named even when validation failed: from the request, or from the parsed document.
          const name =
            operationName ??
            request.operationName ??
            (document ? (getOperationAST(document)?.name?.value ?? null) : null);
          const viewer = contextValue.viewer;
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const codes =
            !errors?.length && !body?.errors?.length
              ? NO_CODES
              : [
                  ...new Set(
                    [...(errors ?? []), ...(body?.errors ?? [])].map((e) =>
                      typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR',
                    ),
                  ),
                ];
          const status = response.http.status ?? 200;
          const outcome = codes.length === 0 ? 'ok' : status >= 400 ? 'rejected' : 'error';
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          metrics?.observeRequest(name, outcome, seconds);
          // Checked on the process's logger: the request's own is made only when it logs.
          if (!log.isLevelEnabled('info')) return;
          contextValue.log.info(
            {
              viewer: viewer.kind,
              creatorId: tenantOf(viewer) ?? null,
              ...(viewer.kind === 'partner' ? { apiKeyId: viewer.keyId } : {}),
              ...(viewer.kind === 'admin' ? { adminId: viewer.adminId } : {}),
              operationName: name,
              operationType: operation?.operation ?? (document ? (getOperationAST(document)?.operation ?? null) : null),
              durationMs: Math.round(seconds * 1e5) / 100,
              status,
              outcome,
              ...(codes.length ? { errorCodes: codes } : {}),
            },
            'graphql request',
          );
        },
      };
    },
  };
}
