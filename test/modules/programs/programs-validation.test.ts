// Bad input to the programs module's mutations is a ValidationError naming the field, and writes
// nothing.
import { useApiHarness, gid, expectValidation } from '../../helpers/api';
import {
  CREATE_PROGRAM,
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
const { mutate, one, rowOf } = api;
const { counts, programOf, userNotIn } = programsFixtures(api);

describe('bad input is a ValidationError naming the field, and writes nothing', () => {
  test.each([
    ['an empty name', { name: '' }, ['input.name']],
    ['a blank name', { name: '    ' }, ['input.name']],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, ['input.name']],
    ['a description over 5000 characters', { name: 'Fine', description: 'd'.repeat(5001) }, ['input.description']],
    [
      'a blank name and a long description',
      { name: ' ', description: 'd'.repeat(5001) },
      ['input.description', 'input.name'],
    ],
  ])('asCreatorA: createProgram with %s', async (_name, input, paths) => {
    const before = await counts();
    const result = await mutate('asCreatorA', CREATE_PROGRAM, 'createProgram', { input });
    expectValidation(result, paths);
    expect(result.data).toBeUndefined();
    expect(await counts()).toEqual(before);
  });

  test.each([
    ['a blank name', (p: string) => ({ id: gid('Program', p), input: { name: '   ' } }), ['input.name']],
    ['a User id as the program id', (p: string) => ({ id: gid('User', p), input: { name: 'x' } }), ['id']],
    ['a malformed id', () => ({ id: 'program-1', input: { name: 'x' } }), ['id']],
  ])('asCreatorA: updateProgram with %s; the row is unchanged', async (_name, vars, paths) => {
    const draft = await programOf(api.tenants.creatorA, 'draft');
    expectValidation(await mutate('asCreatorA', UPDATE_PROGRAM, 'updateProgram', vars(draft.id)), paths);
    expect(await rowOf('programs', draft.id)).toEqual(draft);
  });

  test.each([
    ['publishProgram', PUBLISH_PROGRAM, 'publishProgram'],
    ['archiveProgram', ARCHIVE_PROGRAM, 'archiveProgram'],
    ['deleteProgram', DELETE_PROGRAM, 'deleteProgram'],
  ])(
    'asCreatorA: %s with a User id or a malformed id names id; the row is unchanged',
    async (_name, document, field) => {
      const draft = await programOf(api.tenants.creatorA, 'draft');
      const before = await counts();
      expectValidation(await mutate('asCreatorA', document, field, { id: gid('User', draft.id) }), ['id']);
      expectValidation(await mutate('asCreatorA', document, field, { id: '!!' }), ['id']);
      expect(await rowOf('programs', draft.id)).toEqual(draft);
      expect(await counts()).toEqual(before);
    },
  );

  test.each([
    ['a progress', { progress: 50 }, ['input.progress']],
    ['a currentStep', { currentStep: 'end' }, ['input.currentStep']],
    ['status COMPLETED', { status: 'COMPLETED' }, ['input.status']],
    ['a progress and a currentStep', { progress: 150, currentStep: '' }, ['input.currentStep', 'input.progress']],
  ])('asCreatorA: updateEnrollment with %s; the row is unchanged', async (_name, input, paths) => {
    const e = (await one(`SELECT * FROM program_enrollments WHERE creator_id = $1 AND status = 'active' LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    expectValidation(
      await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', { id: gid('ProgramEnrollment', e.id), input }),
      paths,
    );
    expect(await rowOf('program_enrollments', e.id)).toEqual(e);
  });

  test('asCreatorA: updateEnrollment and unenrollUser with a Program id name id; nothing changes', async () => {
    const e = (await one(`SELECT * FROM program_enrollments WHERE creator_id = $1 LIMIT 1`, [api.tenants.creatorA]))!;
    const before = await counts();
    expectValidation(
      await mutate('asCreatorA', UPDATE_ENROLLMENT, 'updateEnrollment', {
        id: gid('Program', e.id),
        input: { progress: 5 },
      }),
      ['id'],
    );
    expectValidation(await mutate('asCreatorA', UNENROLL, 'unenrollUser', { id: gid('Program', e.id) }), ['id']);
    expect(await rowOf('program_enrollments', e.id)).toEqual(e);
    expect(await counts()).toEqual(before);
  });

  test.each([
    [
      'a User id as programId',
      (p: string, u: string) => ({ programId: gid('User', u), userId: gid('User', u) }),
      ['programId'],
    ],
    [
      'a malformed programId',
      (_p: string, u: string) => ({ programId: 'not-an-id', userId: gid('User', u) }),
      ['programId'],
    ],
    [
      'a Program id as userId',
      (p: string) => ({ programId: gid('Program', p), userId: gid('Program', p) }),
      ['userId'],
    ],
    [
      'a malformed userId',
      (p: string) => ({ programId: gid('Program', p), userId: Buffer.from('User:not-a-uuid').toString('base64') }),
      ['userId'],
    ],
  ])('asCreatorA: enrollUser with %s; nothing written', async (_name, vars, paths) => {
    const program = await programOf(api.tenants.creatorA, 'published');
    const user = await userNotIn(api.tenants.creatorA, program.id);
    const before = await counts();
    expectValidation(await mutate('asCreatorA', ENROLL, 'enrollUser', vars(program.id, user)), paths);
    expect(await counts()).toEqual(before);
  });
});
