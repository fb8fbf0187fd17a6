// The `persistedQuery` extension of Apollo's automatic-persisted-query protocol, version 1:
// `{ version: 1, sha256Hash: <the query's SHA-256, 64 hex characters> }`. Apollo Server answers a
// malformed one (another version, no hash, a hash that is not the query's) with a GraphQLError
// that has no code, which reaches clients as INTERNAL_SERVER_ERROR; and it looks a hash of any
// shape up as a miss, which makes a client's bug look like a cold cache. The gate checks the
// extension first, for creators and partners alike, and answers each mistake with a code.
import crypto from 'node:crypto';

/** A client's mistake in the extension: the gate's 400, with this code and message. */
export interface PersistedQueryProblem {
  code: 'BAD_REQUEST' | 'PERSISTED_QUERY_HASH_MISMATCH';
  message: string;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/i;

export const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

const bad = (message: string): { problem: PersistedQueryProblem } => ({ problem: { code: 'BAD_REQUEST', message } });

/**
 * The hash a `persistedQuery` extension names, in lower case (as Apollo computes it), or the
 * problem with it. Like Apollo, a falsy value means no extension at all.
 */
export function readPersistedQuery(value: unknown): { hash: string } | { problem: PersistedQueryProblem } | undefined {
  if (!value) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    return bad(
      'extensions.persistedQuery must be an object: { "version": 1, "sha256Hash": "<the query\'s SHA-256 in hex>" }',
    );
  const { version, sha256Hash } = value as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1)
    return bad(
      `extensions.persistedQuery.version must be 1 (the only version of automatic persisted queries), not ${JSON.stringify(version ?? null).slice(0, 40)}`,
    );
  if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash))
    return bad('extensions.persistedQuery.sha256Hash must be the SHA-256 of the query text: 64 hexadecimal characters');
  return { hash: sha256Hash.toLowerCase() };
}

/** A query text sent with a hash must be the text of that hash (its UTF-8 bytes' SHA-256). */
export function hashMismatch(query: string, hash: string): PersistedQueryProblem | undefined {
  if (sha256(query) === hash) return undefined;
  return {
    code: 'PERSISTED_QUERY_HASH_MISMATCH',
    message:
      'extensions.persistedQuery.sha256Hash is not the SHA-256 of the query text sent with it: nothing was run or stored',
  };
}
