// updateMe over the real server: a creator's profile and settings, checked against what is really
// stored.
import { useApiHarness, gid } from '../../helpers/api';
import { expectValidation, UPDATE_ME, channelsFixtures } from '../channels/fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, expectUnauthenticated, sql } = api;
const { mutate } = api.withTokens;

const { creatorRow } = channelsFixtures(api);

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
