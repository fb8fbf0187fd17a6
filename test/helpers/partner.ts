// Calls the way a partner integration makes them: plain HTTP with X-Api-Key, the operation's
// sha256 hash from the committed manifest, and variables. Nothing else.
import { loadManifest } from '../../src/server/persisted/manifest';
import type { PersistedOperation } from '../../src/graphql/ports';
import { schema } from '../../src/graphql/schema';

export const manifest = loadManifest(schema);

export function operation(name: string): PersistedOperation {
  const op = manifest.byName.get(name);
  if (!op) throw new Error(`no partner operation ${name}`);
  return op;
}

/** How the hash travels: Apollo's extension, documentId, or doc_id. */
export type HashForm = 'extensions' | 'documentId' | 'doc_id';

export interface PartnerCall {
  method?: 'GET' | 'POST';
  form?: HashForm;
  /** Extra body (POST) or query-string (GET) fields, e.g. a `query` text. */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** A raw hash instead of a manifest operation's. */
  hash?: string;
}

export interface PartnerResponse {
  status: number;
  headers: Headers;

  body: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

export async function callAsPartner(
  url: string,
  key: string | undefined,
  name: string | undefined,
  variables: Record<string, unknown> = {},
  call: PartnerCall = {},
): Promise<PartnerResponse> {
  const method = call.method ?? 'POST';
  const hash = call.hash ?? (name ? operation(name).hash : undefined);
  const params: Record<string, unknown> = { variables, ...call.extra };
  if (hash) {
    const form = call.form ?? 'extensions';
    if (form === 'extensions') params.extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    else params[form] = hash;
  }
  const headers: Record<string, string> = {
    accept: 'application/graphql-response+json, application/json',
    ...call.headers,
  };
  if (key !== undefined) headers['x-api-key'] = key;
  let response: Response;
  if (method === 'GET') {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) search.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    response = await fetch(`${url}?${search}`, { headers });
  } else {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
  }
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}
