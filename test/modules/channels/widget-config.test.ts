// widgetConfig / updateWidgetConfig over the real server: one config per creator, read top-level and
// through me, and updates checked against what is really stored.
import { useApiHarness } from '../../helpers/api';
import { expectValidation, WIDGET, UPDATE_WIDGET, channelsFixtures } from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, sql } = api;
const { read, mutate } = api.withTokens;

const { widgetOf, channelState } = channelsFixtures(api);

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
