// publishProgram (version bump and publishedAt) and archiveProgram over the real server: the
// answer and what is really stored.
import { useApiHarness, gid, withinSeconds, expectConflict, type Json } from '../../helpers/api';
import { PROGRAMS, PUBLISH_PROGRAM, ARCHIVE_PROGRAM, ENROLL, programsFixtures } from './fixtures';

const api = useApiHarness();
const { query, mutate, countOf, rowOf } = api;
const { counts, usersOf, userNotIn, insertProgram } = programsFixtures(api);

describe('publishProgram / archiveProgram', () => {
  test('asCreatorA: publishing a draft makes it PUBLISHED, bumps the version and sets publishedAt; publishing again bumps again', async () => {
    const draft = await insertProgram(api.tenants.creatorA, 'draft');
    const started = Date.now();
    const first = await mutate('asCreatorA', PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', draft.id) });
    expect(first.__typename).toBe('PublishProgramSuccess');
    expect(first.data).toEqual(
      expect.objectContaining({ status: 'PUBLISHED', version: 2, archivedAt: null, publishedAt: expect.any(String) }),
    );
    const row1 = (await rowOf('programs', draft.id))!;
    expect(row1).toEqual(expect.objectContaining({ status: 'published', version: 2, archived_at: null }));
    withinSeconds(row1.published_at.getTime(), started, 5);
    expect(new Date(first.data.publishedAt).getTime()).toBe(row1.published_at.getTime());

    await new Promise((r) => setTimeout(r, 10));
    const second = await mutate('asCreatorA', PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', draft.id) });
    expect(second.data).toEqual(expect.objectContaining({ status: 'PUBLISHED', version: 3 }));
    const row2 = (await rowOf('programs', draft.id))!;
    expect(row2.version).toBe(3);
    expect(row2.published_at.getTime()).toBeGreaterThan(row1.published_at.getTime());

    // New enrollments start on the new version.
    const user = await userNotIn(api.tenants.creatorA, draft.id);
    const enrolled = await mutate('asCreatorA', ENROLL, 'enrollUser', {
      programId: gid('Program', draft.id),
      userId: gid('User', user),
    });
    expect(enrolled.data.programVersion).toBe(3);
  });

  test('asCreatorA: an archived program cannot be published (ConflictError); the row is unchanged', async () => {
    const archived = await insertProgram(api.tenants.creatorA, 'archived');
    expectConflict(await mutate('asCreatorA', PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', archived.id) }));
    expect(await rowOf('programs', archived.id)).toEqual(archived);
  });

  test('asCreatorA: archiving a published program sets ARCHIVED and archivedAt, keeps its enrollments, and refuses new ones', async () => {
    const program = await insertProgram(api.tenants.creatorA, 'published');
    const [u1, u2] = await usersOf(api.tenants.creatorA);
    await api.owner.query(
      `INSERT INTO program_enrollments (creator_id, program_id, user_id, program_version) VALUES ($1, $2, $3, 3)`,
      [api.tenants.creatorA, program.id, u1],
    );
    const started = Date.now();
    const result = await mutate('asCreatorA', ARCHIVE_PROGRAM, 'archiveProgram', { id: gid('Program', program.id) });
    expect(result.__typename).toBe('ArchiveProgramSuccess');
    expect(result.data).toEqual(
      expect.objectContaining({
        status: 'ARCHIVED',
        archivedAt: expect.any(String),
        version: program.version,
        enrollmentCount: 1,
      }),
    );
    const row = (await rowOf('programs', program.id))!;
    expect(row).toEqual(
      expect.objectContaining({ status: 'archived', version: program.version, published_at: program.published_at }),
    );
    withinSeconds(row.archived_at.getTime(), started, 5);
    expect(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE program_id = $1`, [program.id]),
    ).toBe(1);

    const before = await counts();
    expectConflict(
      await mutate('asCreatorA', ENROLL, 'enrollUser', {
        programId: gid('Program', program.id),
        userId: gid('User', u2!),
      }),
    );
    expect(await counts()).toEqual(before);
    expect(
      (await query('asCreatorA', PROGRAMS, { filter: { status: 'ARCHIVED' }, first: 100 })).programs.nodes.map(
        (n: Json) => n.id,
      ),
    ).toContain(gid('Program', program.id));
  });
});
