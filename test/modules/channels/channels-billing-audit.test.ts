// Channels, the web widget, billing, usage, the three logs and updateMe over the real server.
// Every write is checked against what is really stored (read through the owner role, which
// bypasses row-level security), and every operation is attempted by the other tenant.
import {
  useApiHarness,
  gid,
  uuidOf,
  DAY,
  day,
  expectValidation as expectValidationOf,
  expectNotFound,
  expectConflict,
  ERRORS,
  NODE,
  type Result,
} from '../../helpers/api';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, one, count, rowOf, snapshot } = api;
const { read, mutate } = api.withTokens;

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/** A ValidationError whose field paths are exactly `paths` (a path "x.*" matches x.<index>). */
const expectValidation = (r: Result, paths: string[]) =>
  expectValidationOf(r, paths, (path) => path.replace(/\.\d+$/, '.*'));

const channelsOf = (creatorId: string) =>
  sql(`SELECT * FROM channels WHERE creator_id = $1 ORDER BY channel_type`, [creatorId]);
const widgetOf = (creatorId: string) => one(`SELECT * FROM widget_configs WHERE creator_id = $1`, [creatorId]);
const creatorRow = (id: string) => rowOf('creators', id);
const channelState = () => snapshot({ channels: 'channels', widgets: 'widget_configs' });

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

const CHANNEL_FIELDS = `id channelType name configuration status userCount createdAt updatedAt`;
const CHANNELS = /* GraphQL */ `query Channels($first: Int) { channels(first: $first) { totalCount pageInfo { hasNextPage } nodes { ${CHANNEL_FIELDS} } } }`;
const CREATE_CHANNEL = /* GraphQL */ `mutation CreateChannel($input: ChannelInput!) {
  createChannel(input: $input) { __typename ... on CreateChannelSuccess { data { ${CHANNEL_FIELDS} } } ${ERRORS} }
}`;
const UPDATE_CHANNEL = /* GraphQL */ `mutation UpdateChannel($id: ID!, $input: ChannelInput!) {
  updateChannel(id: $id, input: $input) { __typename ... on UpdateChannelSuccess { data { ${CHANNEL_FIELDS} } } ${ERRORS} }
}`;
const DELETE_CHANNEL = /* GraphQL */ `mutation DeleteChannel($id: ID!) {
  deleteChannel(id: $id) { __typename ... on DeleteChannelSuccess { data } ${ERRORS} }
}`;
const WIDGET_FIELDS = `theme behavior allowedDomains rateLimitPerMinute updatedAt`;
const WIDGET = /* GraphQL */ `query Widget { widgetConfig { ${WIDGET_FIELDS} } me { id widgetConfig { ${WIDGET_FIELDS} } } }`;
const UPDATE_WIDGET = /* GraphQL */ `mutation UpdateWidget($input: UpdateWidgetConfigInput!) {
  updateWidgetConfig(input: $input) { __typename ... on UpdateWidgetConfigSuccess { data { ${WIDGET_FIELDS} } } ${ERRORS} }
}`;
const SUBSCRIPTIONS = /* GraphQL */ `
  query Subscriptions {
    subscriptions(first: 100) {
      totalCount
      nodes {
        id
        tier
        status
        currentPeriodStart
        currentPeriodEnd
        cancelAtPeriodEnd
        canceledAt
        createdAt
      }
    }
  }
`;
const USAGE = /* GraphQL */ `
  query Usage($filter: UsageFilter, $first: Int, $after: String) {
    usage(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        usageType
        quantity
        date
      }
    }
  }
`;
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
const UPDATE_ME = /* GraphQL */ `mutation UpdateMe($input: UpdateMeInput!) {
  updateMe(input: $input) { __typename ... on UpdateMeSuccess { data { id email firstName lastName companyName settings onboardingCompleted onboardingData } } ${ERRORS} }
}`;

// ------------------------------------------------------------------------------------------
// Channels
// ------------------------------------------------------------------------------------------

