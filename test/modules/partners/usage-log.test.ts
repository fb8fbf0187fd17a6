// asPartner over real HTTP: every call of a key lands in api_usage_logs, and last_used_at is kept.
import http from 'node:http';
import { FLUSH_INTERVAL_MS } from '../../../src/server/usage-log';
import { useApiHarness, type Json } from '../../helpers/api';
import { operation } from '../../helpers/partner';
import { partnerFixtures } from './fixtures';

const api = useApiHarness();
const { query, one } = api;

const { issueKey, call, asPartner, usageRows } = partnerFixtures(api);

describe('the usage log and last use', () => {
  test('every call of a key is logged with operation, status, error, duration and sizes', async () => {
    const key = await issueKey('asCreatorA', { allowedOperations: ['PartnerPrograms', 'PartnerUserRewards'] });
    await asPartner(key.secret, 'PartnerPrograms', { first: 3 });
    await asPartner(key.secret, 'PartnerPrograms', { first: 3 }, { method: 'GET', form: 'documentId' });
    await call(key.secret, 'PartnerUserChanges');
    await call(key.secret, undefined, {}, { hash: 'a'.repeat(64) });
    const rows = await usageRows(key.uuid, 4);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row.creator_id).toBe(api.tenants.creatorA);
      expect(row.duration_ms).toBeGreaterThanOrEqual(0);
      expect(row.request_size_bytes).toBeGreaterThan(0);
      expect(row.response_size_bytes).toBeGreaterThan(0);
      expect(row.ip_address).toMatch(/127\.0\.0\.1/);
    }
    const summary = rows.map((r) => [r.operation_name, r.operation_hash, r.status_code, r.error_code]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['PartnerPrograms', operation('PartnerPrograms').hash, 200, null],
        ['PartnerPrograms', operation('PartnerPrograms').hash, 200, null],
        ['PartnerUserChanges', operation('PartnerUserChanges').hash, 403, 'FORBIDDEN'],
        [null, null, 400, 'PERSISTED_QUERY_NOT_FOUND'],
      ]),
    );
    // The creator reads its usage log, per key.
    const data = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on ApiKey { usage(first: 10) { totalCount nodes { operationName statusCode apiKey { id } } } } } }`,
      { id: key.id },
    );
    expect(data.node.usage.totalCount).toBe(4);
    expect(data.node.usage.nodes[0].apiKey.id).toBe(key.id);
    // Creator B sees none of it.
    const bLogs = await query('asCreatorB', `{ apiUsageLogs(first: 100) { nodes { apiKey { id } } } }`);
    expect(bLogs.apiUsageLogs.nodes.filter((n: Json) => n.apiKey?.id === key.id)).toEqual([]);
  });

  test('calls with a lying Content-Length, a malformed body, or a client that hangs up are logged too', async () => {
    const key = await issueKey('asCreatorA');
    await asPartner(key.secret, 'PartnerPrograms');
    // A claimed length far beyond what was sent, and what the column can hold.
    const lying = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        api.server.url,
        {
          method: 'POST',
          agent: false,
          headers: { 'x-api-key': key.secret, 'content-type': 'text/plain', 'content-length': '3000000000' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(lying).toBeGreaterThanOrEqual(400);
    const malformed = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'x-api-key': key.secret, 'content-type': 'application/json' },
      body: '{"documentId": ',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Json).errors[0].extensions.code).toBe('BAD_REQUEST');
    // A client that sends headers and part of a body, then goes away.
    await new Promise<void>((resolve) => {
      const req = http.request(api.server.url, {
        method: 'POST',
        agent: false,
        headers: { 'x-api-key': key.secret, 'content-type': 'application/json', 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"documentId":');
      req.on('socket', (socket) =>
        socket.on('connect', () =>
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 300),
        ),
      );
    });
    const rows = await usageRows(key.uuid, 4);
    expect(rows.map((r) => r.status_code).sort()).toEqual([200, 400, 499, lying].sort());
    expect(rows.find((r) => r.status_code === 499)!.error_code).toBe('CLIENT_CLOSED_REQUEST');
    for (const row of rows) expect(row.request_size_bytes).toBeLessThanOrEqual(1024 * 1024 + 1);
  });

  test("a refused key leaves no usage row (it is not known to be anyone's)", async () => {
    const started = new Date();
    await call('cgk_AAAAAAAA_' + api.tenants.creatorA.replace(/-/g, '') + '_' + 'x'.repeat(43), 'PartnerPrograms');
    // Past two flush intervals, when a row would have been written. Only rows of calls from now
    // count: the forged key names creator A, whose earlier calls' rows may still be on their way.
    await new Promise((r) => setTimeout(r, 2 * FLUSH_INTERVAL_MS + 500));
    const rows = await api.owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM api_usage_logs WHERE created_at >= $1`,
      [started],
    );
    expect(rows.rows[0]!.n).toBe(0);
  });

  test('last_used_at is written on first use, then at most once a minute', async () => {
    const key = await issueKey('asCreatorA');
    expect((await one(`SELECT last_used_at FROM api_keys WHERE id = $1`, [key.uuid]))!.last_used_at).toBeNull();
    await asPartner(key.secret, 'PartnerPrograms');
    let first: Date | null = null;
    for (let i = 0; i < 50 && !first; i++) {
      first = (await one(`SELECT last_used_at FROM api_keys WHERE id = $1`, [key.uuid]))!.last_used_at;
      if (!first) await new Promise((r) => setTimeout(r, 20));
    }
    expect(first).toBeInstanceOf(Date);
    await Promise.all(Array.from({ length: 5 }, () => asPartner(key.secret, 'PartnerPrograms')));
    await new Promise((r) => setTimeout(r, 200));
    expect((await one(`SELECT last_used_at FROM api_keys WHERE id = $1`, [key.uuid]))!.last_used_at).toEqual(first);
    expect(
      (await query('asCreatorA', `query($id: ID!) { node(id: $id) { ... on ApiKey { lastUsedAt } } }`, { id: key.id }))
        .node.lastUsedAt,
    ).toBe(first!.toISOString());
  });
});
