// The door in front of Apollo for persisted operations.
//
// Partners (X-Api-Key) run operations from the manifest only, named by hash: Apollo's
// `extensions.persistedQuery.sha256Hash`, or `documentId` / `doc_id` (GraphQL-over-HTTP), over
// POST or GET. The gate authenticates the key first (so that every refusal of a real key is
// logged against it), then resolves the hash, checks the key's operations and scopes, and hands
// Apollo the manifest's document. Query text from a partner is refused, which also refuses APQ
// registration. Every call of an authenticated key goes to api_usage_logs after the response.
//
// First-party clients keep Apollo's automatic persisted queries, but only signed-in ones may
// register a query: an anonymous request's query runs without being stored.
import type http from 'node:http';
import {
  ApiKeyRejected,
  type ApiKeyAuthenticator,
  type AuthenticatedKey,
  type PartnerViewer,
} from '../../auth/partner-auth';
import type { UsageRecorder } from '../usage-log';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { BODY_LIMIT_BYTES } from '../http-body';
import { errorBody } from '../respond';
import type { OperationManifest, PersistedOperation } from '../../graphql/ports';
import { hashMismatch, readPersistedQuery, SHA256_HEX, type PersistedQueryProblem } from './extension';

export interface PartnerRequest {
  viewer: PartnerViewer;
  /** Unset while the request has not named a known operation. */
  operation?: PersistedOperation;
}

/** A request to /graphql on its way to Apollo: the gate may rewrite its search or body. */
export interface GraphQLHttpRequest {
  method: string;
  /** The URL's query string, with its '?', or ''. */
  search: string;
  body: unknown;
}

/** A request the gate answers itself, with this status and error code. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  headers(): Record<string, string> {
    if (this.status === 401) return { 'www-authenticate': 'ApiKey' };
    if (this.status === 503) return { 'retry-after': '2' };
    return {};
  }

  body(): string {
    return errorBody(this.code, this.message);
  }
}

type Params = Record<string, unknown>;

const refusalOf = (problem: PersistedQueryProblem) => new Refusal(400, problem.code, problem.message);

/** The persistedQuery extension's hash, if it has one; a malformed extension is refused. */
function persistedHash(extensions: Params | undefined): string | undefined {
  const read = readPersistedQuery(extensions?.persistedQuery);
  if (read && 'problem' in read) throw refusalOf(read.problem);
  return read?.hash;
}

function paramsOf(req: GraphQLHttpRequest): Params {
  if (req.method === 'GET') {
    const params: Params = {};
    for (const [key, value] of new URLSearchParams(req.search)) params[key] = value;
    return params;
  }
  const body: unknown = req.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new Refusal(400, 'BAD_REQUEST', 'The body must be one JSON object (batching is off)');
  return body as Params;
}

function jsonParam(value: unknown, name: string): Params | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    try {
      return jsonParam(JSON.parse(value) as unknown, name);
    } catch {
      throw new Refusal(400, 'BAD_REQUEST', `${name} must be a JSON object`);
    }
  }
  if (typeof value !== 'object' || Array.isArray(value))
    throw new Refusal(400, 'BAD_REQUEST', `${name} must be a JSON object`);
  return value as Params;
}

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
  const scope = operation.type === 'query' ? 'read' : 'write';
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

