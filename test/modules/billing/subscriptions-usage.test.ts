// Billing over the real server: a creator's subscriptions (billing periods) and usage, equal to what
// is really stored, and only their own.
import { useApiHarness, gid, uuidOf, day } from '../../helpers/api';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count } = api;
const { read } = api.withTokens;

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
