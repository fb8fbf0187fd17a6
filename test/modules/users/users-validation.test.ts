// Bad input to the users module's mutations is a ValidationError naming the field, and writes nothing.
import crypto from 'node:crypto';
import { useApiHarness, gid, expectValidation } from '../../helpers/api';
import { CREATE_USER, UPDATE_USER, DELETE_USER, UPSERT_PROFILE, RECORD_INTERACTION, usersFixtures } from './fixtures';

const api = useApiHarness();
const { mutate, one, rowOf } = api;
const { counts, aUserOf } = usersFixtures(api);

describe('bad input is a ValidationError naming the field, and writes nothing', () => {
  const validUser = () => ({ externalId: `web-${crypto.randomUUID()}`, channel: 'WEB' });

  test.each([
    ['an email that is not one', { email: 'not-an-email' }, ['input.email']],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }, ['input.timezone']],
    ['an empty externalId', { externalId: '   ' }, ['input.externalId']],
    ['an over-long externalId', { externalId: 'x'.repeat(256) }, ['input.externalId']],
    ['a language that is not a BCP 47 tag', { language: 'English!' }, ['input.language']],
    ['an over-long display name', { displayName: 'n'.repeat(201) }, ['input.displayName']],
    [
      'several bad fields at once',
      { email: 'nope', timezone: 'Nowhere/City', language: '??' },
      ['input.email', 'input.language', 'input.timezone'],
    ],
  ])('asCreatorA: createUser with %s', async (_name, bad, paths) => {
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', { input: { ...validUser(), ...bad } });
    expectValidation(result, paths);
    expect(result.data).toBeUndefined();
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['a bad email', (u: string) => ({ id: gid('User', u), input: { email: 'a@b' } }), ['input.email']],
    [
      'a bad time zone',
      (u: string) => ({ id: gid('User', u), input: { timezone: 'Europe/Nowhere' } }),
      ['input.timezone'],
    ],
    ['an empty timezone', (u: string) => ({ id: gid('User', u), input: { timezone: '' } }), ['input.timezone']],
    ['a Program id as the user id', (u: string) => ({ id: gid('Program', u), input: { displayName: 'x' } }), ['id']],
    ['a malformed id', () => ({ id: 'not-a-global-id', input: { displayName: 'x' } }), ['id']],
    [
      'a global id whose uuid is malformed',
      () => ({ id: Buffer.from('User:123').toString('base64'), input: { displayName: 'x' } }),
      ['id'],
    ],
  ])('asCreatorA: updateUser with %s; the row is unchanged', async (_name, vars, paths) => {
    const ada = await aUserOf(api.tenants.creatorA);
    const before = await rowOf('users', ada.id);
    const result = await mutate('asCreatorA', UPDATE_USER, 'updateUser', vars(ada.id));
    expectValidation(result, paths);
    expect(await rowOf('users', ada.id)).toEqual(before);
  });

  test.each([
    ['engagementScore 150', { engagementScore: 150 }, ['input.engagementScore']],
    ['engagementScore -1', { engagementScore: -1 }, ['input.engagementScore']],
    ['an empty interest', { interests: ['ok', ' '] }, ['input.interests.1']],
    ['goals that are not a list', { goals: { not: 'a list' } }, ['input.goals']],
  ])('asCreatorA: upsertUserProfile with %s; the profile is unchanged', async (_name, input, paths) => {
    const ada = await aUserOf(
      api.tenants.creatorA,
      `EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = users.id)`,
    );
    const before = await one(`SELECT * FROM user_profiles WHERE user_id = $1`, [ada.id]);
    const counted = await counts();
    expectValidation(
      await mutate('asCreatorA', UPSERT_PROFILE, 'upsertUserProfile', { userId: gid('User', ada.id), input }),
      paths,
    );
    expect(await one(`SELECT * FROM user_profiles WHERE user_id = $1`, [ada.id])).toEqual(before);
    expect(await counts()).toEqual(counted);
  });

  test('asCreatorA: upsertUserProfile with a Program id as userId names userId', async () => {
    const program = (await one<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    const before = await counts();
    expectValidation(
      await mutate('asCreatorA', UPSERT_PROFILE, 'upsertUserProfile', {
        userId: gid('Program', program.id),
        input: { engagementScore: 10 },
      }),
      ['userId'],
    );
    expect(await counts()).toEqual(before);
  });

  test.each([
    [
      'an interactionType that is not lower_snake_case',
      (u: string) => ({ userId: gid('User', u), interactionType: 'Lesson Viewed' }),
      ['input.interactionType'],
    ],
    [
      'an empty interactionType',
      (u: string) => ({ userId: gid('User', u), interactionType: '' }),
      ['input.interactionType'],
    ],
    ['a Program id as userId', (u: string) => ({ userId: gid('Program', u), interactionType: 'ok' }), ['input.userId']],
    ['a malformed userId', () => ({ userId: '%%%', interactionType: 'ok' }), ['input.userId']],
    [
      'a User id as programId',
      (u: string) => ({ userId: gid('User', u), interactionType: 'ok', programId: gid('User', u) }),
      ['input.programId'],
    ],
    [
      'a malformed sessionId',
      (u: string) => ({ userId: gid('User', u), interactionType: 'ok', sessionId: 'session-1' }),
      ['input.sessionId'],
    ],
    [
      'a Conversation id as messageId',
      (u: string) => ({ userId: gid('User', u), interactionType: 'ok', messageId: gid('Conversation', u) }),
      ['input.messageId'],
    ],
  ])('asCreatorA: recordInteraction with %s; nothing written, the user not touched', async (_name, input, paths) => {
    const ada = await aUserOf(api.tenants.creatorA);
    const before = await counts();
    const user = await rowOf('users', ada.id);
    expectValidation(
      await mutate('asCreatorA', RECORD_INTERACTION, 'recordInteraction', { input: input(ada.id) }),
      paths,
    );
    expect(await counts()).toEqual(before);
    expect(await rowOf('users', ada.id)).toEqual(user);
  });

  test('asCreatorA: deleteUser with a Program id or a malformed id names id and deletes nothing', async () => {
    const ada = await aUserOf(api.tenants.creatorA);
    const before = await counts();
    expectValidation(await mutate('asCreatorA', DELETE_USER, 'deleteUser', { id: gid('Program', ada.id) }), ['id']);
    expectValidation(await mutate('asCreatorA', DELETE_USER, 'deleteUser', { id: 'garbage' }), ['id']);
    expect(await counts()).toEqual(before);
  });
});
