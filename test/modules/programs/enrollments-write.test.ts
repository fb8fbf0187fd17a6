// enrollUser (published programs only), updateEnrollment and unenrollUser over the real server,
// with the trigger-maintained enrollmentStats and enrollmentCount.
import {
  useApiHarness,
  gid,
  uuidOf,
  withinSeconds,
  expectValidation,
  expectNotFound,
  expectConflict,
} from '../../helpers/api';
import { PROGRAM, ENROLL, UPDATE_ENROLLMENT, UNENROLL, programsFixtures } from './fixtures';

const api = useApiHarness();
const { query, mutate, one, rowOf, expectNoCounterDrift } = api;
const { counts, programOf, usersOf, userNotIn, insertProgram, statsFromDb } = programsFixtures(api);

describe('enrollUser / updateEnrollment / unenrollUser', () => {
  test("asCreatorA: enrollUser on a published program starts at the program's version and first step; counters follow", async () => {
    const program = await programOf(api.tenants.creatorA, 'published');
    const user = await userNotIn(api.tenants.creatorA, program.id);
    const statsBefore = await statsFromDb(program.id);
    const before = await counts();
    const started = Date.now();
    const result = await mutate('asCreatorA', ENROLL, 'enrollUser', {
      programId: gid('Program', program.id),
      userId: gid('User', user),
    });
    expect(result.__typename).toBe('EnrollUserSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        status: 'ACTIVE',
        progress: 0,
        currentStep: program.flow_definition.start,
        programVersion: program.version,
        completedAt: null,
        program: { id: gid('Program', program.id), enrollmentCount: program.enrollment_count + 1 },
        user: { id: gid('User', user) },
      }),
    );
    const row = (await rowOf('program_enrollments', uuidOf(result.data.id)))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        program_id: program.id,
        user_id: user,
        status: 'active',
        progress: 0,
        current_step: program.flow_definition.start,
        program_version: program.version,
        completed_at: null,
      }),
    );
    withinSeconds(row.enrolled_at.getTime(), started, 5);
    expect((await counts()).enrollments).toBe(before.enrollments + 1);
    expect((await rowOf('programs', program.id))!.enrollment_count).toBe(program.enrollment_count + 1);
    const { node } = await query('asCreatorA', PROGRAM, { id: gid('Program', program.id) });
    expect(node.enrollmentStats).toEqual({
      ...statsBefore,
      active: statsBefore.active! + 1,
      total: statsBefore.total! + 1,
    });
    expect(node.enrollmentCount).toBe(program.enrollment_count + 1);
    await expectNoCounterDrift();
  });

  test('asCreatorA: enrolling the same user twice is a ConflictError and writes nothing', async () => {
    const e = (await one<{ program_id: string; user_id: string }>(
      `SELECT e.program_id, e.user_id FROM program_enrollments e JOIN programs p ON p.id = e.program_id WHERE e.creator_id = $1 AND p.status = 'published' LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const before = await counts();
    expectConflict(
      await mutate('asCreatorA', ENROLL, 'enrollUser', {
        programId: gid('Program', e.program_id),
        userId: gid('User', e.user_id),
      }),
    );
    expect(await counts()).toEqual(before);
  });

  test('asCreatorA: a draft program takes no enrollments (ConflictError); nothing written', async () => {
    const draft = await programOf(api.tenants.creatorA, 'draft');
    const user = await userNotIn(api.tenants.creatorA, draft.id);
    const before = await counts();
    expectConflict(
      await mutate('asCreatorA', ENROLL, 'enrollUser', {
        programId: gid('Program', draft.id),
        userId: gid('User', user),
      }),
    );
    expect(await counts()).toEqual(before);
    expect(await rowOf('programs', draft.id)).toEqual(draft);
  });

  test('asCreatorA: updateEnrollment changes status and step data; lastActivityAt moves; the step and progress move only with advanceEnrollment', async () => {
    const program = await insertProgram(api.tenants.creatorA, 'published');
    const user = (await usersOf(api.tenants.creatorA))[2]!;
    const enrolled = await mutate('asCreatorA', ENROLL, 'enrollUser', {
      programId: gid('Program', program.id),
      userId: gid('User', user),
    });
    const before = (await rowOf('program_enrollments', uuidOf(enrolled.data.id)))!;
    await new Promise((r) => setTimeout(r, 10));
    const result = await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
      id: enrolled.data.id,
      input: { status: 'PAUSED', stepData: { intro: 'done' } },
    });
    expect(result.__typename).toBe('UpdateEnrollmentSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        status: 'PAUSED',
        progress: 0,
        currentStep: 'intro',
        stepData: { intro: 'done' },
        completedAt: null,
      }),
    );
    const row = (await rowOf('program_enrollments', uuidOf(enrolled.data.id)))!;
    expect(row).toEqual({
      ...before,
      status: 'paused',
      step_data: { intro: 'done' },
      last_activity_at: expect.any(Date),
    });
    expect(row.last_activity_at.getTime()).toBeGreaterThan(before.last_activity_at.getTime());
    expect((await query('asCreatorA', PROGRAM, { id: gid('Program', program.id) })).node.enrollmentStats).toEqual({
      active: 0,
      paused: 1,
      completed: 0,
      dropped: 0,
      total: 1,
    });
    expectValidation(
      await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
        id: enrolled.data.id,
        input: { progress: 40, currentStep: 'end', status: 'COMPLETED' },
      }),
      ['input.currentStep', 'input.progress', 'input.status'],
    );
    expect((await rowOf('program_enrollments', uuidOf(enrolled.data.id)))!).toEqual(row);
  });

  test('asCreatorA: unenrollUser removes the enrollment; enrollmentCount and stats follow', async () => {
    const program = await insertProgram(api.tenants.creatorA, 'published');
    const user = (await usersOf(api.tenants.creatorA))[4]!;
    const enrolled = await mutate('asCreatorA', ENROLL, 'enrollUser', {
      programId: gid('Program', program.id),
      userId: gid('User', user),
    });
    expect((await rowOf('programs', program.id))!.enrollment_count).toBe(1);
    const result = await mutate('asCreatorA', UNENROLL, 'unenrollUser', { id: enrolled.data.id });
    expect(result).toEqual({ __typename: 'UnenrollUserSuccess', data: enrolled.data.id });
    expect(await rowOf('program_enrollments', uuidOf(enrolled.data.id))).toBeUndefined();
    expect((await rowOf('programs', program.id))!.enrollment_count).toBe(0);
    const { node } = await query('asCreatorA', PROGRAM, { id: gid('Program', program.id) });
    expect(node).toEqual(
      expect.objectContaining({
        enrollmentCount: 0,
        enrollmentStats: { active: 0, paused: 0, completed: 0, dropped: 0, total: 0 },
      }),
    );
    expectNotFound(await mutate('asCreatorA', UNENROLL, 'unenrollUser', { id: enrolled.data.id }));
  });

  test("asCreatorA: enrollmentCount and enrollmentStats of every program equal the DB's counts", async () => {
    const { programs } = await query(
      'asCreatorA',
      `{ programs(first: 100) { nodes { id enrollmentCount enrollmentStats { active paused completed dropped total } } } }`,
    );
    expect(programs.nodes.length).toBeGreaterThan(0);
    for (const p of programs.nodes) {
      const id = uuidOf(p.id);
      const stats = await statsFromDb(id);
      expect({ id, stats: p.enrollmentStats, count: p.enrollmentCount }).toEqual({ id, stats, count: stats.total });
    }
  });
});
