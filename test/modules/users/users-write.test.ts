// createUser / updateUser / deleteUser over the real server: the answer and what is really stored.
import crypto from 'node:crypto';
import { useApiHarness, gid, uuidOf, expectNotFound, NODE, type Json } from '../../helpers/api';
import { CREATE_USER, UPDATE_USER, DELETE_USER, usersFixtures } from './fixtures';

const api = useApiHarness();
const { query, mutate, one, rowOf, expectNoCounterDrift } = api;
const { counts, aUserOf } = usersFixtures(api);

describe('createUser / updateUser / deleteUser', () => {
  test('asCreatorA: createUser stores the user for Ada (normalized), defaults applied, readable by node()', async () => {
    const externalId = `tg-${crypto.randomBytes(4).toString('hex')}`;
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: {
        externalId: `  ${externalId} `,
        channel: 'TELEGRAM',
        displayName: ' Lin Hua ',
        email: ' Lin.Hua@Example.COM ',
        profileData: { source: 'test' },
      },
    });
    expect(result.__typename).toBe('CreateUserSuccess');
    const row = (await one(`SELECT * FROM users WHERE external_id = $1`, [externalId]))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        channel: 'telegram',
        display_name: 'Lin Hua',
        email: 'lin.hua@example.com',
        timezone: 'UTC',
        language: 'en',
        is_active: true,
        profile_data: { source: 'test' },
        preferences: {},
      }),
    );
    expect(result.data).toEqual(
      expect.objectContaining({
        id: gid('User', row.id),
        externalId,
        channel: 'TELEGRAM',
        displayName: 'Lin Hua',
        email: 'lin.hua@example.com',
        timezone: 'UTC',
        language: 'en',
        isActive: true,
        lastActiveAt: null,
      }),
    );
    expect((await counts()).users).toBe(before.users + 1);

    const { node } = await query('asCreatorA', NODE, { id: result.data.id });
    expect(node).toEqual({ __typename: 'User', id: result.data.id });
    await expectNoCounterDrift();
  });

  test.each([
    ['Europe/London'],
    ['UTC'],
    ['Etc/UTC'],
    ['Asia/Kolkata'],
    ['Europe/Kyiv'],
    ['America/Argentina/Buenos_Aires'],
    ['America/New_York'],
  ])('asCreatorA: createUser accepts the IANA time zone %s and stores it', async (timezone) => {
    const externalId = `web-${crypto.randomUUID()}`;
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { externalId, channel: 'WEB', timezone },
    });
    expect({ timezone, typename: result.__typename, fields: result.fields }).toEqual({
      timezone,
      typename: 'CreateUserSuccess',
      fields: undefined,
    });
    expect(result.data.timezone).toBe(timezone);
    expect((await one(`SELECT timezone FROM users WHERE external_id = $1`, [externalId]))!.timezone).toBe(timezone);
  });

  test('asCreatorA: the same channel and externalId twice is a ConflictError and writes nothing', async () => {
    const existing = await aUserOf(api.tenants.creatorA);
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { externalId: existing.external_id, channel: existing.channel.toUpperCase() },
    });
    expect(result).toEqual(expect.objectContaining({ __typename: 'ConflictError', code: 'CONFLICT' }));
    expect(await counts()).toEqual(before);
  });

  test("asCreatorA: the same externalId as one of Grace's users is fine (unique per creator)", async () => {
    const grace = await aUserOf(api.tenants.creatorB);
    const result = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { externalId: grace.external_id, channel: grace.channel.toUpperCase() },
    });
    expect(result.__typename).toBe('CreateUserSuccess');
    const row = (await rowOf('users', uuidOf(result.data.id)))!;
    expect(row.creator_id).toBe(api.tenants.creatorA);
    expect(await rowOf('users', grace.id)).toEqual(grace);
  });

  test('asCreatorA: updateUser changes only the given fields; the DB shows it and updatedAt moves', async () => {
    const created = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: {
        externalId: `web-${crypto.randomUUID()}`,
        channel: 'WEB',
        displayName: 'Before',
        email: 'before@example.com',
      },
    });
    const id = uuidOf(created.data.id);
    const before = (await rowOf('users', id))!;
    const result = await mutate('asCreatorA', UPDATE_USER, 'updateUser', {
      id: created.data.id,
      input: {
        displayName: 'After',
        timezone: 'Asia/Tokyo',
        language: 'de',
        isActive: false,
        preferences: { theme: 'dark' },
      },
    });
    expect(result.__typename).toBe('UpdateUserSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        id: created.data.id,
        displayName: 'After',
        email: 'before@example.com',
        timezone: 'Asia/Tokyo',
        language: 'de',
        isActive: false,
        preferences: { theme: 'dark' },
      }),
    );
    const after = (await rowOf('users', id))!;
    expect(after).toEqual({
      ...before,
      display_name: 'After',
      timezone: 'Asia/Tokyo',
      language: 'de',
      is_active: false,
      preferences: { theme: 'dark' },
      updated_at: expect.any(Date),
      change_xid: expect.any(String),
    });
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
  });

  test('asCreatorA: deleteUser removes the user and everything about them; counters follow', async () => {
    const ada = await aUserOf(
      api.tenants.creatorA,
      `EXISTS (SELECT 1 FROM program_enrollments e WHERE e.user_id = users.id) AND EXISTS (SELECT 1 FROM conversations c WHERE c.user_id = users.id) AND EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = users.id)`,
    );
    const related = async () =>
      (await one<Json>(
        `SELECT (SELECT count(*) FROM program_enrollments WHERE user_id = $1)::int AS enrollments,
                (SELECT count(*) FROM conversations WHERE user_id = $1)::int AS conversations,
                (SELECT count(*) FROM user_profiles WHERE user_id = $1)::int AS profiles,
                (SELECT count(*) FROM user_interactions WHERE user_id = $1)::int AS interactions,
                (SELECT count(*) FROM user_badges WHERE user_id = $1)::int AS badges`,
        [ada.id],
      ))!;
    const had = await related();
    expect(had.enrollments).toBeGreaterThan(0);
    expect(had.conversations).toBeGreaterThan(0);
    const before = await counts();

    const result = await mutate('asCreatorA', DELETE_USER, 'deleteUser', { id: gid('User', ada.id) });
    expect(result).toEqual({ __typename: 'DeleteUserSuccess', data: gid('User', ada.id) });
    expect(await rowOf('users', ada.id)).toBeUndefined();
    expect(await related()).toEqual({ enrollments: 0, conversations: 0, profiles: 0, interactions: 0, badges: 0 });
    const after = await counts();
    expect(after.users).toBe(before.users - 1);
    expect(after.enrollments).toBe(before.enrollments - had.enrollments);
    await expectNoCounterDrift();

    const { node } = await query('asCreatorA', NODE, { id: gid('User', ada.id) });
    expect(node).toBeNull();
    // Deleting it again: it is gone.
    expectNotFound(await mutate('asCreatorA', DELETE_USER, 'deleteUser', { id: gid('User', ada.id) }));
  });
});
