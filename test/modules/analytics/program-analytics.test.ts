// programAnalytics (by program, type and days) and recordProgramAnalytic (an upsert) /
// deleteProgramAnalytic over the real server: the answer and what is really stored.
import { useApiHarness, gid, uuidOf, day, expectValidation, expectNotFound } from '../../helpers/api';
import {
  ANALYTIC_COLUMNS,
  PROGRAM_ANALYTICS,
  RECORD_ANALYTIC,
  DELETE_ANALYTIC,
  NODE,
  analyticsFixtures,
  programsWithAnalytics,
} from './fixtures';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });
const { asCreatorA, asCreatorB, sql, count } = api;
const { read, mutate } = api.withTokens;

const { analyticsState, allAnalytics } = analyticsFixtures(api);
let programsA: string[];
beforeAll(async () => ({ programsA } = await programsWithAnalytics(api)));

describe('programAnalytics', () => {
  test('asCreatorA: by program, by metricType and by an inclusive day range, each equal to the DB', async () => {
    const program = programsA[0]!;
    const byProgram = await allAnalytics(asCreatorA(), { programId: gid('Program', program) });
    const expected = await sql<{ id: string }>(
      `SELECT id FROM program_analytics WHERE program_id = $1 ORDER BY date, metric_type, id`,
      [program],
    );
    expect(byProgram.totalCount).toBe(expected.length);
    expect(byProgram.nodes.map((n) => n.id)).toEqual(expected.map((r) => gid('ProgramAnalytic', r.id)));
    expect(byProgram.nodes.every((n) => n.program.id === gid('Program', program))).toBe(true);

    const byType = await allAnalytics(asCreatorA(), { metricType: 'completions' });
    expect(byType.totalCount).toBe(
      await count(`program_analytics WHERE creator_id = $1 AND metric_type = 'completions'`, [api.tenants.creatorA]),
    );
    expect(byType.nodes.every((n) => n.metricType === 'completions')).toBe(true);

    const from = day(-4);
    const to = day(-2);
    const combined = await allAnalytics(asCreatorA(), {
      programId: gid('Program', program),
      metricType: 'enrollments',
      dates: { from, to },
    });
    expect(combined.totalCount).toBe(3);
    expect(combined.nodes.map((n) => n.date)).toEqual([day(-4), day(-3), day(-2)]);
  });

  test("asCreatorA: Program.analytics lists the program's rows", async () => {
    const program = programsA[1]!;
    const data = await read(asCreatorA(), NODE, { id: gid('Program', program) });
    expect(data.node.analytics.totalCount).toBe(await count(`program_analytics WHERE program_id = $1`, [program]));
    expect(data.node.analytics.nodes.every((n: any) => n.program.id === gid('Program', program))).toBe(true);
  });

  test("asCreatorB: sees only B's program analytics; filtering by A's program finds nothing", async () => {
    const all = await allAnalytics(asCreatorB());
    const expected = await sql<{ id: string }>(`SELECT id FROM program_analytics WHERE creator_id = $1`, [
      api.tenants.creatorB,
    ]);
    expect(all.totalCount).toBe(expected.length);
    expect(all.nodes.map((n) => uuidOf(n.id)).sort()).toEqual(expected.map((r) => r.id).sort());
    expect(await allAnalytics(asCreatorB(), { programId: gid('Program', programsA[0]!) })).toEqual({
      nodes: [],
      totalCount: 0,
    });
  });

  test('asCreatorA: a programId filter that is not a Program id is a client error naming filter.programId', async () => {
    const { body } = await api.server.gql(
      PROGRAM_ANALYTICS,
      { filter: { programId: 'junk' } },
      { token: asCreatorA() },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(body.errors![0])).toContain('filter.programId');
  });
});

describe('recordProgramAnalytic', () => {
  test('asCreatorA: the same program, type and day twice is one row, with the value replaced', async () => {
    const program = programsA[0]!;
    const date = day(-200);
    const input = { programId: gid('Program', program), metricType: 'drop_offs', date, value: 7 };
    const first = await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', { input });
    expect(first.__typename).toBe('RecordProgramAnalyticSuccess');
    expect(first.data).toEqual(
      expect.objectContaining({
        metricType: 'drop_offs',
        metricValue: 7,
        date,
        program: { id: gid('Program', program) },
      }),
    );
    const second = await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
      input: { ...input, value: 9.25 },
    });
    expect(second.data.id).toBe(first.data.id);
    expect(second.data.metricValue).toBe(9.25);
    const stored = await sql(
      `SELECT ${ANALYTIC_COLUMNS} FROM program_analytics WHERE program_id = $1 AND metric_type = 'drop_offs' AND date = $2::date`,
      [program, date],
    );
    expect(stored).toEqual([
      expect.objectContaining({
        id: uuidOf(first.data.id),
        creator_id: api.tenants.creatorA,
        metric_value: 9.25,
        day: date,
      }),
    ]);

    // The seeded row for today is replaced in place.
    const seeded = await sql(
      `SELECT id FROM program_analytics WHERE program_id = $1 AND metric_type = 'enrollments' AND date = $2::date`,
      [program, day(0)],
    );
    const replaced = await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
      input: { programId: gid('Program', program), metricType: 'enrollments', date: day(0), value: 99 },
    });
    expect(replaced.data.id).toBe(gid('ProgramAnalytic', seeded[0]!.id));
    expect(
      await count(`program_analytics WHERE program_id = $1 AND metric_type = 'enrollments' AND date = $2::date`, [
        program,
        day(0),
      ]),
    ).toBe(1);
  });

  test('asCreatorA: bad metricType or a malformed programId is a ValidationError naming the field; an unknown program is a NotFoundError; nothing written', async () => {
    const before = await analyticsState();
    expectValidation(
      await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: { programId: gid('Program', programsA[0]!), metricType: 'Bad-Type', date: day(0), value: 1 },
      }),
      ['input.metricType'],
    );
    expectValidation(
      await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: { programId: 'xyz', metricType: 'ok', date: day(0), value: 1 },
      }),
      ['input.programId'],
    );
    expectValidation(
      await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: { programId: gid('User', programsA[0]!), metricType: 'ok', date: day(0), value: 1 },
      }),
      ['input.programId'],
    );
    expectNotFound(
      await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
        input: {
          programId: gid('Program', '00000000-0000-4000-8000-000000000000'),
          metricType: 'ok',
          date: day(0),
          value: 1,
        },
      }),
    );
    expect(await analyticsState()).toEqual(before);
  });

  test('asCreatorA: deleteProgramAnalytic removes the row; a second delete is a NotFoundError', async () => {
    const created = await mutate(asCreatorA(), RECORD_ANALYTIC, 'recordProgramAnalytic', {
      input: { programId: gid('Program', programsA[0]!), metricType: 'to_delete', date: day(-1), value: 1 },
    });
    expect(await mutate(asCreatorA(), DELETE_ANALYTIC, 'deleteProgramAnalytic', { id: created.data.id })).toEqual({
      __typename: 'DeleteProgramAnalyticSuccess',
      data: created.data.id,
    });
    expect(await count(`program_analytics WHERE id = $1`, [uuidOf(created.data.id)])).toBe(0);
    expectNotFound(await mutate(asCreatorA(), DELETE_ANALYTIC, 'deleteProgramAnalytic', { id: created.data.id }));
  });
});