describe('channels', () => {
  test("asCreatorA: lists exactly A's channels, with userCount equal to a recount of A's users on that channel", async () => {
    const data = await read(asCreatorA(), CHANNELS);
    const expected = await sql<{ id: string; channel_type: string; name: string; n: number }>(
      `SELECT ch.id, ch.channel_type, ch.name, (SELECT count(*)::int FROM users u WHERE u.creator_id = ch.creator_id AND u.channel = ch.channel_type) AS n
         FROM channels ch WHERE ch.creator_id = $1 ORDER BY ch.channel_type, ch.id`,
      [api.tenants.creatorA],
    );
    expect(data.channels.totalCount).toBe(expected.length);
    expect(data.channels.nodes.map((n: any) => [n.id, n.channelType, n.name, n.userCount, n.status])).toEqual(
      expected.map((r) => [gid('Channel', r.id), r.channel_type.toUpperCase(), r.name, r.n, 'ACTIVE']),
    );
    expect(data.channels.nodes.map((n: any) => n.channelType).sort()).toEqual(['TELEGRAM', 'WEB', 'WHATSAPP']);
    expect(data.channels.nodes.reduce((s: number, n: any) => s + n.userCount, 0)).toBe(
      await count(`users WHERE creator_id = $1`, [api.tenants.creatorA]),
    );
  });

  test("asCreatorB: sees only B's channels", async () => {
    const data = await read(asCreatorB(), CHANNELS);
    const expected = await channelsOf(api.tenants.creatorB);
    expect(data.channels.totalCount).toBe(expected.length);
    expect(data.channels.nodes.map((n: any) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
  });

  test('asAnonymous: channels and widgetConfig are UNAUTHENTICATED', async () => {
    await expectUnauthenticated(CHANNELS);
    await expectUnauthenticated(`{ widgetConfig { theme } }`);
  });

  test('asAnonymous: asking only for totalCount is UNAUTHENTICATED too, not a count of 0', async () => {
    await expectUnauthenticated(`{ channels { totalCount } }`);
    await expectUnauthenticated(`{ subscriptions { totalCount } }`);
    await expectUnauthenticated(`{ usage { totalCount } }`);
  });
});

describe('createChannel / updateChannel / deleteChannel', () => {
  test('asCreatorA: creates a channel of a new type; a second channel of the same type is a ConflictError and writes nothing', async () => {
    const result = await mutate(asCreatorA(), CREATE_CHANNEL, 'createChannel', {
      input: { channelType: 'MOBILE', name: '  Ada app  ', configuration: { appId: 'com.ada' }, status: 'PENDING' },
    });
    expect(result.__typename).toBe('CreateChannelSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        channelType: 'MOBILE',
        name: 'Ada app',
        configuration: { appId: 'com.ada' },
        status: 'PENDING',
        userCount: 0,
      }),
    );
    expect((await sql(`SELECT * FROM channels WHERE id = $1`, [uuidOf(result.data.id)]))[0]).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        channel_type: 'mobile',
        name: 'Ada app',
        status: 'pending',
        configuration: { appId: 'com.ada' },
      }),
    );

    const before = await channelState();
    expectConflict(
      await mutate(asCreatorA(), CREATE_CHANNEL, 'createChannel', {
        input: { channelType: 'MOBILE', name: 'Second app' },
      }),
    );
    expectConflict(
      await mutate(asCreatorA(), CREATE_CHANNEL, 'createChannel', {
        input: { channelType: 'WEB', name: 'Second web' },
      }),
    );
    expect(await channelState()).toEqual(before);
  });

  test('asCreatorA: a channel re-created after deletion starts with the users already on that channel type', async () => {
    const telegram = (await channelsOf(api.tenants.creatorA)).find((c) => c.channel_type === 'telegram')!;
    const users = await count(`users WHERE creator_id = $1 AND channel = 'telegram'`, [api.tenants.creatorA]);
    expect(users).toBeGreaterThan(0);
    expect(await mutate(asCreatorA(), DELETE_CHANNEL, 'deleteChannel', { id: gid('Channel', telegram.id) })).toEqual({
      __typename: 'DeleteChannelSuccess',
      data: gid('Channel', telegram.id),
    });
    expect(await count(`channels WHERE id = $1`, [telegram.id])).toBe(0);
    // Users are not deleted with their channel.
    expect(await count(`users WHERE creator_id = $1 AND channel = 'telegram'`, [api.tenants.creatorA])).toBe(users);
    expectNotFound(await mutate(asCreatorA(), DELETE_CHANNEL, 'deleteChannel', { id: gid('Channel', telegram.id) }));

    const again = await mutate(asCreatorA(), CREATE_CHANNEL, 'createChannel', {
      input: { channelType: 'TELEGRAM', name: 'Telegram again' },
    });
    expect(again.__typename).toBe('CreateChannelSuccess');
    expect(again.data.userCount).toBe(users);
  });

  test('asCreatorA: createChannel with invalid input is a ValidationError naming every bad field; nothing written', async () => {
    const before = await channelState();
    expectValidation(await mutate(asCreatorA(), CREATE_CHANNEL, 'createChannel', { input: { name: ' ' } }), [
      'input.channelType',
      'input.name',
    ]);
    expectValidation(
      await mutate(asCreatorA(), CREATE_CHANNEL, 'createChannel', {
        input: { channelType: 'MOBILE', name: 'n'.repeat(101) },
      }),
      ['input.name'],
    );
    expectValidation(await mutate(asCreatorA(), DELETE_CHANNEL, 'deleteChannel', { id: 'garbage' }), ['id']);
    expect(await channelState()).toEqual(before);
  });

  test('asCreatorA: updateChannel with invalid input is a ValidationError naming the field; nothing changed', async () => {
    const before = await channelState();
    const web = (await channelsOf(api.tenants.creatorA)).find((c) => c.channel_type === 'web')!;
    expectValidation(
      await mutate(asCreatorA(), UPDATE_CHANNEL, 'updateChannel', {
        id: gid('Channel', web.id),
        input: { channelType: 'MOBILE' },
      }),
      ['input.channelType'],
    );
    expectValidation(
      await mutate(asCreatorA(), UPDATE_CHANNEL, 'updateChannel', { id: gid('Channel', web.id), input: { name: '' } }),
      ['input.name'],
    );
    expectValidation(
      await mutate(asCreatorA(), UPDATE_CHANNEL, 'updateChannel', { id: gid('Badge', web.id), input: { name: 'x' } }),
      ['id'],
    );
    expect(await channelState()).toEqual(before);
  });

  test('asCreatorA: updateChannel changes name, status and configuration only', async () => {
    const web = (await channelsOf(api.tenants.creatorA)).find((c) => c.channel_type === 'web')!;
    const result = await mutate(asCreatorA(), UPDATE_CHANNEL, 'updateChannel', {
      id: gid('Channel', web.id),
      input: { name: 'Ada on the web', status: 'INACTIVE' },
    });
    expect(result.__typename).toBe('UpdateChannelSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        channelType: 'WEB',
        name: 'Ada on the web',
        status: 'INACTIVE',
        configuration: web.configuration,
      }),
    );
    expect((await sql(`SELECT * FROM channels WHERE id = $1`, [web.id]))[0]).toEqual(
      expect.objectContaining({
        name: 'Ada on the web',
        status: 'inactive',
        channel_type: 'web',
        configuration: web.configuration,
      }),
    );
  });

  test('asAnonymous: channel mutations are UNAUTHENTICATED and write nothing', async () => {
    const before = await channelState();
    const web = (await channelsOf(api.tenants.creatorA)).find((c) => c.channel_type === 'web')!;
    await expectUnauthenticated(CREATE_CHANNEL, { input: { channelType: 'MOBILE', name: 'Anon' } });
    await expectUnauthenticated(UPDATE_CHANNEL, { id: gid('Channel', web.id), input: { name: 'Anon' } });
    await expectUnauthenticated(DELETE_CHANNEL, { id: gid('Channel', web.id) });
    await expectUnauthenticated(UPDATE_WIDGET, { input: { rateLimitPerMinute: 5 } });
    expect(await channelState()).toEqual(before);
  });
});

