// The three logs over the real server (auditLogs, securityAuditLogs, apiUsageLogs): a creator's own
// rows, filtered, equal to what is really stored.
import { useApiHarness, gid, uuidOf, DAY } from '../../helpers/api';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count } = api;
const { read } = api.withTokens;

const AUDIT_LOGS = /* GraphQL */ `
  query AuditLogs($filter: AuditLogFilter) {
    auditLogs(filter: $filter, first: 100) {
      pageInfo {
        hasNextPage
      }
      nodes {
        id
        tableName
        operation
        recordId
        oldValues
        newValues
        actorType
        actorId
        requestId
        reason
        createdAt
      }
    }
  }
`;
const SECURITY_LOGS = /* GraphQL */ `
  query SecurityLogs($filter: SecurityAuditLogFilter) {
    securityAuditLogs(filter: $filter, first: 100) {
      pageInfo {
        hasNextPage
      }
      nodes {
        id
        eventType
        severity
        eventData
        ipAddress
        userAgent
        createdAt
      }
    }
  }
`;
const API_USAGE_LOGS = /* GraphQL */ `
  query ApiUsageLogs($filter: ApiUsageLogFilter) {
    apiUsageLogs(filter: $filter, first: 100) {
      pageInfo {
        hasNextPage
      }
      nodes {
        id
        operationName
        operationHash
        statusCode
        errorCode
        durationMs
        requestSizeBytes
        responseSizeBytes
        createdAt
      }
    }
  }
`;
// ------------------------------------------------------------------------------------------
// Logs
// ------------------------------------------------------------------------------------------

