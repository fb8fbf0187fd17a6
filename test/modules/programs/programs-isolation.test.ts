// Tenant isolation of the programs module: creator B against creator A's programs and
// enrollments, by id, in writes and through relations.
import { useApiHarness, gid, typeOf, expectNotFound, NODE, NODES, type Json } from '../../helpers/api';
import {
  PROGRAM,
  UPDATE_PROGRAM,
  PUBLISH_PROGRAM,
  ARCHIVE_PROGRAM,
  DELETE_PROGRAM,
  ENROLL,
  UPDATE_ENROLLMENT,
  UNENROLL,
  programsFixtures,
} from './fixtures';

const api = useApiHarness();
const { query, mutate, one, countOf, rowOf, ownersOf } = api;
const { counts, programOf, usersOf, insertProgram } = programsFixtures(api);

describe("asCreatorB against Ada's programs and enrollments", () => {
  let adaDraft: Json;
  let adaPublished: Json;
  let adaArchived: Json;
  let adaEnrollment: Json;
  let graceProgram: Json;

  beforeAll(async () => {
    adaDraft = await programOf(api.tenants.creatorA, 'draft');
    adaPublished = await programOf(api.tenants.creatorA, 'published');
    adaArchived = await insertProgram(api.tenants.creatorA, 'archived');
    adaEnrollment = (await one(`SELECT * FROM program_enrollments WHERE program_id = $1 LIMIT 1`, [adaPublished.id]))!;
    graceProgram = await programOf(api.tenants.creatorB, 'published');
  });

  test("node(id) is null for Ada's program and enrollment (Ada sees them)", async () => {
    for (const id of [
      gid('Program', adaPublished.id),
      gid('Program', adaDraft.id),
      gid('ProgramEnrollment', adaEnrollment.id),
    ]) {
      expect({ id, node: (await query('asCreatorB', NODE, { id })).node }).toEqual({ id, node: null });
      expect((await query('asCreatorA', NODE, { id })).node).toEqual({ __typename: typeOf(id), id });
    }
    const { node } = await query('asCreatorB', PROGRAM, { id: gid('Program', adaPublished.id) });
    expect(node).toBeNull();
  });

  test("nodes(ids) is null in Ada's places and returns Grace's own", async () => {
    const { nodes } = await query('asCreatorB', NODES, {
      ids: [
        gid('Program', adaPublished.id),
        gid('Program', graceProgram.id),
        gid('ProgramEnrollment', adaEnrollment.id),
      ],
    });
    expect(nodes).toEqual([null, { __typename: 'Program', id: gid('Program', graceProgram.id) }, null]);
  });

  test.each([
    [
      'updateProgram',
      () => [
        UPDATE_PROGRAM,
        'updateProgram',
        { id: gid('Program', adaDraft.id), input: { name: 'Hijacked', flowDefinition: { start: 'evil' } } },
      ],
      () => adaDraft,
    ],
    [
      'updateProgram (name only)',
      () => [UPDATE_PROGRAM, 'updateProgram', { id: gid('Program', adaPublished.id), input: { name: 'Hijacked' } }],
      () => adaPublished,
    ],
    ['publishProgram', () => [PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', adaDraft.id) }], () => adaDraft],
    [
      'publishProgram (archived)',
      () => [PUBLISH_PROGRAM, 'publishProgram', { id: gid('Program', adaArchived.id) }],
      () => adaArchived,
    ],
    [
      'archiveProgram',
      () => [ARCHIVE_PROGRAM, 'archiveProgram', { id: gid('Program', adaPublished.id) }],
      () => adaPublished,
    ],
    [
      'deleteProgram',
      () => [DELETE_PROGRAM, 'deleteProgram', { id: gid('Program', adaPublished.id) }],
      () => adaPublished,
    ],
  ] as [string, () => [string, string, Json], () => Json][])(
    "%s with Ada's program: NotFoundError, the row unchanged",
    async (_name, call, target) => {
      const [document, field, variables] = call();
      const before = await rowOf('programs', target().id);
      const counted = await counts();
      const result = await mutate('asCreatorB', document, field, variables);
      expectNotFound(result);
      expect(result.data).toBeUndefined();
      expect(await rowOf('programs', target().id)).toEqual(before);
      expect(await counts()).toEqual(counted);
    },
  );

  test("updateEnrollment and unenrollUser with Ada's enrollment: NotFoundError, the row unchanged", async () => {
    const before = await rowOf('program_enrollments', adaEnrollment.id);
    expectNotFound(
      await mutate('asCreatorB', UPDATE_ENROLLMENT, 'updateEnrollment', {
        id: gid('ProgramEnrollment', adaEnrollment.id),
        input: { status: 'DROPPED' },
      }),
    );
    expectNotFound(
      await mutate('asCreatorB', UPDATE_ENROLLMENT, 'updateEnrollment', {
        id: gid('ProgramEnrollment', adaEnrollment.id),
        input: { stepData: { hijacked: true } },
      }),
    );
    expectNotFound(
      await mutate('asCreatorB', UNENROLL, 'unenrollUser', { id: gid('ProgramEnrollment', adaEnrollment.id) }),
    );
    expect(await rowOf('program_enrollments', adaEnrollment.id)).toEqual(before);
    expect((await rowOf('programs', adaPublished.id))!.enrollment_count).toBe(adaPublished.enrollment_count);
  });

  test("enrollUser with Ada's program and Grace's user: NotFoundError, nothing written", async () => {
    const graceUser = (await usersOf(api.tenants.creatorB))[0]!;
    const before = await counts();
    expectNotFound(
      await mutate('asCreatorB', ENROLL, 'enrollUser', {
        programId: gid('Program', adaPublished.id),
        userId: gid('User', graceUser),
      }),
    );
    expect(await counts()).toEqual(before);
    expect(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE user_id = $1 AND program_id = $2`, [
        graceUser,
        adaPublished.id,
      ]),
    ).toBe(0);
    expect((await rowOf('programs', adaPublished.id))!.enrollment_count).toBe(adaPublished.enrollment_count);
  });

  test("enrollUser with Grace's published program and Ada's user: NotFoundError, nothing written", async () => {
    const adaUser = (await usersOf(api.tenants.creatorA))[0]!;
    const before = await counts();
    const graceBefore = await rowOf('programs', graceProgram.id);
    expectNotFound(
      await mutate('asCreatorB', ENROLL, 'enrollUser', {
        programId: gid('Program', graceProgram.id),
        userId: gid('User', adaUser),
      }),
    );
    expect(await counts()).toEqual(before);
    expect(
      await countOf(`SELECT count(*)::int AS n FROM program_enrollments WHERE user_id = $1 AND program_id = $2`, [
        adaUser,
        graceProgram.id,
      ]),
    ).toBe(0);
    expect(await rowOf('programs', graceProgram.id)).toEqual(graceBefore);
  });

  test("every relation reachable from Grace's programs stays within Grace's rows", async () => {
    const { me, programs } = await query(
      'asCreatorB',
      `{
        me { programs(first: 100) { nodes { id enrollments(first: 100) { nodes { id program { id } user { id badges(first: 100) { nodes { id badge { id awards(first: 100) { nodes { id user { id } } } } } } enrollments(first: 100) { nodes { id program { id } } } } } } } } }
        programs(first: 100) { totalCount nodes { id enrollments(first: 100) { totalCount nodes { id user { id } } } analytics(first: 100) { nodes { id program { id } } } } }
      }`,
    );
    expect(programs.totalCount).toBe(
      await countOf(`SELECT count(*)::int AS n FROM programs WHERE creator_id = $1`, [api.tenants.creatorB]),
    );
    const { owners, count } = await ownersOf({ me, programs });
    expect(count).toBeGreaterThan(50);
    expect([...owners]).toEqual([api.tenants.creatorB]);
  });
});
