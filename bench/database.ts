// The benchmark database: a throwaway embedded PostgreSQL with pg_stat_statements, migrated,
// loaded with bench/dataset.ts, with tenants to ask for.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { issueApiKey } from '../src/auth/api-keys';
import { createTokenService } from '../src/auth/tokens';
import { startEmbeddedPostgres, withDatabase, type EmbeddedPostgres } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { buildDataset, progressBar, type DatasetSummary } from './dataset';
import { freePort, log, onStop } from './harness';
import type { Sample } from './queries';

export interface BenchDatabase {
  db: EmbeddedPostgres;
  dir: string;
  /** The pid of the cluster's postmaster, whose processes postgresCpu counts. */
  postmaster: string;
  dataset: DatasetSummary;
  /** A superuser client on the bench database, for statistics. */
  admin: pg.Client;
  /** The oids of the application and owner roles (whose statements are counted). */
  roles: number[];
  /** The JWT secret every target verifies with. */
  secret: string;
  /** Per sampled tenant: its token, API key and the ids the queries name. */
  samples: Sample[];
}

/**
 * A throwaway embedded PostgreSQL for benchmarks (durability off), with database `bench`
 * migrated by this checkout. stop() removes its directory unless BENCH_KEEP is set.
 */
export async function startBenchPostgres(
  settings: Record<string, string> = {},
): Promise<{ db: EmbeddedPostgres; dir: string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-bench-'));
  fs.chmodSync(dir, 0o755);
  log(`PostgreSQL in ${dir}`);
  const db = await startEmbeddedPostgres({
    dataDir: dir,
    port: await freePort(),
    database: 'bench',
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', ...settings },
  });
  const stop = async () => {
    await db.stop().catch(() => undefined);
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrate(db.ownerUrl);
  } catch (error) {
    await stop();
    throw error;
  }
  return { db, dir, stop };
}

/**
 * startBenchPostgres with pg_stat_statements, loaded with the dataset at `scale`, and
 * PostGraphile's functions (bench/targets/postgraphile.sql). The sampled tenants (up to 50) are
 * the busiest: a program with the most enrollments, a user with 3 badges and a completed
 * program, an API key with the READ scope, a creator token for 2 hours. Removed when runBench's
 * main ends.
 */
export async function openBenchDatabase(options: { scale: number }): Promise<BenchDatabase> {
  const server = await startBenchPostgres({
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track_utility': 'on',
    max_wal_size: '4GB',
    checkpoint_timeout: '30min',
  });
  const { db, dir } = server;
  // eslint-disable-next-line prefer-const -- the cleanup registered below runs before it is set if the dataset fails
  let admin: pg.Client | undefined;
  onStop(async () => {
    await admin?.end().catch(() => undefined);
    await server.stop();
  });
  const superBench = withDatabase(db.superUrl, 'bench');
  log('building the dataset');
  const dataset = await buildDataset(superBench, progressBar(process.stdout), options.scale);
  log(
    `dataset: ${Object.entries(dataset.rows)
      .map(([t, n]) => `${n.toLocaleString('en')} ${t}`)
      .join(', ')} in ${dataset.seconds.toFixed(0)} s`,
  );

  admin = new pg.Client({ connectionString: superBench });
  admin.on('error', () => undefined); // the database stops first when a run fails
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const owner = new pg.Client({ connectionString: db.ownerUrl });
  owner.on('error', () => undefined);
  await owner.connect();
  await owner.query(fs.readFileSync(path.join(__dirname, 'targets', 'postgraphile.sql'), 'utf8'));
  await owner.end();

  const secret = crypto.randomBytes(32).toString('hex');
  const tokens = createTokenService({
    secret,
    issuer: 'creatorgraph',
    audience: 'creatorgraph-api',
    accessTokenTtlSeconds: 2 * 3600,
  });
  const tenants = (
    await admin.query<{ id: string; program_id: string; user_id: string }>(
      `SELECT c.id,
              (SELECT p.id FROM programs p WHERE p.creator_id = c.id ORDER BY p.enrollment_count DESC, p.id LIMIT 1) AS program_id,
              (SELECT u.id FROM users u WHERE u.creator_id = c.id AND (SELECT count(*) FROM user_badges ub WHERE ub.user_id = u.id) = 3
                 AND EXISTS (SELECT 1 FROM achievements a WHERE a.user_id = u.id AND a.achievement_type = 'program_completed') ORDER BY u.id LIMIT 1) AS user_id
         FROM bench.creators b JOIN creators c ON c.id = b.id WHERE b.n <= $1 ORDER BY b.n`,
      [Math.min(50, Math.round(100 * options.scale))],
    )
  ).rows;
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const samples: Sample[] = [];
  for (const t of tenants) {
    const key = issueApiKey(t.id);
    await admin.query(
      `INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, 'bench', $2, $3, ARRAY['read'])`,
      [t.id, key.prefix, key.hash],
    );
    samples.push({
      creatorId: t.id,
      token: tokens.sign({ sub: t.id, role: 'creator' }).token,
      apiKey: key.secret,
      programId: t.program_id,
      userId: t.user_id,
      date: yesterday,
    });
  }
  const roles = (
    await admin.query<{ oid: number }>(`SELECT oid FROM pg_roles WHERE rolname IN ($1, $2)`, [
      new URL(db.appUrl).username,
      new URL(db.ownerUrl).username,
    ])
  ).rows.map((r) => r.oid);
  const postmaster = fs.readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]!;
  return { db, dir, postmaster, dataset, admin, roles, secret, samples };
}
