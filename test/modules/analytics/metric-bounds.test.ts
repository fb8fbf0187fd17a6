// Metric values have a range, [-1e15, 1e15], so that no series or summary sum can overflow:
// two values near 1.7e308 once made engagementSeries fail with 22003 (INTERNAL_SERVER_ERROR)
// for every reader of that series. The API refuses a value outside the range as VALIDATION_FAILED
// naming input.value and writes nothing; a CHECK holds every other writer to it; the migration
// that added the CHECK clamps rows already outside it; and sums of values at the bounds are exact.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, MIGRATIONS_DIR } from '../../../src/db/migrate';
import { useApiHarness, gid, ERRORS, expectValidation, type Json } from '../../helpers/api';
import { createEmptyDatabase } from '../../helpers/database';
import { connect } from '../../helpers/fixtures';

const api = useApiHarness();
const { query, mutate, sql, one, count } = api;

const RECORD = `mutation($input: RecordEngagementMetricInput!) { recordEngagementMetric(input: $input) { __typename ... on RecordEngagementMetricSuccess { data { id metricValue } } ${ERRORS} } }`;
const RECORD_PROGRAM = `mutation($input: RecordProgramAnalyticInput!) { recordProgramAnalytic(input: $input) { __typename ... on RecordProgramAnalyticSuccess { data { id metricValue } } ${ERRORS} } }`;
const SERIES = `query($type: String!, $from: Date!, $to: Date!, $g: Granularity, $a: Aggregate) {
  engagementSeries(metricType: $type, from: $from, to: $to, granularity: $g, aggregate: $a) { bucket value } }`;

// A Monday-to-Sunday week and a month well in the past, away from the seeded data.
const WEEK = ['2020-01-06', '2020-01-07', '2020-01-08', '2020-01-09', '2020-01-10', '2020-01-11', '2020-01-12'];

describe('recordEngagementMetric and recordProgramAnalytic', () => {
  test.each([
    ['near the float maximum', 1.7e308],
    ['just past the bound', 1e15 + 1],
    ['far below the negative bound', -1e16],
  ])('asCreatorA: a value %s is VALIDATION_FAILED on input.value, and nothing is written', async (_name, value) => {
    const before = await count(`engagement_metrics WHERE metric_type = 'bounds.refused'`);
    expectValidation(
      await mutate('asCreatorA', RECORD, 'recordEngagementMetric', {
        input: { metricType: 'bounds.refused', date: WEEK[0], value },
      }),
      ['input.value'],
    );
    expect(await count(`engagement_metrics WHERE metric_type = 'bounds.refused'`)).toBe(before);

    const program = (await one<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [
      api.tenants.creatorA,
    ]))!;
    expectValidation(
      await mutate('asCreatorA', RECORD_PROGRAM, 'recordProgramAnalytic', {
        input: { programId: gid('Program', program.id), metricType: 'bounds.refused', date: WEEK[0], value },
      }),
      ['input.value'],
    );
    expect(await count(`program_analytics WHERE metric_type = 'bounds.refused'`)).toBe(0);
  });

  test('asCreatorA: replacing a stored value with one out of range is refused and keeps the stored value', async () => {
    const stored = await mutate('asCreatorA', RECORD, 'recordEngagementMetric', {
      input: { metricType: 'bounds.kept', date: WEEK[0], value: 42 },
    });
    expect(stored.__typename).toBe('RecordEngagementMetricSuccess');
    expectValidation(
      await mutate('asCreatorA', RECORD, 'recordEngagementMetric', {
        input: { metricType: 'bounds.kept', date: WEEK[0], value: 1.7e308 },
      }),
      ['input.value'],
    );
    expect(
      (await one<{ v: number }>(`SELECT metric_value AS v FROM engagement_metrics WHERE metric_type = 'bounds.kept'`))!
        .v,
    ).toBe(42);
  });

  test('asCreatorA: values at both bounds are taken, and weekly and monthly sums and averages of them are exact', async () => {
    for (const date of WEEK) {
      for (const [type, value] of [
        ['bounds.top', 1e15],
        ['bounds.bottom', -1e15],
      ] as const) {
        const result = await mutate('asCreatorA', RECORD, 'recordEngagementMetric', {
          input: { metricType: type, date, value },
        });
        expect(result).toEqual({
          __typename: 'RecordEngagementMetricSuccess',
          data: { id: expect.any(String), metricValue: value },
        });
      }
    }
    const series = async (type: string, g: string, a: string) =>
      ((await query('asCreatorA', SERIES, { type, from: WEEK[0], to: WEEK[6], g, a })).engagementSeries as Json[]).map(
        (p) => p.value,
      );
    expect(await series('bounds.top', 'WEEK', 'SUM')).toEqual([7e15]);
    expect(await series('bounds.bottom', 'WEEK', 'SUM')).toEqual([-7e15]);
    expect(await series('bounds.top', 'MONTH', 'AVG')).toEqual([1e15]);
    expect(await series('bounds.bottom', 'DAY', 'MAX')).toEqual(WEEK.map(() => -1e15));
  });

  test("asCreatorB: sees none of creator A's bounded metrics", async () => {
    const data = await query('asCreatorB', SERIES, {
      type: 'bounds.top',
      from: WEEK[0],
      to: WEEK[6],
      g: 'WEEK',
      a: 'SUM',
    });
    expect(data.engagementSeries).toEqual([{ bucket: WEEK[0], value: 0 }]);
  });
});

