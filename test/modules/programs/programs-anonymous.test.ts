// The programs module as an anonymous caller: refused, and nothing written or changed.
import { useApiHarness, gid } from '../../helpers/api';
import { PROGRAMS, ENROLLMENTS, CREATE_PROGRAM, PUBLISH_PROGRAM, ENROLL, programsFixtures } from './fixtures';

const api = useApiHarness();
const { send, rowOf } = api;
const { counts, programOf, userNotIn } = programsFixtures(api);

describe('asAnonymous', () => {
  test.each([
    ['programs', PROGRAMS],
    ['enrollments', ENROLLMENTS],
  ])('%s: UNAUTHENTICATED and no data', async (_name, document) => {
    const { body } = await send('asAnonymous', document, { first: 5 });
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.data ?? null).toBeNull();
  });

  test('createProgram, publishProgram and enrollUser: UNAUTHENTICATED, nothing written or changed', async () => {
    const draft = await programOf(api.tenants.creatorA, 'draft');
    const published = await programOf(api.tenants.creatorA, 'published');
    const user = await userNotIn(api.tenants.creatorA, published.id);
    const before = await counts();
    for (const [document, variables] of [
      [CREATE_PROGRAM, { input: { name: 'Anonymous program' } }],
      [PUBLISH_PROGRAM, { id: gid('Program', draft.id) }],
      [ENROLL, { programId: gid('Program', published.id), userId: gid('User', user) }],
    ] as const) {
      const { body } = await send('asAnonymous', document, variables);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(body.data ?? null).toBeNull();
    }
    expect(await counts()).toEqual(before);
    expect(await rowOf('programs', draft.id)).toEqual(draft);
  });
});
