// First-party clients keep Apollo's automatic persisted queries, but only signed-in ones may
// register a query: an anonymous request's query runs without being stored.
import { hashMismatch } from './extension';
import { jsonParam, paramsOf, persistedHash, refusalOf, type GraphQLHttpRequest, type Params } from './request-params';

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