describe('the CHECK constraints', () => {
  test.each(['1.7e308', 'Infinity', '-Infinity', 'NaN', '1000000000000001'])(
    'a writer other than the API (the owner) cannot store %s',
    async (value) => {
      await expect(
        sql(
          `INSERT INTO engagement_metrics (creator_id, metric_type, date, metric_value) VALUES ($1, 'bounds.owner', '2020-02-01', $2::float8)`,
          [api.tenants.creatorA, value],
        ),
      ).rejects.toThrow(/engagement_metrics_metric_value_check/);
      const program = (await one<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 LIMIT 1`, [
        api.tenants.creatorA,
      ]))!;
      await expect(
        sql(
          `INSERT INTO program_analytics (creator_id, program_id, metric_type, date, metric_value) VALUES ($1, $2, 'bounds.owner', '2020-02-01', $3::float8)`,
          [api.tenants.creatorA, program.id, value],
        ),
      ).rejects.toThrow(/program_analytics_metric_value_check/);
    },
  );
});

describe('the bounded_totals migration', () => {
  const MINE = '20261207000200_bounded_totals';

  test('clamps values already outside the range to the nearest bound (NaN to 0) and leaves the rest', async () => {
    // Built by hand: the harness only gives fully migrated databases; this one is migrated up to MINE.
    const empty = await createEmptyDatabase();
    const before = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-before-'));
    try {
      for (const name of fs.readdirSync(MIGRATIONS_DIR).filter((n) => n < MINE))
        fs.cpSync(path.join(MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
      await migrate(empty.ownerUrl, { dir: before });
      const owner = await connect(empty.ownerUrl);
      try {
        const creator = (
          await owner.query(
            `INSERT INTO creators (email, password_hash) VALUES ('bounds@example.com', 'x') RETURNING id`,
          )
        ).rows[0].id as string;
        const program = (
          await owner.query(`INSERT INTO programs (creator_id, name) VALUES ($1, 'p') RETURNING id`, [creator])
        ).rows[0].id as string;
        const values = ['Infinity', '-Infinity', 'NaN', '1e300', '-1e300', '5', '-1000000000000000'];
        for (const [i, value] of values.entries()) {
          await owner.query(
            `INSERT INTO engagement_metrics (creator_id, metric_type, date, metric_value) VALUES ($1, 'm', '2020-01-01'::date + $2::int, $3::float8)`,
            [creator, i, value],
          );
          await owner.query(
            `INSERT INTO program_analytics (creator_id, program_id, metric_type, date, metric_value) VALUES ($1, $2, 'm', '2020-01-01'::date + $3::int, $4::float8)`,
            [creator, program, i, value],
          );
        }

        const result = await migrate(empty.ownerUrl);
        expect(result.applied).toContain(MINE);

        const expected = [1e15, -1e15, 0, 1e15, -1e15, 5, -1e15];
        for (const table of ['engagement_metrics', 'program_analytics']) {
          const { rows } = await owner.query(`SELECT metric_value AS v FROM ${table} ORDER BY date`);
          expect({ table, values: rows.map((r) => r.v) }).toEqual({ table, values: expected });
        }
      } finally {
        await owner.end();
      }
    } finally {
      fs.rmSync(before, { recursive: true, force: true });
      await empty.drop();
    }
  });
});
