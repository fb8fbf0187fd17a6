// The daily rollup: values recomputed independently, idempotence, the queue, and the CLI.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { createPool } from '../../src/db/clients';
import { rollupDay } from '../../src/jobs/rollup';
import { jobUtils, startJobs } from '../../src/jobs/worker';
import { createLogger } from '../../src/logger';
import { useDatabase } from '../helpers/harness';

jest.setTimeout(60_000);

const database = useDatabase();
let pool: pg.Pool;
const today = new Date().toISOString().slice(0, 10);

beforeAll(() => {
  pool = createPool(database.db.ownerUrl, { max: 4, applicationName: 'rollup-test' });
  database.onTeardown(() => pool.end());
});

const metric = async (creatorId: string, type: string, date: string, dimensions = '{}') =>
  (
    await database.owner.query(
      `SELECT metric_value AS v FROM engagement_metrics WHERE creator_id = $1 AND metric_type = $2 AND date = $3 AND dimensions = $4::jsonb`,
      [creatorId, type, date, dimensions],
    )
  ).rows.map((r) => r.v);
const fingerprint = async () =>
  (
    await database.owner.query(
      `SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) AS h FROM (SELECT id, metric_value, updated_at FROM engagement_metrics UNION ALL SELECT id, metric_value, updated_at FROM program_analytics) t`,
    )
  ).rows[0].h;

test("rollupDay writes each creator's numbers for the day, computed from the rows", async () => {
  const result = await rollupDay(pool, today);
  expect(result.engagementMetrics).toBeGreaterThan(0);
  for (const creatorId of [database.tenants.creatorA, database.tenants.creatorB]) {
    const count = async (sql: string) => Number((await database.owner.query(sql, [creatorId, today])).rows[0].n);
    const window = `>= $2::date AND %s < $2::date + 1`;
    const between = (column: string) => `${column} ${window.replace('%s', column)}`;
    expect(await metric(creatorId, 'messages', today)).toEqual([
      await count(`SELECT count(*) n FROM messages WHERE creator_id = $1 AND ${between('created_at')}`),
    ]);
    expect(await metric(creatorId, 'new_users', today)).toEqual([
      await count(`SELECT count(*) n FROM users WHERE creator_id = $1 AND ${between('created_at')}`),
    ]);
    expect(await metric(creatorId, 'interactions', today)).toEqual([
      await count(`SELECT count(*) n FROM user_interactions WHERE creator_id = $1 AND ${between('created_at')}`),
    ]);
    const active = await count(
      `SELECT count(DISTINCT u) n FROM (SELECT user_id u FROM user_interactions WHERE creator_id = $1 AND ${between('created_at')}
        UNION SELECT sender_id FROM messages WHERE creator_id = $1 AND sender_type = 'user' AND ${between('created_at')}) x`,
    );
    expect(await metric(creatorId, 'active_users', today)).toEqual([active]);
    const channels = (
      await database.owner.query(`SELECT channel_type FROM channels WHERE creator_id = $1`, [creatorId])
    ).rows.map((r) => r.channel_type);
    let perChannel = 0;
    for (const channel of channels)
      perChannel += (await metric(creatorId, 'active_users', today, JSON.stringify({ channel })))[0] ?? NaN;
    expect(perChannel).toBe(active);
  }
  const { rows } = await database.owner.query(
    `SELECT pa.metric_value AS v, (SELECT count(*) FROM program_enrollments e WHERE e.program_id = pa.program_id AND e.completed_at >= $1::date AND e.completed_at < $1::date + 1)::float8 AS expected
       FROM program_analytics pa WHERE pa.metric_type = 'completions' AND pa.date = $1`,
    [today],
  );
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) expect(row.v).toBe(row.expected);
  expect(rows.some((r) => r.v > 0)).toBe(true);
});

test('running the same day again changes nothing; after a late write only that number moves', async () => {
  await rollupDay(pool, today);
  const before = await fingerprint();
  const again = await rollupDay(pool, today);
  expect(again).toEqual({ date: today, engagementMetrics: 0, programAnalytics: 0 });
  expect(await fingerprint()).toBe(before);

  const conversation = (
    await database.owner.query(`SELECT id FROM conversations WHERE creator_id = $1 LIMIT 1`, [
      database.tenants.creatorB,
    ])
  ).rows[0].id;
  const [messagesBefore] = await metric(database.tenants.creatorB, 'messages', today);
  await database.owner.query(
    `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', 'late')`,
    [database.tenants.creatorB, conversation],
  );
  const late = await rollupDay(pool, today);
  expect(late.engagementMetrics).toBe(1);
  expect(await metric(database.tenants.creatorB, 'messages', today)).toEqual([messagesBefore + 1]);
});

test('a bad date is refused before any write', async () => {
  await expect(rollupDay(pool, '2026-02-30')).rejects.toThrow(/not a YYYY-MM-DD day|out of range/);
  await expect(rollupDay(pool, "2026-01-01'; DROP TABLE users; --")).rejects.toThrow(/not a YYYY-MM-DD day/);
});

test('the job runs on the Postgres queue: enqueue a rollup, a worker picks it up', async () => {
  const log = createLogger('silent');
  const utils = await jobUtils(pool, log);
  const date = '2026-01-15';
  await utils.addJob('rollup', { date }, { jobKey: `rollup:${date}` });
  await utils.release();
  const runner = await startJobs(pool, log, { crontab: '' });
  try {
    // The worker writes the metrics, then (after the task's transaction) deletes the job: wait
    // for both, the job's deletion being the later event (checking it as soon as the metrics
    // showed lost that race on a busy machine).
    const jobsLeft = async () =>
      (
        await database.owner.query(
          `SELECT count(*)::int n, max(last_error) AS error FROM graphile_worker.jobs WHERE task_identifier = 'rollup'`,
        )
      ).rows[0] as { n: number; error: string | null };
    for (
      let i = 0;
      i < 300 && ((await metric(database.tenants.creatorA, 'messages', date)).length === 0 || (await jobsLeft()).n > 0);
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    expect(await metric(database.tenants.creatorA, 'messages', date)).toEqual([0]);
    expect(await jobsLeft()).toEqual({ n: 0, error: null });
  } finally {
    await runner.stop();
  }
});

test('npm run jobs -- rollup --date: the CLI runs the same job against the configured database', () => {
  const root = path.resolve(__dirname, '../..');
  const env = {
    ...process.env,
    DATABASE_URL: database.db.appUrl,
    DATABASE_OWNER_URL: database.db.ownerUrl,
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
  };
  const ok = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/jobs.ts', 'rollup', '--date', '2026-01-16'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  expect(ok.stderr).toBe('');
  expect(ok.status).toBe(0);
  return metric(database.tenants.creatorB, 'new_users', '2026-01-16').then((values) => expect(values).toEqual([0]));
});

test('the CLI refuses a bad command or date with its usage', () => {
  const root = path.resolve(__dirname, '../..');
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/jobs.ts', 'rollup', '--date', 'yesterday'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: database.db.appUrl, DATABASE_OWNER_URL: database.db.ownerUrl },
    encoding: 'utf8',
  });
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/--date must be YYYY-MM-DD/);
});
