// createBadge, updateBadge and deleteBadge over the real server: the answer and what is really
// stored.
import { useApiHarness, gid, uuidOf, expectValidation, expectNotFound, expectConflict } from '../../helpers/api';
import {
  BADGES,
  CREATE_BADGE,
  UPDATE_BADGE,
  DELETE_BADGE,
  AWARD_BADGE,
  gamificationFixtures,
  gamificationRows,
  type TenantRows,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' }, checkCountersAfterEach: true });
const { asCreatorA, asCreatorB, expectUnauthenticated, count } = api;
const { read, mutate } = api.withTokens;

const { badgeRow } = gamificationFixtures(api);
let A: TenantRows;
beforeAll(async () => ({ A } = await gamificationRows(api)));

describe('createBadge', () => {
  test('asCreatorA: creates a badge owned by A, trimmed, with its JSON stored as given', async () => {
    const result = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', {
      input: {
        name: '  Night Owl  ',
        description: 'Active after midnight.',
        criteria: { type: 'streak', days: 7 },
        design: { icon: 'moon' },
      },
    });
    expect(result.__typename).toBe('CreateBadgeSuccess');
    const id = uuidOf(result.data.id);
    expect(result.data).toEqual(
      expect.objectContaining({
        id: gid('Badge', id),
        name: 'Night Owl',
        description: 'Active after midnight.',
        criteria: { type: 'streak', days: 7 },
        design: { icon: 'moon' },
        isActive: true,
        awardedCount: 0,
      }),
    );
    expect(await badgeRow(id)).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        name: 'Night Owl',
        description: 'Active after midnight.',
        criteria: { type: 'streak', days: 7 },
        design: { icon: 'moon' },
        is_active: true,
        awarded_count: 0,
      }),
    );
    // It is in A's list and not in B's.
    const inA = await read(asCreatorA(), BADGES, { filter: { search: 'night owl' } });
    expect(inA.badges.nodes).toEqual([{ id: result.data.id }]);
    const inB = await read(asCreatorB(), BADGES, { filter: { search: 'night owl' } });
    expect(inB.badges.nodes).toEqual([]);
  });

  test('asCreatorA: a name A already uses is a ConflictError and writes nothing; B may use the same name', async () => {
    const before = await count(`badges`);
    const dup = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', { input: { name: 'Chatterbox' } });
    expectConflict(dup);
    expect(await count(`badges`)).toBe(before);

    const other = await mutate(asCreatorB(), CREATE_BADGE, 'createBadge', { input: { name: 'Chatterbox' } });
    expect(other.__typename).toBe('CreateBadgeSuccess');
    expect((await badgeRow(uuidOf(other.data.id)))!.creator_id).toBe(api.tenants.creatorB);
    expect(await count(`badges`)).toBe(before + 1);
  });

  test('asCreatorA: invalid input is a ValidationError naming every bad field, and writes nothing', async () => {
    const before = await count(`badges`);
    const result = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', {
      input: { name: 'x'.repeat(101), description: 'y'.repeat(1001) },
    });
    expectValidation(result, ['input.description', 'input.name']);
    const blank = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', { input: { name: '   ' } });
    expectValidation(blank, ['input.name']);
    const missing = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', { input: { description: 'no name' } });
    expectValidation(missing, ['input.name']);
    expect(await count(`badges`)).toBe(before);
  });

  test('asCreatorA: a criteria that is not a JSON object is refused before anything runs', async () => {
    const before = await count(`badges`);
    const { body } = await api.server.gql(
      CREATE_BADGE,
      { input: { name: 'Array criteria', criteria: [1, 2] } },
      { token: asCreatorA() },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count(`badges`)).toBe(before);
  });

  test('asCreatorA: a mutation may select only __typename from its result', async () => {
    const { body } = await api.server.gql(
      `mutation { createBadge(input: { name: "Typename Only" }) { __typename ... on Error { code } } }`,
      {},
      { token: asCreatorA() },
    );
    expect(body).toEqual({ data: { createBadge: { __typename: 'CreateBadgeSuccess' } } });
    expect(await count(`badges WHERE creator_id = $1 AND name = 'Typename Only'`, [api.tenants.creatorA])).toBe(1);
  });

  test('asAnonymous: UNAUTHENTICATED, nothing written', async () => {
    const before = await count(`badges`);
    await expectUnauthenticated(CREATE_BADGE, { input: { name: 'Anonymous badge' } });
    expect(await count(`badges`)).toBe(before);
  });
});

