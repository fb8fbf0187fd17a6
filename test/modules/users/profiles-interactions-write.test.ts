// upsertUserProfile, recordInteraction and deleteInteraction over the real server: the answer and
// what is really stored.
import crypto from 'node:crypto';
import { useApiHarness, gid, uuidOf } from '../../helpers/api';
import {
  INTERACTIONS,
  CREATE_USER,
  UPSERT_PROFILE,
  RECORD_INTERACTION,
  DELETE_INTERACTION,
  usersFixtures,
} from './fixtures';

const api = useApiHarness();
const { query, mutate, sql, one, rowOf } = api;
const { counts, aUserOf } = usersFixtures(api);

describe('upsertUserProfile', () => {
  test('asCreatorA: creates the profile of a user without one, then updates the same row', async () => {
    const created = await mutate('asCreatorA', CREATE_USER, 'createUser', {
      input: { externalId: `web-${crypto.randomUUID()}`, channel: 'WEB' },
    });
    const userId = uuidOf(created.data.id);
    expect(await one(`SELECT 1 FROM user_profiles WHERE user_id = $1`, [userId])).toBeUndefined();

    const first = await mutate('asCreatorA', UPSERT_PROFILE, 'upsertUserProfile', {
      userId: created.data.id,
      input: { interests: ['sleep', 'running'], goals: ['sleep better'], engagementScore: 42.5 },
    });
    expect(first.__typename).toBe('UpsertUserProfileSuccess');
    expect(first.data).toEqual(
      expect.objectContaining({
        interests: ['sleep', 'running'],
        goals: ['sleep better'],
        engagementScore: 42.5,
        preferences: {},
        behaviorPatterns: {},
        user: { id: created.data.id },
      }),
    );
    const rows = await sql(`SELECT * FROM user_profiles WHERE user_id = $1`, [userId]);
    expect(rows).toEqual([
      expect.objectContaining({
        id: uuidOf(first.data.id),
        creator_id: api.tenants.creatorA,
        interests: ['sleep', 'running'],
        goals: ['sleep better'],
        engagement_score: 42.5,
      }),
    ]);

    const second = await mutate('asCreatorA', UPSERT_PROFILE, 'upsertUserProfile', {
      userId: created.data.id,
      input: { engagementScore: 80, preferences: { contactTime: 'evening' } },
    });
    expect(second.__typename).toBe('UpsertUserProfileSuccess');
    expect(second.data.id).toBe(first.data.id);
    expect(second.data).toEqual(
      expect.objectContaining({
        interests: ['sleep', 'running'],
        engagementScore: 80,
        preferences: { contactTime: 'evening' },
      }),
    );
    expect(await sql(`SELECT * FROM user_profiles WHERE user_id = $1`, [userId])).toEqual([
      expect.objectContaining({
        id: uuidOf(first.data.id),
        interests: ['sleep', 'running'],
        goals: ['sleep better'],
        engagement_score: 80,
        preferences: { contactTime: 'evening' },
      }),
    ]);

    // user -> profile and profile -> user.
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on User { profile { id engagementScore user { id } } } } }`,
      { id: created.data.id },
    );
    expect(node.profile).toEqual({ id: first.data.id, engagementScore: 80, user: { id: created.data.id } });
  });
});

describe('recordInteraction / deleteInteraction', () => {
  test('asCreatorA: records the interaction with its references and marks the user active now', async () => {
    const link = (await one<{ user_id: string; session_id: string; program_id: string; message_id: string }>(
      `SELECT s.user_id, s.id AS session_id,
              (SELECT id FROM programs WHERE creator_id = $1 ORDER BY created_at LIMIT 1) AS program_id,
              (SELECT id FROM messages WHERE creator_id = $1 ORDER BY created_at LIMIT 1) AS message_id
         FROM user_sessions s WHERE s.creator_id = $1 ORDER BY s.started_at LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    await api.owner.query(`UPDATE users SET last_active_at = now() - interval '30 days' WHERE id = $1`, [link.user_id]);
    const before = await counts();
    const started = Date.now();
    const result = await mutate('asCreatorA', RECORD_INTERACTION, 'recordInteraction', {
      input: {
        userId: gid('User', link.user_id),
        interactionType: 'quiz.answered',
        interactionData: { answer: 'b' },
        channel: 'WEB',
        sessionId: gid('UserSession', link.session_id),
        programId: gid('Program', link.program_id),
        messageId: gid('Message', link.message_id),
      },
    });
    expect(result.__typename).toBe('RecordInteractionSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        interactionType: 'quiz.answered',
        interactionData: { answer: 'b' },
        channel: 'WEB',
        user: expect.objectContaining({ id: gid('User', link.user_id) }),
        program: { id: gid('Program', link.program_id) },
        session: { id: gid('UserSession', link.session_id) },
        message: { id: gid('Message', link.message_id) },
      }),
    );
    const row = (await rowOf('user_interactions', uuidOf(result.data.id)))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        user_id: link.user_id,
        interaction_type: 'quiz.answered',
        interaction_data: { answer: 'b' },
        channel: 'web',
        session_id: link.session_id,
        program_id: link.program_id,
        message_id: link.message_id,
      }),
    );
    const user = (await rowOf('users', link.user_id))!;
    expect(user.last_active_at.getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(Math.abs(user.last_active_at.getTime() - row.created_at.getTime())).toBeLessThanOrEqual(1);
    expect((await counts()).interactions).toBe(before.interactions + 1);

    // It is the newest interaction, in the list and on the user.
    const { interactions } = await query('asCreatorA', INTERACTIONS, { first: 1 });
    expect(interactions.nodes[0].id).toBe(result.data.id);
    const { node } = await query(
      'asCreatorA',
      `query($id: ID!) { node(id: $id) { ... on User { interactions(first: 1) { totalCount nodes { id } } } } }`,
      { id: gid('User', link.user_id) },
    );
    expect(node.interactions.nodes[0].id).toBe(result.data.id);
    expect(node.interactions.totalCount).toBe(
      (await one<{ n: number }>(`SELECT count(*)::int AS n FROM user_interactions WHERE user_id = $1`, [link.user_id]))!
        .n,
    );
  });

  test('asCreatorA: recordInteraction with only the required fields', async () => {
    const user = await aUserOf(api.tenants.creatorA);
    const result = await mutate('asCreatorA', RECORD_INTERACTION, 'recordInteraction', {
      input: { userId: gid('User', user.id), interactionType: 'opened_app' },
    });
    expect(result.__typename).toBe('RecordInteractionSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({ interactionData: {}, channel: null, program: null, session: null, message: null }),
    );
  });

  test('asCreatorA: deleteInteraction removes it', async () => {
    const user = await aUserOf(api.tenants.creatorA);
    const created = await mutate('asCreatorA', RECORD_INTERACTION, 'recordInteraction', {
      input: { userId: gid('User', user.id), interactionType: 'to_delete' },
    });
    const before = await counts();
    const result = await mutate('asCreatorA', DELETE_INTERACTION, 'deleteInteraction', { id: created.data.id });
    expect(result).toEqual({ __typename: 'DeleteInteractionSuccess', data: created.data.id });
    expect(await rowOf('user_interactions', uuidOf(created.data.id))).toBeUndefined();
    expect((await counts()).interactions).toBe(before.interactions - 1);
  });
});
