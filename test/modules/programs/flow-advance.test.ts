// advanceEnrollment over the real server: moves only along allowed transitions, records progress
// and the interaction, and at an end step completes the enrollment, grants its achievement and
// awards badges, in one transaction. Invalid moves write nothing, and creator B cannot move creator
// A's enrollments.
import { useApiHarness, uuidOf, type Json } from '../../helpers/api';
import { QUIZ, flowFixtures } from './flow-fixtures';

// The server runs its jobs: badges earned by a move are awarded by the evaluate_badges job.
const api = useApiHarness({ checkCountersAfterEach: true, env: { JOBS_ENABLED: 'true' } });
const { mutate, sql, one, count, snapshot } = api;

const { publishedProgram, freshUser, enroll, evaluationsSettled, awardOf, advance } = flowFixtures(api);

/** Makes the names of the programs and badges these tests create unique. */
let seq = 0;

describe('advanceEnrollment', () => {
  test('asCreatorA: a flow walked to completion records every step, completes and grants the achievement in one transaction; the badge it earns follows', async () => {
    const program = await publishedProgram(QUIZ, { completionPoints: 250 });
    const badge = await mutate(
      'asCreatorA',
      `mutation($input: BadgeInput!) { createBadge(input: $input) { ... on CreateBadgeSuccess { data { id } } } }`,
      'createBadge',
      {
        input: { name: `Finisher ${++seq}`, criteria: { type: 'program_completed', programId: program.id } },
      },
    );
    const userId = await freshUser();
    const enrollment = await enroll(program.id, userId);

    const first = await advance(enrollment.id, {});
    expect(first.data).toEqual(
      expect.objectContaining({
        fromStep: 'welcome',
        toStep: 'stress',
        completed: false,
        achievement: null,
        awardedBadges: [],
      }),
    );
    expect(first.data.enrollment.progress).toBeGreaterThan(0);
    const second = await advance(enrollment.id, { answer: 'very high' });
    expect(second.data.toStep).toBe('breathing');
    const third = await advance(enrollment.id, { toStep: 'bonus' });
    expect(third.data.toStep).toBe('bonus');
    expect(third.data.enrollment.progress).toBeGreaterThan(second.data.enrollment.progress);
    const last = await advance(enrollment.id, {});
    expect(last.data).toEqual(
      expect.objectContaining({
        fromStep: 'bonus',
        toStep: 'reflection',
        completed: true,
        achievement: expect.objectContaining({ points: 250, achievementType: 'program_completed' }),
      }),
    );
    expect(last.data.enrollment).toEqual(
      expect.objectContaining({
        status: 'COMPLETED',
        progress: 100,
        currentStep: 'reflection',
        completedAt: expect.any(String),
      }),
    );
    expect(last.data.enrollment.stepData.history.map((h: Json) => [h.from, h.to])).toEqual([
      ['welcome', 'stress'],
      ['stress', 'breathing'],
      ['breathing', 'bonus'],
      ['bonus', 'reflection'],
    ]);
    expect(last.data.enrollment.stepData.answers).toEqual({ stress: 'very high' });
    const uuid = uuidOf(userId);
    expect(
      (
        await sql(`SELECT interaction_type FROM user_interactions WHERE user_id = $1 ORDER BY created_at, id`, [uuid])
      ).map((r) => r.interaction_type),
    ).toEqual(['program_step_completed', 'program_step_completed', 'program_step_completed', 'program_completed']);
    expect(await count(`achievements WHERE user_id = $1 AND program_id = $2`, [uuid, program.uuid])).toBe(1);
    // The completion earns our badge (and the seeded "First Steps"), awarded once by the job.
    const award = await awardOf(uuid, uuidOf(badge.data.id));
    expect(award.criteria_met).toEqual(
      expect.objectContaining({ rule: { type: 'program_completed', programId: program.uuid, actual: 1 } }),
    );
    expect(await count(`user_badges WHERE user_id = $1 AND badge_id = $2`, [uuid, uuidOf(badge.data.id)])).toBe(1);
    // Completed: no more moves.
    expect((await advance(enrollment.id, {})).code).toBe('CONFLICT');
  });

  test('asCreatorA: invalid moves are INVALID_TRANSITION (or VALIDATION_FAILED) and write nothing', async () => {
    const program = await publishedProgram();
    const enrollment = await enroll(program.id, await freshUser());
    await advance(enrollment.id, {});
    await evaluationsSettled(); // the move's own badge evaluation, before the snapshot
    const tables = {
      enrollment: `program_enrollments WHERE id = '${uuidOf(enrollment.id)}'`,
      interactions: 'user_interactions',
      achievements: 'achievements',
      badges: 'user_badges',
    };
    const before = await snapshot(tables);
    // A question needs an answer.
    const noAnswer = await advance(enrollment.id, {});
    expect(noAnswer.__typename).toBe('ValidationError');
    expect(noAnswer.fields.map((f: Json) => f.path)).toEqual(['input.answer']);
    // An answer no transition accepts.
    expect(await advance(enrollment.id, { answer: 'purple' })).toEqual(
      expect.objectContaining({
        __typename: 'InvalidTransitionError',
        code: 'INVALID_TRANSITION',
        fromStep: 'stress',
        toStep: null,
      }),
    );
    // A step the answer does not lead to, a step that exists elsewhere in the flow, an unknown step.
    expect(await advance(enrollment.id, { answer: 'low', toStep: 'breathing' })).toEqual(
      expect.objectContaining({ code: 'INVALID_TRANSITION', fromStep: 'stress', toStep: 'breathing' }),
    );
    expect((await advance(enrollment.id, { answer: 'low', toStep: 'nowhere' })).code).toBe('INVALID_TRANSITION');
    expect(await snapshot(tables)).toEqual(before);
    // The allowed move still works after all that.
    expect((await advance(enrollment.id, { answer: 'low' })).data.toStep).toBe('reflection');
  });

  test('asCreatorA: concurrent moves of one enrollment are serialised', async () => {
    const program = await publishedProgram();
    const enrollment = await enroll(program.id, await freshUser());
    const results = await Promise.all(Array.from({ length: 5 }, () => advance(enrollment.id, {})));
    // One moved welcome -> stress; the others then stood at the question without an answer.
    expect(results.filter((r) => r.__typename === 'AdvanceEnrollmentSuccess')).toHaveLength(1);
    expect(results.filter((r) => r.__typename === 'ValidationError')).toHaveLength(4);
    const row = (await one(`SELECT current_step, step_data FROM program_enrollments WHERE id = $1`, [
      uuidOf(enrollment.id),
    ]))!;
    expect(row.current_step).toBe('stress');
    expect(row.step_data.history).toHaveLength(1);
  });

  test("asCreatorB cannot move creator A's enrollment", async () => {
    const program = await publishedProgram();
    const enrollment = await enroll(program.id, await freshUser());
    const before = await snapshot({ e: `program_enrollments WHERE id = '${uuidOf(enrollment.id)}'` });
    expect((await advance(enrollment.id, {}, 'asCreatorB')).code).toBe('NOT_FOUND');
    expect(await snapshot({ e: `program_enrollments WHERE id = '${uuidOf(enrollment.id)}'` })).toEqual(before);
  });

  test("the database refuses a current step that the enrollment's flow version lacks, whoever writes", async () => {
    const program = await publishedProgram();
    const enrollment = await enroll(program.id, await freshUser());
    await expect(
      sql(`UPDATE program_enrollments SET current_step = 'teleported' WHERE id = $1`, [uuidOf(enrollment.id)]),
    ).rejects.toThrow(/not in version/);
  });
});