describe('updateBadge', () => {
  test('asCreatorA: changes the given fields and keeps the others', async () => {
    const created = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', {
      input: { name: 'Early Bird', description: 'Up early.', criteria: { type: 'messages_sent', count: 2 } },
    });
    const id = uuidOf(created.data.id);
    const result = await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', {
      id: created.data.id,
      input: { name: 'Early Riser', isActive: false },
    });
    expect(result.__typename).toBe('UpdateBadgeSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        id: created.data.id,
        name: 'Early Riser',
        description: 'Up early.',
        criteria: { type: 'messages_sent', count: 2 },
        isActive: false,
      }),
    );
    expect(await badgeRow(id)).toEqual(
      expect.objectContaining({
        name: 'Early Riser',
        description: 'Up early.',
        criteria: { type: 'messages_sent', count: 2 },
        is_active: false,
        creator_id: api.tenants.creatorA,
      }),
    );
  });

  test('asCreatorA: renaming to a name A already uses is a ConflictError; the badge is unchanged', async () => {
    const id = A.badges.get('On a Roll')!;
    const before = await badgeRow(id);
    const result = await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', {
      id: gid('Badge', id),
      input: { name: 'Chatterbox' },
    });
    expectConflict(result);
    expect(await badgeRow(id)).toEqual(before);
  });

  test('asCreatorA: invalid input or a malformed id is a ValidationError; the badge is unchanged', async () => {
    const id = A.badges.get('On a Roll')!;
    const before = await badgeRow(id);
    expectValidation(
      await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', {
        id: gid('Badge', id),
        input: { name: ' ', description: 'z'.repeat(1001) },
      }),
      ['input.description', 'input.name'],
    );
    expectValidation(
      await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', { id: 'not-a-global-id', input: { name: 'Whatever' } }),
      ['id'],
    );
    expectValidation(
      await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', { id: gid('User', id), input: { name: 'Whatever' } }),
      ['id'],
    );
    expect(await badgeRow(id)).toEqual(before);
  });

  test('asCreatorA: a well-formed id that does not exist is a NotFoundError', async () => {
    expectNotFound(
      await mutate(asCreatorA(), UPDATE_BADGE, 'updateBadge', {
        id: gid('Badge', '00000000-0000-4000-8000-000000000000'),
        input: { name: 'Ghost' },
      }),
    );
  });
});

describe('deleteBadge', () => {
  test('asCreatorA: deletes the badge and every award of it; returns its id; a second delete is a NotFoundError', async () => {
    const created = await mutate(asCreatorA(), CREATE_BADGE, 'createBadge', { input: { name: 'Short-lived' } });
    const id = uuidOf(created.data.id);
    for (const userId of A.users.slice(0, 3)) {
      expect(
        (
          await mutate(asCreatorA(), AWARD_BADGE, 'awardBadge', {
            userId: gid('User', userId),
            badgeId: created.data.id,
          })
        ).__typename,
      ).toBe('AwardBadgeSuccess');
    }
    expect(await count(`user_badges WHERE badge_id = $1`, [id])).toBe(3);

    const result = await mutate(asCreatorA(), DELETE_BADGE, 'deleteBadge', { id: created.data.id });
    expect(result).toEqual({ __typename: 'DeleteBadgeSuccess', data: created.data.id });
    expect(await badgeRow(id)).toBeUndefined();
    expect(await count(`user_badges WHERE badge_id = $1`, [id])).toBe(0);

    expectNotFound(await mutate(asCreatorA(), DELETE_BADGE, 'deleteBadge', { id: created.data.id }));
  });

  test('asCreatorA: a malformed id is a ValidationError naming id, nothing deleted', async () => {
    const before = await count(`badges`);
    expectValidation(await mutate(asCreatorA(), DELETE_BADGE, 'deleteBadge', { id: 'Badge:123' }), ['id']);
    expectValidation(
      await mutate(asCreatorA(), DELETE_BADGE, 'deleteBadge', { id: gid('Achievement', A.badges.get('Chatterbox')!) }),
      ['id'],
    );
    expect(await count(`badges`)).toBe(before);
  });

  test('asAnonymous: UNAUTHENTICATED, nothing deleted', async () => {
    const before = await count(`badges`);
    await expectUnauthenticated(DELETE_BADGE, { id: gid('Badge', A.badges.get('Chatterbox')!) });
    expect(await count(`badges`)).toBe(before);
  });
});
