// What the partner test files share: issuing keys as a creator, calling persisted operations as
// the partner (helpers/partner.ts), the refusal check, and the usage log as stored.
import { uuidOf, ERRORS, type Json, type ApiHarness } from '../../helpers/api';
import { callAsPartner, type PartnerCall } from '../../helpers/partner';

export const KEY_FIELDS = `id name prefix scopes allowedOperations status lastUsedAt expiresAt revokedAt createdAt`;
export const CREATE_KEY = /* GraphQL */ `mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { data { secret apiKey { ${KEY_FIELDS} } } } ${ERRORS} }
}`;
export const REVOKE_KEY = /* GraphQL */ `mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { __typename ... on RevokeApiKeySuccess { data { ${KEY_FIELDS} } } ${ERRORS} } }`;

export interface IssuedKey {
  secret: string;
  id: string;
  uuid: string;
}
export function expectRefused(response: { status: number; body: Json }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors).toHaveLength(1);
  expect(response.body.errors[0].extensions.code).toBe(code);
  expect(response.body.errors[0].message).toEqual(expect.any(String));
}

/** Issuing a key as a creator, calls as the partner, and a key's usage rows once written. */
export function partnerFixtures(api: ApiHarness) {
  const { mutate, sql } = api;
  async function issueKey(actor: 'asCreatorA' | 'asCreatorB', input: Json = {}): Promise<IssuedKey> {
    const result = await mutate(actor, CREATE_KEY, 'createApiKey', {
      input: { name: 'integration', scopes: ['READ', 'WRITE'], ...input },
    });
    expect(result.__typename).toBe('CreateApiKeySuccess');
    return { secret: result.data.secret, id: result.data.apiKey.id, uuid: uuidOf(result.data.apiKey.id) };
  }

  const call = (key: string | undefined, name: string | undefined, variables: Json = {}, options: PartnerCall = {}) =>
    callAsPartner(api.server.url, key, name, variables, options);

  /** A call that must succeed: HTTP 200, no errors; returns data. */
  async function asPartner(key: string, name: string, variables: Json = {}, options: PartnerCall = {}): Promise<Json> {
    const response = await call(key, name, variables, options);
    expect(response.body.errors).toBeUndefined();
    expect(response.status).toBe(200);
    return response.body.data;
  }
  /** Waits for the usage log (written after the response, in batches) to hold `n` rows for a key. */
  async function usageRows(keyUuid: string, n: number): Promise<Json[]> {
    for (let i = 0; i < 100; i++) {
      const rows = await sql(`SELECT * FROM api_usage_logs WHERE api_key_id = $1 ORDER BY created_at, id`, [keyUuid]);
      if (rows.length >= n) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
    const rows = await sql(
      `SELECT status_code, error_code, request_size_bytes FROM api_usage_logs WHERE api_key_id = $1`,
      [keyUuid],
    );
    throw new Error(`expected ${n} usage rows for key ${keyUuid}, found ${JSON.stringify(rows)}`);
  }
  return { issueKey, call, asPartner, usageRows };
}