/** The first error code of a GraphQL response body, for the usage log. */
function errorCodeOf(body: string): string | null {
  if (!body.includes('"errors"')) return null;
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    const code = parsed.errors?.[0]?.extensions?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

const MAX_INT = 2 ** 31 - 1;
const clampInt = (n: number) => (Number.isFinite(n) ? Math.min(MAX_INT, Math.max(0, Math.round(n))) : 0);

/** One call of an API key, from its first byte: what the usage log records of it. */
export interface PartnerCall {
  /** Set once the key is authenticated; the operation once the request names a known one. */
  partner?: PartnerRequest;
  allowedOperations?: readonly string[];
  /** The response body, as it is sent. */
  sent(body: string): void;
}

/**
 * Starts the usage record of a request with X-Api-Key. It is written when the connection is
 * done with the response: after it is sent, or when the client goes away first (logged as 499,
 * nginx's "client closed request"); every call of a known key is logged either way.
 */
export function startPartnerCall(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  usage: UsageRecorder,
  ip: string | undefined = req.socket.remoteAddress,
): PartnerCall {
  const started = process.hrtime.bigint();
  let responseBytes = 0;
  let errorCode: string | null = null;
  const call: PartnerCall = {
    sent(body) {
      responseBytes = Buffer.byteLength(body);
      errorCode = errorCodeOf(body);
    },
  };
  res.once('close', () => {
    const partner = call.partner;
    if (!partner) return;
    const bodyBytes =
      req.method === 'GET' ? Buffer.byteLength(req.url ?? '') : Number(req.headers['content-length'] ?? 0);
    usage.record({
      creatorId: partner.viewer.creatorId,
      apiKeyId: partner.viewer.keyId,
      operationName: partner.operation?.name ?? null,
      operationHash: partner.operation?.hash ?? null,
      statusCode: res.writableFinished ? res.statusCode : 499,
      errorCode: res.writableFinished ? errorCode : 'CLIENT_CLOSED_REQUEST',
      durationMs: clampInt(Number(process.hrtime.bigint() - started) / 1e6),
      // The body is not read past its limit, so a claimed length beyond it was never read.
      requestSizeBytes: clampInt(Math.min(bodyBytes, BODY_LIMIT_BYTES + 1)),
      responseSizeBytes: clampInt(responseBytes),
      // The client's address as client-address.ts finds it (X-Forwarded-For only with TRUST_PROXY).
      ipAddress: ip ?? null,
      createdAt: new Date(),
    });
  });
  return call;
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

/** Longer query texts run, but are not registered: the store is for real client operations. */
export const APQ_MAX_QUERY_BYTES = 32 * 1024;

/**
 * A first-party request: its persistedQuery extension must be well formed, and a query text sent
 * with it must be that hash's text (a typed 400 otherwise, before Apollo, whose own answers to
 * these are uncoded). An anonymous request that sends a query with its hash runs the query but
 * does not register it; so does a query text over APQ_MAX_QUERY_BYTES. Signed-in clients
 * register as Apollo does (an invalid token is refused before that).
 */
export function admitFirstParty(req: GraphQLHttpRequest, authorization: string | undefined): void {
  const signedIn = (authorization ?? '').trim() !== '';
  let params: Params;
  let extensions: Params | undefined;
  try {
    params = paramsOf(req);
    // Apollo refuses a POST body's extensions that are not an object (a JSON string included).
    extensions =
      req.method === 'GET' || typeof params.extensions !== 'string'
        ? jsonParam(params.extensions, 'extensions')
        : undefined;
  } catch {
    return; // Apollo answers malformed requests itself.
  }
  const hash = persistedHash(extensions);
  if (hash === undefined) return;
  const query = typeof params.query === 'string' ? params.query : undefined;
  const mismatch = query === undefined ? undefined : hashMismatch(query, hash);
  if (mismatch) throw refusalOf(mismatch);
  const register = query !== undefined && signedIn && Buffer.byteLength(query) <= APQ_MAX_QUERY_BYTES;
  const { persistedQuery, ...rest } = extensions!;
  // Apollo compares and stores the hash as sent: an upper-case one goes on in lower case.
  const asSent = (persistedQuery as Params).sha256Hash === hash;
  if ((query === undefined || register) && asSent) return;
  const next =
    query === undefined || register
      ? { ...rest, persistedQuery: { ...(persistedQuery as Params), sha256Hash: hash } }
      : rest;
  if (req.method === 'GET') {
    const search = new URLSearchParams(req.search);
    search.set('extensions', JSON.stringify(next));
    req.search = `?${search.toString()}`;
  } else {
    req.body = { ...params, extensions: next };
  }
}
