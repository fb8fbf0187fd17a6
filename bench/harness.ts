// What the benchmarks share: the benchmark database (a throwaway embedded PostgreSQL with
// pg_stat_statements, migrated, loaded with bench/dataset.ts, with tenants to ask for), servers
// started as child processes pinned to cores, load from autocannon (bounded in time) and from an
// evenly paced open loop (for latency), and CPU read from /proc for a process and for the whole
// PostgreSQL server.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { issueApiKey } from '../src/auth/api-keys';
import { createTokenService } from '../src/auth/tokens';
import { startEmbeddedPostgres, withDatabase, type EmbeddedPostgres } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { freePort } from '../test/helpers/ports';
import { buildDataset, progressBar, type DatasetSummary } from './dataset';
import type { HttpRequest, Sample } from './queries';

export const CPUS = os.cpus().length;

/** A numeric setting from the environment. */
export const numberSetting = (name: string, fallback: number) =>
  process.env[name] ? Number(process.env[name]) : fallback;
/** Connections of each closed-loop run (BENCH_CONNECTIONS). */
export const CONNECTIONS = numberSetting('BENCH_CONNECTIONS', 16);
/** The cores the servers are pinned to (BENCH_SERVER_CPUS), and the load generator (BENCH_LOAD_CPUS). */
export const SERVER_CPUS = process.env.BENCH_SERVER_CPUS ?? '0';
export const LOAD_CPUS = process.env.BENCH_LOAD_CPUS ?? String(CPUS - 1);

/** Pins this process (the load generator) to LOAD_CPUS, away from the servers. */
export function pinLoadGenerator(): void {
  if (CPUS > 1) execFileSync('taskset', ['-pc', LOAD_CPUS, String(process.pid)], { stdio: 'ignore' });
}
export { freePort };
export const log = (m: string) => process.stdout.write(`${m}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: (() => Promise<void>)[] = [];

/** Registers what a benchmark must undo however it ends; the last registered runs first. */
function onStop(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

async function stopAll(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}

/**
 * Runs a benchmark's main. However it ends (a failure, Ctrl-C), the servers startServer started
 * are stopped and the database openBenchDatabase made is removed; a failure exits 1.
 */
export function runBench(main: () => Promise<void>): void {
  process.once('SIGINT', () => void stopAll().then(() => process.exit(130)));
  main()
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(stopAll);
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** The value at fraction `p` (0.99 for p99) of ascending `sorted`; NaN if it is empty. */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

/** Median (min–max) of paired ratios, or n/a where one had a zero base. */
export function spread(values: number[]): string {
  return values.every(Number.isFinite)
    ? `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`
    : 'n/a';
}

let clockTickMs: number | undefined;

/** The fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime. */
function procStat(pid: number | string): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of procStat's fields, in milliseconds. */
function statCpuMs(fields: string[]): number {
  clockTickMs ??= 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);
  return (Number(fields[11]) + Number(fields[12])) * clockTickMs;
}

/** utime + stime of a process, in milliseconds. */
export function cpuMs(pid: number): number {
  return statCpuMs(procStat(pid));
}

/**
 * utime + stime of each process of the PostgreSQL server: the postmaster and every process it
 * forked (backends, autovacuum, the checkpointer...), by pid.
 */
export function postgresCpu(postmaster: string): Map<string, number> {
  const cpu = new Map<string, number>([[postmaster, cpuMs(Number(postmaster))]]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = procStat(entry);
      if (fields[1] === postmaster) cpu.set(entry, statCpuMs(fields));
    } catch {
      // the process ended while we looked
    }
  }
  return cpu;
}

/**
 * PostgreSQL's CPU between two snapshots: what each process alive at the end used since the
 * first (all of it, for one that started in between). A process that ended in between is left
 * out: a pool closes only connections idle for far longer than a run, which used nothing in it.
 */
export function postgresCpuSince(before: Map<string, number>, postmaster: string): number {
  let total = 0;
  for (const [pid, ms] of postgresCpu(postmaster)) total += ms - (before.get(pid) ?? 0);
  return total;
}

export async function post(port: number, req: HttpRequest): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${req.path}`, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

/**
 * Starts `node --import tsx <script>` in `cwd`, pinned to `cpus`, on a free port, and waits
 * until `probe` answers 200.
 */
export async function startServer(options: {
  name: string;
  cwd: string;
  script: string;
  env: Record<string, string>;
  cpus: string;
  probe: HttpRequest;
}): Promise<Server> {
  const port = await freePort();
  const child = spawn('taskset', ['-c', options.cpus, process.execPath, '--import', 'tsx', options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onStop(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited during start-up:\n${output}`);
    try {
      if ((await post(port, options.probe)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${options.name} did not answer within 60 s:\n${output}`);
    await sleep(200);
  }
  return { name: options.name, port, child };
}

/** Closed-loop load: `connections` clients sending `requests` in turn, for `seconds`. */
export async function autocannonRun(
  port: number,
  requests: HttpRequest[],
  options: { seconds: number; connections: number },
) {
  let ok = 0;
  let errors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: options.connections,
        duration: options.seconds,
        requests: requests.map((r) => ({ method: 'POST' as const, path: r.path, headers: r.headers, body: r.body })),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client: unknown, statusCode: number) => {
      if (statusCode === 200) ok++;
      else errors++;
    });
  });
  // `sent` counts the requests still in flight when the time was up: the target serves them too.
  return {
    sent: Math.max(result.requests.sent, ok + errors),
    ok,
    errors: errors + result.errors + result.timeouts,
    seconds: result.duration,
  };
}

