// createProgram / updateProgram / deleteProgram over the real server: the answer and what is
// really stored.
import { useApiHarness, gid, uuidOf, expectNotFound, expectConflict, NODE } from '../../helpers/api';
import { CREATE_PROGRAM, UPDATE_PROGRAM, DELETE_PROGRAM, programsFixtures } from './fixtures';

const api = useApiHarness();
const { query, mutate, sql, one, countOf, rowOf, expectNoCounterDrift } = api;
const { counts, insertProgram } = programsFixtures(api);

describe('createProgram / updateProgram / deleteProgram', () => {
  test('asCreatorA: createProgram stores a draft at version 1 for Ada', async () => {
    const before = await counts();
    const flow = { start: 'a', steps: [{ id: 'a' }, { id: 'b' }] };
    const result = await mutate('asCreatorA', CREATE_PROGRAM, 'createProgram', {
      input: {
        name: '  Sleep Reset  ',
        description: 'Two weeks to better sleep.',
        flowDefinition: flow,
        settings: { reminders: true },
      },
    });
    expect(result.__typename).toBe('CreateProgramSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        name: 'Sleep Reset',
        description: 'Two weeks to better sleep.',
        status: 'DRAFT',
        version: 1,
        flowDefinition: flow,
        settings: { reminders: true },
        publishedAt: null,
        archivedAt: null,
        enrollmentCount: 0,
        enrollmentStats: { active: 0, paused: 0, completed: 0, dropped: 0, total: 0 },
      }),
    );
    const row = (await rowOf('programs', uuidOf(result.data.id)))!;
    expect(row).toEqual(
      expect.objectContaining({
        creator_id: api.tenants.creatorA,
        name: 'Sleep Reset',
        status: 'draft',
        version: 1,
        flow_definition: flow,
        settings: { reminders: true },
        published_at: null,
        archived_at: null,
        enrollment_count: 0,
      }),
    );
    expect((await counts()).programs).toBe(before.programs + 1);
    expect((await query('asCreatorA', NODE, { id: result.data.id })).node).toEqual({
      __typename: 'Program',
      id: result.data.id,
    });
  });

  test('asCreatorA: updateProgram changes the given fields (flow too, while a draft); the DB shows it', async () => {
    const draft = await insertProgram(api.tenants.creatorA, 'draft');
    const flow = { start: 'x', steps: [{ id: 'x', end: true }] };
    const result = await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', {
      id: gid('Program', draft.id),
      input: { name: 'Renamed', description: 'New words', settings: { a: 1 }, flowDefinition: flow },
    });
    expect(result.__typename).toBe('UpdateProgramSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        name: 'Renamed',
        description: 'New words',
        settings: { a: 1 },
        flowDefinition: flow,
        status: 'DRAFT',
        version: 1,
      }),
    );
    const row = (await rowOf('programs', draft.id))!;
    expect(row).toEqual({
      ...draft,
      name: 'Renamed',
      description: 'New words',
      settings: { a: 1 },
      flow_definition: flow,
      updated_at: expect.any(Date),
    });
    expect(row.updated_at.getTime()).toBeGreaterThan(draft.updated_at.getTime());
  });

  test('asCreatorA: the flow of a published program can be edited for its next version; an archived one cannot change', async () => {
    const published = await insertProgram(api.tenants.creatorA, 'published');
    const next = { start: 'only', steps: [{ id: 'only', type: 'checkpoint', end: true }] };
    const edited = await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', {
      id: gid('Program', published.id),
      input: { name: 'Edited', flowDefinition: next },
    });
    expect(edited.data).toEqual(
      expect.objectContaining({
        name: 'Edited',
        flowDefinition: next,
        version: published.version,
        status: 'PUBLISHED',
      }),
    );
    // The live version keeps the flow it was published with.
    expect(
      (await one(`SELECT flow_definition FROM program_versions WHERE program_id = $1 AND version = $2`, [
        published.id,
        published.version,
      ]))!.flow_definition,
    ).toEqual(published.flow_definition);
    const archived = await insertProgram(api.tenants.creatorA, 'archived');
    expectConflict(
      await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', {
        id: gid('Program', archived.id),
        input: { name: 'Sneaky', flowDefinition: next },
      }),
    );
    expect(await rowOf('programs', archived.id)).toEqual(archived);
    const renamed = await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', {
      id: gid('Program', archived.id),
      input: { name: 'Open rename' },
    });
    expect(renamed.__typename).toBe('UpdateProgramSuccess');
  });

  test('asCreatorA: deleteProgram removes it with its enrollments and analytics; interactions and achievements keep their rows without it', async () => {
    const program = (await one(
      `SELECT p.* FROM programs p WHERE p.creator_id = $1 AND EXISTS (SELECT 1 FROM program_enrollments e WHERE e.program_id = p.id)
         AND EXISTS (SELECT 1 FROM user_interactions i WHERE i.program_id = p.id) ORDER BY p.created_at LIMIT 1`,
      [api.tenants.creatorA],
    ))!;
    const interactionIds = (
      await sql<{ id: string }>(`SELECT id FROM user_interactions WHERE program_id = $1`, [program.id])
    ).map((r) => r.id);
    const achievementIds = (
      await sql<{ id: string }>(`SELECT id FROM achievements WHERE program_id = $1`, [program.id])
    ).map((r) => r.id);
    const enrolled = await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE program_id = $1`, [
      program.id,
    ]);
    const before = await counts();

    const result = await mutate('asCreatorA', DELETE_PROGRAM, 'deleteProgram', { id: gid('Program', program.id) });
    expect(result).toEqual({ __typename: 'DeleteProgramSuccess', data: gid('Program', program.id) });
    expect(await rowOf('programs', program.id)).toBeUndefined();
    expect(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE program_id = $1`, [program.id]),
    ).toBe(0);
    expect(await countOf(`SELECT count(*)::int AS n FROM program_analytics WHERE program_id = $1`, [program.id])).toBe(
      0,
    );
    const after = await counts();
    expect(after.programs).toBe(before.programs - 1);
    expect(after.enrollments).toBe(before.enrollments - enrolled);
    expect(after.users).toBe(before.users);
    expect(await sql(`SELECT program_id FROM user_interactions WHERE id = ANY($1::uuid[])`, [interactionIds])).toEqual(
      interactionIds.map(() => ({ program_id: null })),
    );
    expect(await sql(`SELECT program_id FROM achievements WHERE id = ANY($1::uuid[])`, [achievementIds])).toEqual(
      achievementIds.map(() => ({ program_id: null })),
    );
    await expectNoCounterDrift();
    expectNotFound(await mutate('asCreatorA', DELETE_PROGRAM, 'deleteProgram', { id: gid('Program', program.id) }));
  });
});
