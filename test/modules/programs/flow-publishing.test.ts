// Program flows over the real server: publishing checks the graph (every problem typed) and bumps
// the version; enrollments keep the version they started on, and only advanceEnrollment moves them.
import { useApiHarness, uuidOf, ERRORS, type Json } from '../../helpers/api';
import { CREATE, UPDATE, PUBLISH, flowFixtures } from './flow-fixtures';

// The server runs its jobs: badges earned by a move are awarded by the evaluate_badges job.
const api = useApiHarness({ checkCountersAfterEach: true, env: { JOBS_ENABLED: 'true' } });
const { mutate, sql, one, snapshot } = api;

const { publishedProgram, freshUser, enroll, advance } = flowFixtures(api);

/** Makes the names of the programs and badges these tests create unique. */
let seq = 0;

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