// ------------------------------------------------------------------------------------------
// Widget config
// ------------------------------------------------------------------------------------------

describe('widgetConfig / updateWidgetConfig', () => {
  test('asCreatorA and asCreatorB: each sees their own widget config, top-level and through me', async () => {
    for (const [token, creatorId, domain] of [
      [asCreatorA(), api.tenants.creatorA, 'analytical-wellness.example'],
      [asCreatorB(), api.tenants.creatorB, 'compiler-academy.example'],
    ] as const) {
      const stored = (await widgetOf(creatorId))!;
      const data = await read(token, WIDGET);
      expect(data.widgetConfig).toEqual(
        expect.objectContaining({
          theme: stored.theme,
          behavior: stored.behavior,
          allowedDomains: stored.allowed_domains,
          rateLimitPerMinute: stored.rate_limit_per_minute,
        }),
      );
      expect(data.me.widgetConfig).toEqual(data.widgetConfig);
      expect(data.widgetConfig.allowedDomains).toContain(domain);
    }
  });

  test('asCreatorA: updates the existing row in place (one per creator), normalizing domains, keeping fields not given', async () => {
    const before = (await widgetOf(api.tenants.creatorA))!;
    const result = await mutate(asCreatorA(), UPDATE_WIDGET, 'updateWidgetConfig', {
      input: {
        allowedDomains: [' Ada.Example.com ', '*.ada.example.com', 'localhost:3000'],
        rateLimitPerMinute: 60,
        theme: { primaryColor: '#000000' },
      },
    });
    expect(result.__typename).toBe('UpdateWidgetConfigSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        allowedDomains: ['ada.example.com', '*.ada.example.com', 'localhost:3000'],
        rateLimitPerMinute: 60,
        theme: { primaryColor: '#000000' },
        behavior: before.behavior,
      }),
    );
    const rowsOfA = await sql(`SELECT * FROM widget_configs WHERE creator_id = $1`, [api.tenants.creatorA]);
    expect(rowsOfA).toEqual([
      expect.objectContaining({
        id: before.id,
        allowed_domains: ['ada.example.com', '*.ada.example.com', 'localhost:3000'],
        rate_limit_per_minute: 60,
        behavior: before.behavior,
      }),
    ]);
  });

  test('asCreatorB: creates the config on first use (upsert) when there is none', async () => {
    await api.owner.query(`DELETE FROM widget_configs WHERE creator_id = $1`, [api.tenants.creatorB]);
    expect((await read(asCreatorB(), WIDGET)).widgetConfig).toBeNull();
    const aBefore = await widgetOf(api.tenants.creatorA);
    const result = await mutate(asCreatorB(), UPDATE_WIDGET, 'updateWidgetConfig', {
      input: { allowedDomains: ['compiler.example'], behavior: { greeting: 'Hello' } },
    });
    expect(result.__typename).toBe('UpdateWidgetConfigSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({ allowedDomains: ['compiler.example'], behavior: { greeting: 'Hello' } }),
    );
    expect(await sql(`SELECT * FROM widget_configs WHERE creator_id = $1`, [api.tenants.creatorB])).toEqual([
      expect.objectContaining({
        creator_id: api.tenants.creatorB,
        allowed_domains: ['compiler.example'],
        behavior: { greeting: 'Hello' },
      }),
    ]);
    // A's config is untouched.
    expect(await widgetOf(api.tenants.creatorA)).toEqual(aBefore);
  });

  test('asCreatorA: a bad domain is a ValidationError naming input.allowedDomains; nothing changed', async () => {
    const before = await channelState();
    for (const domain of ['not a domain', 'https://ada.example.com', 'ada.example.com/path', '*', '']) {
      expectValidation(
        await mutate(asCreatorA(), UPDATE_WIDGET, 'updateWidgetConfig', {
          input: { allowedDomains: ['ok.example.com', domain] },
        }),
        ['input.allowedDomains.*'],
      );
    }
    expectValidation(
      await mutate(asCreatorA(), UPDATE_WIDGET, 'updateWidgetConfig', {
        input: { allowedDomains: Array.from({ length: 101 }, (_, i) => `d${i}.example.com`) },
      }),
      ['input.allowedDomains'],
    );
    expect(await channelState()).toEqual(before);
  });

  test('asCreatorA: rateLimitPerMinute 0 (or above 10000) is a ValidationError naming input.rateLimitPerMinute; nothing changed', async () => {
    const before = await channelState();
    expectValidation(
      await mutate(asCreatorA(), UPDATE_WIDGET, 'updateWidgetConfig', { input: { rateLimitPerMinute: 0 } }),
      ['input.rateLimitPerMinute'],
    );
    expectValidation(
      await mutate(asCreatorA(), UPDATE_WIDGET, 'updateWidgetConfig', { input: { rateLimitPerMinute: 10_001 } }),
      ['input.rateLimitPerMinute'],
    );
    expectValidation(
      await mutate(asCreatorA(), UPDATE_WIDGET, 'updateWidgetConfig', {
        input: { rateLimitPerMinute: -5, allowedDomains: ['bad domain'] },
      }),
      ['input.allowedDomains.*', 'input.rateLimitPerMinute'],
    );
    expect(await channelState()).toEqual(before);
  });

  test('asCreatorA: a mutation may select only __typename from its result', async () => {
    const { body } = await api.server.gql(
      `mutation { updateWidgetConfig(input: { rateLimitPerMinute: 77 }) { __typename } }`,
      {},
      { token: asCreatorA() },
    );
    expect(body).toEqual({ data: { updateWidgetConfig: { __typename: 'UpdateWidgetConfigSuccess' } } });
    expect((await widgetOf(api.tenants.creatorA))!.rate_limit_per_minute).toBe(77);
  });
});

