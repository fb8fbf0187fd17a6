// Program flows over the real server: publishing checks the graph (every problem typed) and
// bumps the version; enrollments keep the version they started on; advanceEnrollment moves only
// along allowed transitions, records progress and the interaction, and at an end step completes
// the enrollment, grants its achievement and awards badges, in one transaction. Invalid moves
// write nothing, and creator B cannot move creator A's enrollments.
import { useApiHarness, uuidOf, ERRORS, type Json } from '../../helpers/api';

// The server runs its jobs: badges earned by a move are awarded by the evaluate_badges job.
const api = useApiHarness({ checkCountersAfterEach: true, env: { JOBS_ENABLED: 'true' } });
const { mutate, sql, one, count, snapshot } = api;

const PROGRAM = `id version status flowDefinition`;
const CREATE = `mutation($input: CreateProgramInput!) { createProgram(input: $input) { __typename ... on CreateProgramSuccess { data { ${PROGRAM} } } ${ERRORS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateProgramInput!) { updateProgram(id: $id, input: $input) { __typename ... on UpdateProgramSuccess { data { ${PROGRAM} } } ${ERRORS} } }`;
const PUBLISH = `mutation($id: ID!) { publishProgram(id: $id) { __typename ... on PublishProgramSuccess { data { ${PROGRAM} } } ... on InvalidFlowError { code problems { kind stepId message } } ${ERRORS} } }`;
const ENROLL = `mutation($p: ID!, $u: ID!) { enrollUser(programId: $p, userId: $u) { __typename ... on EnrollUserSuccess { data { id programVersion currentStep } } ${ERRORS} } }`;
const ADVANCE = `mutation($id: ID!, $input: AdvanceEnrollmentInput!) { advanceEnrollment(enrollmentId: $id, input: $input) {
  __typename
  ... on AdvanceEnrollmentSuccess { data { fromStep toStep completed enrollment { id status progress currentStep completedAt stepData programVersion } achievement { id points achievementType } awardedBadges { id badge { id } criteriaMet } } }
  ... on InvalidTransitionError { fromStep toStep }
  ${ERRORS}
} }`;

const QUIZ = {
  start: 'welcome',
  steps: [
    { id: 'welcome', type: 'content', title: 'Hello', transitions: [{ to: 'stress' }] },
    {
      id: 'stress',
      type: 'question',
      title: 'How stressed?',
      transitions: [
        { to: 'breathing', condition: { answerIn: ['high', 'very high'] } },
        { to: 'reflection', condition: { answerIn: ['low', 'medium'] } },
      ],
    },
    { id: 'breathing', type: 'task', transitions: [{ to: 'reflection' }, { to: 'bonus' }] },
    { id: 'bonus', type: 'task', transitions: [{ to: 'reflection' }] },
    { id: 'reflection', type: 'checkpoint', end: true },
  ],
};

