// Channels over the real server: the list with userCount, and createChannel / updateChannel /
// deleteChannel checked against what is really stored.
import { useApiHarness, gid, uuidOf, expectNotFound, expectConflict } from '../../helpers/api';
import {
  expectValidation,
  CHANNELS,
  CREATE_CHANNEL,
  UPDATE_CHANNEL,
  DELETE_CHANNEL,
  UPDATE_WIDGET,
  channelsFixtures,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, sql, count } = api;
const { read, mutate } = api.withTokens;

const { channelsOf, channelState } = channelsFixtures(api);

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
