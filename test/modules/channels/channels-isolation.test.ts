// Creator B against creator A's channels, widget config, profile, billing and logs: by global id
// through node(), through me, and through each mutation.
import { useApiHarness, gid, expectNotFound, NODE } from '../../helpers/api';
import {
  CREATE_CHANNEL,
  UPDATE_CHANNEL,
  DELETE_CHANNEL,
  WIDGET,
  UPDATE_WIDGET,
  UPDATE_ME,
  channelsFixtures,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, sql, count } = api;
const { read, mutate } = api.withTokens;

const { channelsOf, widgetOf, creatorRow } = channelsFixtures(api);

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