let seq = 0;
async function publishedProgram(
  flow: Json = QUIZ,
  settings: Json = {},
): Promise<{ id: string; uuid: string; version: number }> {
  const created = await mutate('asCreatorA', CREATE, 'createProgram', {
    input: { name: `Flow ${++seq}`, flowDefinition: flow, settings },
  });
  const published = await mutate('asCreatorA', PUBLISH, 'publishProgram', { id: created.data.id });
  expect(published.__typename).toBe('PublishProgramSuccess');
  return { id: created.data.id, uuid: uuidOf(created.data.id), version: published.data.version };
}
async function freshUser(actor: 'asCreatorA' | 'asCreatorB' = 'asCreatorA'): Promise<string> {
  const r = await mutate(
    actor,
    `mutation($input: CreateUserInput!) { createUser(input: $input) { ... on CreateUserSuccess { data { id } } } }`,
    'createUser',
    { input: { externalId: `flow-${++seq}-${Date.now()}`, channel: 'WEB' } },
  );
  return r.data.id;
}
async function enroll(programId: string, userId: string): Promise<Json> {
  const r = await mutate('asCreatorA', ENROLL, 'enrollUser', { p: programId, u: userId });
  expect(r.__typename).toBe('EnrollUserSuccess');
  return r.data;
}
/** Waits (generously) until no badge evaluation is queued or running. */
async function evaluationsSettled(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { n } =
      (await one(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE t.identifier = 'evaluate_badges' AND j.attempts < j.max_attempts`))!;
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} badge evaluations still queued after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
/** The award of a badge to a user, waited for (generously) from the evaluate_badges job. */
async function awardOf(userId: string, badgeId: string): Promise<Json> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const award = await one(`SELECT criteria_met FROM user_badges WHERE user_id = $1 AND badge_id = $2`, [
      userId,
      badgeId,
    ]);
    if (award) return award;
    if (Date.now() > deadline) throw new Error(`badge ${badgeId} was not awarded to ${userId} within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const advance = (enrollmentId: string, input: Json, actor: 'asCreatorA' | 'asCreatorB' = 'asCreatorA') =>
  mutate(actor, ADVANCE, 'advanceEnrollment', { id: enrollmentId, input });

describe('publishing checks the flow', () => {
  test('asCreatorA: unreachable steps, dangling transitions, a missing start and more are typed, and nothing changes', async () => {
    const cases: [Json, [string, string | null][]][] = [
      [{ steps: [{ id: 'a', end: true }] }, [['MISSING_START', null]]],
      [{ start: 'nowhere', steps: [{ id: 'a', end: true }] }, [['UNKNOWN_START', 'nowhere']]],
      [
        {
          start: 'a',
          steps: [
            { id: 'a', transitions: [{ to: 'ghost' }, { to: 'b' }] },
            { id: 'b', end: true },
          ],
        },
        [['DANGLING_TRANSITION', 'a']],
      ],
      [
        {
          start: 'a',
          steps: [
            { id: 'a', transitions: [{ to: 'b' }] },
            { id: 'b', end: true },
            { id: 'island', transitions: [{ to: 'b' }] },
          ],
        },
        [['UNREACHABLE_STEP', 'island']],
      ],
      [
        { start: 'a', steps: [{ id: 'a', transitions: [{ to: 'b' }] }, { id: 'b' }] },
        [
          ['DEAD_END', 'b'],
          ['NO_END_STEP', null],
          ['NO_WAY_OUT', 'a'],
        ],
      ],
      // A loop with no way out: a user who enters it could never finish.
      [
        {
          start: 'a',
          steps: [
            { id: 'a', transitions: [{ to: 'x' }, { to: 'done' }] },
            { id: 'x', transitions: [{ to: 'y' }] },
            { id: 'y', transitions: [{ to: 'x' }] },
            { id: 'done', end: true },
          ],
        },
        [
          ['NO_WAY_OUT', 'x'],
          ['NO_WAY_OUT', 'y'],
        ],
      ],
      [
        {
          start: 'a',
          steps: [
            { id: 'a', transitions: [{ to: 'b' }] },
            { id: 'b', end: true },
            { id: 'b', end: true },
          ],
        },
        [['DUPLICATE_STEP', 'b']],
      ],
    ];
    for (const [flow, expected] of cases) {
      const created = await mutate('asCreatorA', CREATE, 'createProgram', {
        input: { name: `Broken ${++seq}`, flowDefinition: flow },
      });
      const before = await snapshot({
        programs: `programs WHERE id = '${uuidOf(created.data.id)}'`,
        versions: `program_versions WHERE program_id = '${uuidOf(created.data.id)}'`,
      });
      const result = await mutate('asCreatorA', PUBLISH, 'publishProgram', { id: created.data.id });
      expect(result.__typename).toBe('InvalidFlowError');
      expect(result.code).toBe('INVALID_FLOW');
      expect(result.problems.map((p: Json) => [p.kind, p.stepId])).toEqual(expected);
      expect(
        await snapshot({
          programs: `programs WHERE id = '${uuidOf(created.data.id)}'`,
          versions: `program_versions WHERE program_id = '${uuidOf(created.data.id)}'`,
        }),
      ).toEqual(before);
    }
  });

  test('asCreatorA: a flow of the wrong shape is refused when saved', async () => {
    const result = await mutate('asCreatorA', CREATE, 'createProgram', {
      input: {
        name: 'Bad shape',
        flowDefinition: {
          start: 'a',
          steps: [
            { id: 'a', type: 'dance' },
            { id: 'b ', end: true },
          ],
        },
      },
    });
    expect(result.__typename).toBe('ValidationError');
    expect(result.fields.map((f: Json) => f.path)).toEqual([
      'input.flowDefinition.steps.0.type',
      'input.flowDefinition.steps.1.id',
    ]);
  });

  test('asCreatorA: updateEnrollment cannot move, complete or reopen an enrollment; only advanceEnrollment moves it', async () => {
    const program = await publishedProgram();
    const enrollment = await enroll(program.id, await freshUser());
    const UPDATE_ENROLLMENT = `mutation($id: ID!, $input: UpdateEnrollmentInput!) { updateEnrollment(id: $id, input: $input) { __typename ... on UpdateEnrollmentSuccess { data { status currentStep } } ${ERRORS} } }`;
    const before = await snapshot({
      e: `program_enrollments WHERE id = '${uuidOf(enrollment.id)}'`,
      a: 'achievements',
    });
    for (const input of [{ status: 'COMPLETED' }, { currentStep: 'reflection' }, { progress: 100 }]) {
      const refused = await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', { id: enrollment.id, input });
      expect(refused.__typename).toBe('ValidationError');
    }
    expect(
      await snapshot({ e: `program_enrollments WHERE id = '${uuidOf(enrollment.id)}'`, a: 'achievements' }),
    ).toEqual(before);
    expect(
      (
        await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
          id: enrollment.id,
          input: { status: 'PAUSED' },
        })
      ).data.status,
    ).toBe('PAUSED');
    expect((await advance(enrollment.id, {})).code).toBe('CONFLICT');
    await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
      id: enrollment.id,
      input: { status: 'ACTIVE' },
    });
    await advance(enrollment.id, {});
    await advance(enrollment.id, { answer: 'low' });
    // Completed: final. Reopening it to earn the completion again is refused, and the database
    // holds one completion achievement per enrollment whoever writes.
    expect(
      (
        await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
          id: enrollment.id,
          input: { status: 'ACTIVE' },
        })
      ).code,
    ).toBe('CONFLICT');
    const achievement = (await one(`SELECT * FROM achievements WHERE achievement_data->>'enrollmentId' = $1`, [
      uuidOf(enrollment.id),
    ]))!;
    await expect(
      sql(
        `INSERT INTO achievements (creator_id, user_id, achievement_type, points, achievement_data) VALUES ($1, $2, 'program_completed', 100, $3)`,
        [achievement.creator_id, achievement.user_id, achievement.achievement_data],
      ),
    ).rejects.toThrow(/achievements_creator_id_completion_key/);
  });

  test("asCreatorA: publishing bumps the version and keeps each version's flow; enrollments stay on theirs", async () => {
    const program = await publishedProgram();
    const early = await enroll(program.id, await freshUser());
    expect(early).toEqual(expect.objectContaining({ programVersion: program.version, currentStep: 'welcome' }));
    // Version 2 of the flow: a new start.
    const v2 = {
      start: 'intro',
      steps: [
        { id: 'intro', type: 'content', transitions: [{ to: 'done' }] },
        { id: 'done', type: 'checkpoint', end: true },
      ],
    };
    await mutate('asCreatorA', UPDATE, 'updateProgram', { id: program.id, input: { flowDefinition: v2 } });
    const republished = await mutate('asCreatorA', PUBLISH, 'publishProgram', { id: program.id });
    expect(republished.data.version).toBe(program.version + 1);
    const late = await enroll(program.id, await freshUser());
    expect(late).toEqual(expect.objectContaining({ programVersion: program.version + 1, currentStep: 'intro' }));
    expect(
      (await sql(`SELECT version FROM program_versions WHERE program_id = $1 ORDER BY version`, [program.uuid])).map(
        (r) => r.version,
      ),
    ).toEqual([program.version, program.version + 1]);
    // The early enrollment still walks version 1: "intro" is not a step there.
    const wrong = await advance(early.id, { toStep: 'intro' });
    expect(wrong.__typename).toBe('InvalidTransitionError');
    expect((await advance(early.id, {})).data.toStep).toBe('stress');
    expect((await advance(late.id, {})).data).toEqual(expect.objectContaining({ toStep: 'done', completed: true }));
  });
});

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
