// The door in front of Apollo for persisted operations.
//
// Partners (X-Api-Key) run operations from the manifest only, named by hash: Apollo's
// `extensions.persistedQuery.sha256Hash`, or `documentId` / `doc_id` (GraphQL-over-HTTP), over
// POST or GET. The gate authenticates the key first (so that every refusal of a real key is
// logged against it), then resolves the hash, checks the key's operations and scopes, and hands
// Apollo the manifest's document. Query text from a partner is refused, which also refuses APQ
// registration. Every call of an authenticated key goes to api_usage_logs after the response.
//
// The call's usage record is partner-call.ts; first-party requests go through first-party.ts.
import {
  ApiKeyRejected,
  type ApiKeyAuthenticator,
  type AuthenticatedKey,
  type PartnerViewer,
} from '../../auth/partner-auth';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { keyScopeFor } from '../../graphql/auth-scopes';
import type { OperationManifest, PersistedOperation } from '../../graphql/ports';
import { SHA256_HEX } from './extension';
import type { PartnerCall } from './partner-call';
import { Refusal } from './refusal';
import { jsonParam, paramsOf, persistedHash, type GraphQLHttpRequest, type Params } from './request-params';

/** The hash a partner names, by whichever of the three conventions it uses. */
function requestedHash(params: Params): string | undefined {
  const candidates: string[] = [];
  const persisted = persistedHash(jsonParam(params.extensions, 'extensions'));
  if (persisted) candidates.push(persisted);
  for (const name of ['documentId', 'doc_id'] as const) {
    const value = params[name];
    if (value === undefined || value === null || value === '') continue;
    // The GraphQL-over-HTTP draft writes the algorithm before the hash.
    const hash = typeof value === 'string' ? value.replace(/^sha256:/, '') : undefined;
    if (hash === undefined || !SHA256_HEX.test(hash))
      throw new Refusal(
        400,
        'BAD_REQUEST',
        `${name} must be the SHA-256 of a partner operation: 64 hexadecimal characters, optionally after "sha256:"`,
      );
    candidates.push(hash.toLowerCase());
  }
  if (candidates.length === 0) return undefined;
  const hashes = new Set(candidates);
  if (hashes.size > 1) throw new Refusal(400, 'BAD_REQUEST', 'The request names two different operations');
  return [...hashes][0];
}

function resolveOperation(manifest: OperationManifest, params: Params): PersistedOperation {
  if (typeof params.query === 'string' && params.query.trim() !== '') {
    throw new Refusal(
      400,
      'PERSISTED_QUERY_NOT_ALLOWED',
      "API keys run persisted operations only: send the operation's sha256 hash (documentId or extensions.persistedQuery), not its text",
    );
  }
  const hash = requestedHash(params);
  if (params.operationName !== undefined && params.operationName !== null && typeof params.operationName !== 'string')
    throw new Refusal(400, 'BAD_REQUEST', 'operationName must be a string');
  if (!hash)
    throw new Refusal(
      400,
      'PERSISTED_QUERY_NOT_ALLOWED',
      'API keys run persisted operations only: name one by its sha256 hash in documentId or extensions.persistedQuery',
    );
  const operation = manifest.byHash.get(hash);
  if (!operation) throw new Refusal(400, 'PERSISTED_QUERY_NOT_FOUND', 'No partner operation has this hash');
  if (
    typeof params.operationName === 'string' &&
    params.operationName !== '' &&
    params.operationName !== operation.name
  ) {
    throw new Refusal(
      400,
      'BAD_REQUEST',
      `operationName "${params.operationName}" does not match the persisted operation ${operation.name}`,
    );
  }
  return operation;
}

function authorise(operation: PersistedOperation, viewer: PartnerViewer, allowed: readonly string[]): void {
  if (allowed.length > 0 && !allowed.includes(operation.name))
    throw new Refusal(403, 'FORBIDDEN', `This API key may not run ${operation.name}`);
  const scope = keyScopeFor(operation.type);
  if (!viewer.scopes.includes(scope))
    throw new Refusal(
      403,
      'FORBIDDEN',
      `${operation.name} needs the ${scope.toUpperCase()} scope, which this API key lacks`,
    );
}

/** Apollo gets the manifest's document in place of the hash. */
function rewrite(req: GraphQLHttpRequest, operation: PersistedOperation, params: Params) {
  if (req.method === 'GET') {
    const search = new URLSearchParams({ query: operation.document, operationName: operation.name });
    if (typeof params.variables === 'string') search.set('variables', params.variables);
    req.search = `?${search.toString()}`;
  } else {
    req.body = {
      query: operation.document,
      operationName: operation.name,
      ...(params.variables !== undefined ? { variables: params.variables } : {}),
    };
  }
}

/**
 * Step 1, before the body is read: a request with X-Api-Key is a partner's, and its key is
 * checked first, so that from then on the call is logged against the key whatever happens,
 * including a body that cannot be read.
 */
export async function authenticatePartner(
  authenticate: ApiKeyAuthenticator,
  apiKey: string,
  authorization: string | undefined,
  call: PartnerCall,
): Promise<void> {
  if (authorization !== undefined)
    throw new Refusal(400, 'BAD_REQUEST', 'Send either Authorization or X-Api-Key, not both');
  let key: AuthenticatedKey;
  try {
    key = await authenticate(apiKey);
  } catch (error) {
    if (error instanceof ApiKeyRejected) throw new Refusal(401, 'UNAUTHENTICATED', error.message);
    if (isDatabaseUnavailable(error))
      throw new Refusal(503, 'SERVICE_UNAVAILABLE', 'The service is unavailable for a moment: retry shortly');
    throw error;
  }
  call.partner = { viewer: key.viewer };
  call.allowedOperations = key.allowedOperations;
}

/**
 * Step 2, once the body is read: a partner's request must name a manifest operation the key
 * may run, and Apollo gets that document in its place.
 */
export function admitPartner(manifest: OperationManifest, req: GraphQLHttpRequest, call: PartnerCall): void {
  const partner = call.partner;
  if (!partner) throw new Refusal(401, 'UNAUTHENTICATED', 'Invalid API key');
  const params = paramsOf(req);
  const operation = resolveOperation(manifest, params);
  call.partner = { viewer: partner.viewer, operation };
  authorise(operation, partner.viewer, call.allowedOperations ?? []);
  rewrite(req, operation, params);
}
