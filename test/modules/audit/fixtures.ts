// What the audit-trail test files share: a request that must succeed, and the trail's records of
// one request (by its request id), as stored.
import type { Json, ApiHarness } from '../../helpers/api';

/** A request as `token` (with `headers`) that must succeed, and the records of a request id. */
export function auditFixtures(api: ApiHarness) {
  const { sql } = api;
  async function as(token: string, query: string, variables: Json = {}, headers: Record<string, string> = {}) {
    const response = await api.server.gql<Json>(query, variables, { token, headers });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!;
  }
  const rowsFor = (requestId: string) =>
    sql(`SELECT * FROM audit_log WHERE request_id = $1 ORDER BY created_at, id`, [requestId]);
  return { as, rowsFor };
}
