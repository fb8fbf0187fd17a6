// Reading a /graphql request's parameters (GET search or POST body) and its persistedQuery
// extension, for the partner gate (gate.ts) and the first-party check (first-party.ts) alike.
// A malformed parameter is a typed 400 Refusal.
import { readPersistedQuery, type PersistedQueryProblem } from './extension';
import { Refusal } from './refusal';

/** A request to /graphql on its way to Apollo: the gate may rewrite its search or body. */
export interface GraphQLHttpRequest {
  method: string;
  /** The URL's query string, with its '?', or ''. */
  search: string;
  body: unknown;
}

export type Params = Record<string, unknown>;

export const refusalOf = (problem: PersistedQueryProblem) => new Refusal(400, problem.code, problem.message);

/** The persistedQuery extension's hash, if it has one; a malformed extension is refused. */
export function persistedHash(extensions: Params | undefined): string | undefined {
  const read = readPersistedQuery(extensions?.persistedQuery);
  if (read && 'problem' in read) throw refusalOf(read.problem);
  return read?.hash;
}

export function paramsOf(req: GraphQLHttpRequest): Params {
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

export function jsonParam(value: unknown, name: string): Params | undefined {
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