describe('auditLogs, securityAuditLogs and apiUsageLogs', () => {
  test("asCreatorA: auditLogs lists A's changes newest first, filtered by table, operation and time", async () => {
    const data = await read(asCreatorA(), AUDIT_LOGS);
    const expected = await sql<{ id: string }>(
      `SELECT id FROM audit_log WHERE creator_id = $1 ORDER BY created_at DESC, id`,
      [api.tenants.creatorA],
    );
    expect(data.auditLogs.nodes.map((n: any) => n.id)).toEqual(expected.map((r) => gid('AuditLog', r.id)));
    // The seed's sample rows, and every change the tests above made through the API.
    expect(
      data.auditLogs.nodes.some(
        (n: any) => n.tableName === 'programs' && n.operation === 'INSERT' && n.newValues?.name,
      ),
    ).toBe(true);
    const countOf = async (where: string) =>
      (
        await sql(`SELECT count(*)::int AS n FROM audit_log WHERE creator_id = $1 AND ${where}`, [api.tenants.creatorA])
      )[0]!.n;
    expect(
      (await read(asCreatorA(), AUDIT_LOGS, { filter: { tableName: 'programs', operation: 'INSERT' } })).auditLogs
        .nodes,
    ).toHaveLength(Math.min(100, await countOf(`table_name = 'programs' AND operation = 'INSERT'`)));
    expect((await read(asCreatorA(), AUDIT_LOGS, { filter: { operation: 'DELETE' } })).auditLogs.nodes).toHaveLength(
      Math.min(100, await countOf(`operation = 'DELETE'`)),
    );
    const from = new Date(Date.now() - 56.5 * DAY).toISOString();
    const windowed = await read(asCreatorA(), AUDIT_LOGS, { filter: { occurred: { from } } });
    expect(windowed.auditLogs.nodes.map((n: any) => uuidOf(n.id)).sort()).toEqual(
      (
        await sql<{ id: string }>(`SELECT id FROM audit_log WHERE creator_id = $1 AND created_at >= $2`, [
          api.tenants.creatorA,
          from,
        ])
      )
        .map((r) => r.id)
        .sort(),
    );
  });

  test("asCreatorA: securityAuditLogs lists A's security events, filtered by type and severity", async () => {
    const data = await read(asCreatorA(), SECURITY_LOGS);
    const expected = await sql<{ id: string }>(
      `SELECT id FROM security_audit_logs WHERE creator_id = $1 ORDER BY created_at DESC, id`,
      [api.tenants.creatorA],
    );
    expect(data.securityAuditLogs.nodes.map((n: any) => n.id)).toEqual(
      expected.map((r) => gid('SecurityAuditLog', r.id)),
    );
    expect(data.securityAuditLogs.nodes.map((n: any) => n.eventType)).toEqual(
      expect.arrayContaining(['auth.login_succeeded', 'auth.login_failed', 'api_key.issued']),
    );
    const failed = await read(asCreatorA(), SECURITY_LOGS, { filter: { eventType: 'auth.login_failed' } });
    expect(failed.securityAuditLogs.nodes).toEqual([
      expect.objectContaining({
        eventType: 'auth.login_failed',
        severity: 'low',
        eventData: { reason: 'bad_password' },
        ipAddress: '198.51.100.7',
      }),
    ]);
    const medium = await read(asCreatorA(), SECURITY_LOGS, { filter: { severity: 'medium' } });
    expect(medium.securityAuditLogs.nodes.map((n: any) => n.eventType)).toEqual(['api_key.issued']);
  });

  test("asCreatorA: apiUsageLogs lists A's partner calls, filtered by operation and time", async () => {
    const data = await read(asCreatorA(), API_USAGE_LOGS);
    const expected = await sql<{ id: string }>(
      `SELECT id FROM api_usage_logs WHERE creator_id = $1 ORDER BY created_at DESC, id`,
      [api.tenants.creatorA],
    );
    expect(expected).toHaveLength(12);
    expect(data.apiUsageLogs.nodes.map((n: any) => n.id)).toEqual(expected.map((r) => gid('ApiUsageLog', r.id)));
    expect(data.apiUsageLogs.nodes.find((n: any) => n.statusCode === 429)).toEqual(
      expect.objectContaining({ errorCode: 'RATE_LIMITED' }),
    );
    const byOp = await read(asCreatorA(), API_USAGE_LOGS, { filter: { operationName: 'PartnerUserBadges' } });
    expect(byOp.apiUsageLogs.nodes.length).toBe(
      await count(`api_usage_logs WHERE creator_id = $1 AND operation_name = 'PartnerUserBadges'`, [
        api.tenants.creatorA,
      ]),
    );
    expect(byOp.apiUsageLogs.nodes.every((n: any) => n.operationName === 'PartnerUserBadges')).toBe(true);
    const to = new Date(Date.now() - 2 * DAY).toISOString();
    const old = await read(asCreatorA(), API_USAGE_LOGS, { filter: { occurred: { to } } });
    expect(old.apiUsageLogs.nodes.length).toBe(
      await count(`api_usage_logs WHERE creator_id = $1 AND created_at < $2`, [api.tenants.creatorA, to]),
    );
  });

  test("asCreatorB: the three logs list only B's rows", async () => {
    for (const [document, field, table] of [
      [AUDIT_LOGS, 'auditLogs', 'audit_log'],
      [SECURITY_LOGS, 'securityAuditLogs', 'security_audit_logs'],
      [API_USAGE_LOGS, 'apiUsageLogs', 'api_usage_logs'],
    ] as const) {
      const data = await read(asCreatorB(), document);
      const expected = await sql<{ id: string }>(`SELECT id FROM ${table} WHERE creator_id = $1`, [
        api.tenants.creatorB,
      ]);
      expect(data[field].nodes.map((n: any) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
      expect(expected.length).toBeGreaterThan(0);
    }
  });

  test('asAnonymous: the three logs are UNAUTHENTICATED', async () => {
    await expectUnauthenticated(AUDIT_LOGS);
    await expectUnauthenticated(SECURITY_LOGS);
    await expectUnauthenticated(API_USAGE_LOGS);
  });
});
