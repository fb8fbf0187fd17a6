// Automatic badge awards over the real server: the events a rule counts award it exactly once
// however many race, with awarded_count exact, the evidence in criteria_met and a badgeAwarded
// push; points and the leaderboard agree with achievements. Awards come from the evaluate_badges
// job the writes queue: the tests wait for the queue to be empty (evaluationsSettled) before they
// look.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { useApiHarness, uuidOf, ERRORS, type Json } from '../../helpers/api';
import { RECORD, SEND, GRANT, criteriaFixtures } from './criteria-fixtures';

const api = useApiHarness({ checkCountersAfterEach: true, env: { JOBS_ENABLED: 'true' } });
const { mutate, query, sql, one, count } = api;

const { badge, freshUser, evaluationsSettled, awardsOf, awardedCount } = criteriaFixtures(api);

describe('automatic awards', () => {
  test('asCreatorA: a user\'s third message awards "messages_sent 3" once, with its evidence, and badgeAwarded fires', async () => {
    const rule = await badge('asCreatorA', { type: 'messages_sent', count: 3 });
    const user = await freshUser();
    const conversation = (
      await mutate(
        'asCreatorA',
        `mutation($input: CreateConversationInput!) { createConversation(input: $input) { __typename ... on CreateConversationSuccess { data { id } } ${ERRORS} } }`,
        'createConversation',
        {
          input: { userId: user.id, channel: 'WEB' },
        },
      )
    ).data.id;

    const pushed: Json[] = [];
    const client = createClient({
      url: api.server.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${api.asCreatorA()}` },
      lazy: false,
      retryAttempts: 0,
    });
    const pushedB: Json[] = [];
    const clientB = createClient({
      url: api.server.url.replace('http', 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${api.asCreatorB()}` },
      lazy: false,
      retryAttempts: 0,
    });
    try {
      const ready = (c: typeof client, into: Json[]) =>
        new Promise<void>((resolve) => {
          c.on('connected', () => setTimeout(resolve, 200));
          c.subscribe(
            { query: 'subscription { badgeAwarded { id badge { id } user { id } criteriaMet } }' },
            { next: (v) => into.push(v.data as Json), error: () => undefined, complete: () => undefined },
          );
        });
      await Promise.all([ready(client, pushed), ready(clientB, pushedB)]);

      for (let i = 1; i <= 3; i++) {
        expect(
          (
            await mutate('asCreatorA', SEND, 'sendMessage', {
              input: { conversationId: conversation, content: `hello ${i}`, senderType: 'USER' },
            })
          ).__typename,
        ).toBe('SendMessageSuccess');
        await evaluationsSettled();
        expect(await awardsOf(rule.uuid)).toHaveLength(i < 3 ? 0 : 1);
      }
      // Messages from the creator or the AI do not count.
      await mutate('asCreatorA', SEND, 'sendMessage', {
        input: { conversationId: conversation, content: 'from the creator' },
      });
      await evaluationsSettled();
      const [award] = await awardsOf(rule.uuid);
      expect(award!.user_id).toBe(user.uuid);
      expect(award!.criteria_met).toEqual({
        rule: { type: 'messages_sent', count: 3, actual: 3 },
        evaluatedAt: expect.any(String),
      });
      expect(await awardedCount(rule.uuid)).toBe(1);

      for (let i = 0; i < 100 && !pushed.some((p) => p.badgeAwarded.badge.id === rule.id); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(pushed.filter((p) => p.badgeAwarded.badge.id === rule.id)).toEqual([
        { badgeAwarded: expect.objectContaining({ badge: { id: rule.id }, user: { id: user.id } }) },
      ]);
      // Creator B's dashboard hears nothing of it.
      expect(pushedB.filter((p) => p.badgeAwarded.badge.id === rule.id)).toEqual([]);
    } finally {
      await client.dispose();
      await clientB.dispose();
    }
  });

  test('asCreatorA: 50 interactions at the same moment award the badge exactly once', async () => {
    const rule = await badge('asCreatorA', { type: 'interactions', interactionType: 'quiz_answered', count: 1 });
    const user = await freshUser();
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        mutate('asCreatorA', RECORD, 'recordInteraction', {
          input: { userId: user.id, interactionType: 'quiz_answered' },
        }),
      ),
    );
    expect(results.every((r) => r.__typename === 'RecordInteractionSuccess')).toBe(true);
    await evaluationsSettled();
    expect(await awardsOf(rule.uuid)).toHaveLength(1);
    expect(await awardedCount(rule.uuid)).toBe(1);
    expect(
      await count(`user_interactions WHERE user_id = $1 AND interaction_type = 'quiz_answered'`, [user.uuid]),
    ).toBe(50);
  });

  test('asCreatorA: completing a program awards program_completed and programs_completed rules', async () => {
    const enrollment = (await one(
      `SELECT id, user_id, program_id FROM program_enrollments WHERE creator_id = $1 AND status = 'active' LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const specific = await badge('asCreatorA', { type: 'program_completed', programId: enrollment.program_id });
    const many = await badge('asCreatorA', { type: 'programs_completed', count: 1 });
    await sql(`DELETE FROM user_badges WHERE user_id = $1 AND badge_id = $2`, [enrollment.user_id, many.uuid]);
    // Completed by another writer (an import, psql): the rules still hold.
    await sql(
      `UPDATE program_enrollments SET status = 'completed', completed_at = now(), progress = 100 WHERE id = $1`,
      [enrollment.id],
    );
    await evaluationsSettled();
    expect((await awardsOf(specific.uuid)).map((a) => a.user_id)).toEqual([enrollment.user_id]);
    expect((await awardsOf(many.uuid)).map((a) => a.user_id)).toContain(enrollment.user_id);
  });

  test('asCreatorA: achievements carry points; points_total awards, and pointsTotal and the leaderboard agree', async () => {
    const rule = await badge('asCreatorA', {
      allOf: [
        { type: 'points_total', atLeast: 5000 },
        {
          anyOf: [
            { type: 'streak', days: 30 },
            { type: 'interactions', interactionType: 'high_score', count: 1 },
          ],
        },
      ],
    });
    const user = await freshUser();
    await mutate('asCreatorA', GRANT, 'grantAchievement', {
      input: { userId: user.id, achievementType: 'tournament_won', points: 3000 },
    });
    await mutate('asCreatorA', RECORD, 'recordInteraction', {
      input: { userId: user.id, interactionType: 'high_score' },
    });
    await evaluationsSettled();
    expect(await awardsOf(rule.uuid)).toHaveLength(0);
    await mutate('asCreatorA', GRANT, 'grantAchievement', {
      input: { userId: user.id, achievementType: 'tournament_won', points: 2500 },
    });
    await evaluationsSettled();
    const [award] = await awardsOf(rule.uuid);
    expect(award!.criteria_met.rule).toEqual({
      allOf: [
        { type: 'points_total', atLeast: 5000, actual: 5500 },
        { anyOf: [{ type: 'interactions', interactionType: 'high_score', count: 1, actual: 1 }] },
      ],
    });
    const data = await query(
      'asCreatorA',
      `query($id: ID!) { user(id: $id) { pointsTotal } leaderboard(first: 100) { rank points achievements user { id } } }`,
      { id: user.id },
    );
    expect(data.user.pointsTotal).toBe('5500');
    const entry = data.leaderboard.find((e: Json) => e.user.id === user.id);
    expect(entry).toEqual(expect.objectContaining({ points: '5500', achievements: '2', rank: 1 }));
    // Every entry's points are the sum of that user's achievement points.
    for (const e of data.leaderboard as Json[]) {
      expect(e.points).toBe(
        (await one(`SELECT coalesce(sum(points), 0)::text AS p FROM achievements WHERE user_id = $1`, [
          uuidOf(e.user.id),
        ]))!.p,
      );
    }
  });
});