/**
 * A closed-loop run of `server` with its CPU and PostgreSQL's over it, counted once the requests
 * still in flight when the time was up have settled (`settleMs`): they are served, and counted
 * in `load.sent`.
 */
export async function measureLoad(
  server: Server,
  requests: HttpRequest[],
  options: { seconds: number; connections: number; settleMs: number; postmaster: string },
) {
  const cpuBefore = cpuMs(server.child.pid!);
  const dbCpuBefore = postgresCpu(options.postmaster);
  const load = await autocannonRun(server.port, requests, options);
  await sleep(options.settleMs);
  return { load, cpu: cpuMs(server.child.pid!) - cpuBefore, dbCpu: postgresCpuSince(dbCpuBefore, options.postmaster) };
}

/**
 * Open-loop load at a fixed rate, evenly paced (autocannon's rate limit releases each second's
 * requests as a burst, which measures queueing, not latency): a request every 1/rate s,
 * whatever the answers do, over keep-alive connections. Latency is from the moment a request
 * was due to its last byte, so a stall counts against the requests it delays. With `check`, an
 * answer whose body it rejects (a GraphQL error under a 200) counts as an error too.
 */
export async function pacedRun(
  port: number,
  requests: HttpRequest[],
  rate: number,
  seconds: number,
  check?: (body: string) => boolean,
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const prepared = requests.map((r) => ({
    path: r.path,
    body: r.body,
    headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
  }));
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const r = prepared[i % prepared.length]!;
    inflight.push(
      new Promise<void>((resolve) => {
        const req = http.request(
          { host: '127.0.0.1', port, path: r.path, method: 'POST', headers: r.headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => check && chunks.push(chunk));
            res.on('end', () => {
              if (res.statusCode === 200 && (!check || check(Buffer.concat(chunks).toString())))
                latencies.push(performance.now() - due);
              else errors++;
              resolve();
            });
          },
        );
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end(r.body);
      }),
    );
  }
  await Promise.all(inflight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), errors, served: latencies.length };
}

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
): Promise<{ db: EmbeddedPostgres; dir: string; stop(): Promise<void> }> {
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

/**
 * The environment of this server (A) as the benchmarks run it: production mode as deployed, but
 * for the per-request log line (warn, not info: the other targets log nothing per request) and
 * the job worker (no jobs are queued here).
 */
export function serverEnv(bench: BenchDatabase): Record<string, string> {
  return {
    DATABASE_URL: bench.db.appUrl,
    DATABASE_OWNER_URL: bench.db.ownerUrl,
    JWT_SECRET: bench.secret,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JOBS_ENABLED: 'false',
    SEED_ON_START: 'false',
    MIGRATE_ON_START: 'false',
  };
}

export const GRAPHQL_PROBE: HttpRequest = {
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: '{"query":"{__typename}"}',
};