// ------------------------------------------------------------------------------------------
// Billing and usage
// ------------------------------------------------------------------------------------------

describe('subscriptions and usage', () => {
  test("asCreatorA: subscriptions are A's billing periods", async () => {
    const data = await read(asCreatorA(), SUBSCRIPTIONS);
    const expected = await sql(
      `SELECT * FROM subscriptions WHERE creator_id = $1 ORDER BY current_period_end DESC, id`,
      [api.tenants.creatorA],
    );
    expect(data.subscriptions.totalCount).toBe(expected.length);
    expect(data.subscriptions.nodes).toEqual(
      expected.map((r) => ({
        id: gid('BillingSubscription', r.id),
        tier: r.tier,
        status: r.status,
        currentPeriodStart: r.current_period_start.toISOString(),
        currentPeriodEnd: r.current_period_end.toISOString(),
        cancelAtPeriodEnd: r.cancel_at_period_end,
        canceledAt: null,
        createdAt: r.created_at.toISOString(),
      })),
    );
    expect(data.subscriptions.nodes[0].tier).toBe('pro');
  });

  test("asCreatorB: subscriptions are only B's", async () => {
    const data = await read(asCreatorB(), SUBSCRIPTIONS);
    const expected = await sql<{ id: string }>(`SELECT id FROM subscriptions WHERE creator_id = $1`, [
      api.tenants.creatorB,
    ]);
    expect(data.subscriptions.nodes.map((n: any) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
    expect(data.subscriptions.nodes[0].tier).toBe('starter');
  });

  test('asCreatorA: usage by type and by an inclusive range of days, newest first, equal to the DB', async () => {
    const byType = await read(asCreatorA(), USAGE, { filter: { usageType: 'api_requests' }, first: 100 });
    const expected = await sql<{ id: string; quantity: string; day: string }>(
      `SELECT id, quantity, to_char(date, 'YYYY-MM-DD') AS day FROM usage_tracking WHERE creator_id = $1 AND usage_type = 'api_requests' ORDER BY date DESC, usage_type, id`,
      [api.tenants.creatorA],
    );
    expect(byType.usage.totalCount).toBe(expected.length);
    expect(byType.usage.nodes.map((n: any) => [n.id, n.usageType, n.quantity, n.date])).toEqual(
      expected.map((r) => [gid('UsageRecord', r.id), 'api_requests', String(r.quantity), r.day]),
    );

    const from = day(-5);
    const to = day(-3);
    const ranged = await read(asCreatorA(), USAGE, {
      filter: { usageType: 'messages', dates: { from, to } },
      first: 100,
    });
    expect(ranged.usage.nodes.map((n: any) => n.date)).toEqual([day(-3), day(-4), day(-5)]);
    expect(ranged.usage.totalCount).toBe(3);

    const allTypes = await read(asCreatorA(), USAGE, { filter: { dates: { from, to } }, first: 100 });
    expect(allTypes.usage.totalCount).toBe(
      await count(`usage_tracking WHERE creator_id = $1 AND date BETWEEN $2::date AND $3::date`, [
        api.tenants.creatorA,
        from,
        to,
      ]),
    );
  });

  test("asCreatorB: usage is only B's", async () => {
    const ids: string[] = [];
    let after: string | null = null;
    let totalCount = 0;
    for (let page = 0; page < 10; page++) {
      const data: any = await read(asCreatorB(), USAGE, { first: 100, after });
      ids.push(...data.usage.nodes.map((n: any) => uuidOf(n.id)));
      totalCount = data.usage.totalCount;
      if (!data.usage.pageInfo.hasNextPage) break;
      after = data.usage.pageInfo.endCursor;
    }
    const expected = await sql<{ id: string }>(`SELECT id FROM usage_tracking WHERE creator_id = $1`, [
      api.tenants.creatorB,
    ]);
    expect(totalCount).toBe(expected.length);
    expect(ids.sort()).toEqual(expected.map((r) => r.id).sort());
  });

  test('asAnonymous: subscriptions and usage are UNAUTHENTICATED', async () => {
    await expectUnauthenticated(SUBSCRIPTIONS);
    await expectUnauthenticated(USAGE);
  });
});

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

// ------------------------------------------------------------------------------------------
// updateMe
// ------------------------------------------------------------------------------------------

describe('updateMe', () => {
  test("asCreatorA: changes A's profile and settings; fields not given are kept; B is untouched", async () => {
    const before = (await creatorRow(api.tenants.creatorA))!;
    const grace = await creatorRow(api.tenants.creatorB);
    const result = await mutate(asCreatorA(), UPDATE_ME, 'updateMe', {
      input: {
        companyName: '  Analytical Wellness Ltd ',
        settings: { timezone: 'UTC' },
        onboardingData: { completedSteps: ['profile'] },
      },
    });
    expect(result.__typename).toBe('UpdateMeSuccess');
    expect(result.data).toEqual({
      id: gid('Creator', api.tenants.creatorA),
      email: 'ada@demo.creatorgraph.dev',
      firstName: 'Ada',
      lastName: 'Lovelace',
      companyName: 'Analytical Wellness Ltd',
      settings: { timezone: 'UTC' },
      onboardingCompleted: before.onboarding_completed,
      onboardingData: { completedSteps: ['profile'] },
    });
    expect(await creatorRow(api.tenants.creatorA)).toEqual(
      expect.objectContaining({
        first_name: 'Ada',
        last_name: 'Lovelace',
        company_name: 'Analytical Wellness Ltd',
        settings: { timezone: 'UTC' },
        email: before.email,
        subscription_tier: before.subscription_tier,
      }),
    );
    expect(await creatorRow(api.tenants.creatorB)).toEqual(grace);
  });

  test('asCreatorA: invalid input is a ValidationError naming every bad field; nothing changed', async () => {
    const before = await creatorRow(api.tenants.creatorA);
    const result = await mutate(asCreatorA(), UPDATE_ME, 'updateMe', {
      input: { firstName: 'f'.repeat(101), lastName: 'l'.repeat(101), companyName: 'c'.repeat(201) },
    });
    expectValidation(result, ['input.companyName', 'input.firstName', 'input.lastName']);
    expect(await creatorRow(api.tenants.creatorA)).toEqual(before);
    const { body } = await api.server.gql(UPDATE_ME, { input: { settings: 'not an object' } }, { token: asCreatorA() });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await creatorRow(api.tenants.creatorA)).toEqual(before);
  });

  test('asAnonymous: UNAUTHENTICATED, nothing changed', async () => {
    const before = await sql(`SELECT * FROM creators ORDER BY id`);
    await expectUnauthenticated(UPDATE_ME, { input: { firstName: 'Anon' } });
    expect(await sql(`SELECT * FROM creators ORDER BY id`)).toEqual(before);
  });
});

// ------------------------------------------------------------------------------------------
// Creator B against A's data
// ------------------------------------------------------------------------------------------

describe("asCreatorB against A's channels, billing and logs", () => {
  test("node() and nodes() with A's global ids are null for B, and resolve for A", async () => {
    const first = async (table: string) =>
      (await sql<{ id: string }>(`SELECT id FROM ${table} WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA]))[0]!
        .id;
    const ids = [
      gid('Channel', await first('channels')),
      gid('BillingSubscription', await first('subscriptions')),
      gid('UsageRecord', await first('usage_tracking')),
      gid('AuditLog', await first('audit_log')),
      gid('SecurityAuditLog', await first('security_audit_logs')),
      gid('ApiUsageLog', await first('api_usage_logs')),
      gid('Creator', api.tenants.creatorA),
    ];
    for (const id of ids) {
      expect(await read(asCreatorB(), NODE, { id })).toEqual({ node: null });
      expect((await read(asCreatorA(), NODE, { id })).node.id).toBe(id);
    }
    expect((await read(asCreatorB(), `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids })).nodes).toEqual(
      ids.map(() => null),
    );
  });

  test("nested: B's me never reaches A's widget config", async () => {
    const data = await read(asCreatorB(), WIDGET);
    expect(data.me.id).toBe(gid('Creator', api.tenants.creatorB));
    expect(data.widgetConfig?.allowedDomains ?? []).not.toContain('analytical-wellness.example');
    expect(data.me.widgetConfig?.allowedDomains ?? []).not.toContain('analytical-wellness.example');
  });

  test("channel mutations on A's rows are NotFoundErrors; a type only A has is free for B; A's rows are unchanged", async () => {
    const aChannels = await channelsOf(api.tenants.creatorA);
    const aWidget = await widgetOf(api.tenants.creatorA);
    const aCreator = await creatorRow(api.tenants.creatorA);
    const aChannel = aChannels.find((c) => c.channel_type === 'whatsapp')!;
    expectNotFound(
      await mutate(asCreatorB(), UPDATE_CHANNEL, 'updateChannel', {
        id: gid('Channel', aChannel.id),
        input: { name: 'Hijacked', status: 'ERROR', configuration: { accountId: 'evil' } },
      }),
    );
    expectNotFound(await mutate(asCreatorB(), DELETE_CHANNEL, 'deleteChannel', { id: gid('Channel', aChannel.id) }));
    // B has no Telegram channel; A's does not stand in the way (the unique key leads with creator_id).
    const bTelegram = await mutate(asCreatorB(), CREATE_CHANNEL, 'createChannel', {
      input: { channelType: 'TELEGRAM', name: 'Grace on Telegram' },
    });
    expect(bTelegram.__typename).toBe('CreateChannelSuccess');
    expect(bTelegram.data.userCount).toBe(
      await count(`users WHERE creator_id = $1 AND channel = 'telegram'`, [api.tenants.creatorB]),
    );
    // B's widget and profile updates touch only B's rows.
    expect(
      (
        await mutate(asCreatorB(), UPDATE_WIDGET, 'updateWidgetConfig', {
          input: { allowedDomains: ['grace.example'], rateLimitPerMinute: 9 },
        })
      ).__typename,
    ).toBe('UpdateWidgetConfigSuccess');
    expect((await mutate(asCreatorB(), UPDATE_ME, 'updateMe', { input: { companyName: 'Grace Co' } })).__typename).toBe(
      'UpdateMeSuccess',
    );

    expect(await channelsOf(api.tenants.creatorA)).toEqual(aChannels);
    expect(await widgetOf(api.tenants.creatorA)).toEqual(aWidget);
    expect(await creatorRow(api.tenants.creatorA)).toEqual(aCreator);
  });
});
