// The users module as an anonymous caller: refused, and nothing written.
import crypto from 'node:crypto';
import { useApiHarness, gid, NODE } from '../../helpers/api';
import { USERS, INTERACTIONS, CREATE_USER, UPSERT_PROFILE, RECORD_INTERACTION, usersFixtures } from './fixtures';

const api = useApiHarness();
const { send } = api;
const { counts, aUserOf } = usersFixtures(api);

describe('asAnonymous', () => {
  test.each([
    ['users', USERS],
    ['interactions', INTERACTIONS],
  ])('%s: UNAUTHENTICATED and no data', async (_name, document) => {
    const { body } = await send('asAnonymous', document, { first: 5 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  test("node(id) of Ada's user is null", async () => {
    const ada = await aUserOf(api.tenants.creatorA);
    const { body } = await send('asAnonymous', NODE, { id: gid('User', ada.id) });
    expect(body.data?.node ?? null).toBeNull();
  });

  test('createUser and recordInteraction: UNAUTHENTICATED, nothing written', async () => {
    const ada = await aUserOf(api.tenants.creatorA);
    const before = await counts();
    for (const [document, variables] of [
      [CREATE_USER, { input: { externalId: `web-${crypto.randomUUID()}`, channel: 'WEB' } }],
      [RECORD_INTERACTION, { input: { userId: gid('User', ada.id), interactionType: 'anon' } }],
      [UPSERT_PROFILE, { userId: gid('User', ada.id), input: { engagementScore: 3 } }],
    ] as const) {
      const { body } = await send('asAnonymous', document, variables);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.data ?? null).toBeNull();
    }
    expect(await counts()).toEqual(before);
  });
});
