// npm run bench
//
// (A) this server, (B) PostGraphile 5 and (C) a raw node:http + pg baseline, over the same
// PostgreSQL, the same policies, the same non-owner role and the same dataset (bench/dataset.ts),
// asked the same six queries (bench/queries.ts). Everything is reported as a ratio to (C), the
// practical floor, with the median and the spread (min–max) over the repetitions.
//
//   1. A throwaway embedded PostgreSQL (pg_stat_statements loaded), migrated, loaded.
//   2. The three targets start as child processes, pinned to the same cores (taskset).
//   3. Correctness gate: for every query and 10 tenants, the three answers must be equal once
//      canonicalised, or the run stops.
//   4. For each repetition, for each query, A B C in turn: a saturation run (autocannon, fixed
//      connections, bounded in time) for requests per second and CPU-ms per request (the
//      target's own utime + stime from /proc, and PostgreSQL's: the postmaster and every
//      process it forked), with pg_stat_statements reset before and read
//      after (SQL statements and transactions per request); then an evenly paced open-loop run
//      at a fixed request rate for p50 and p99 latency (per query, the same for A, B and C:
//      half the warm-up throughput of the slowest target).
//   5. bench/results/<date>.md, and the table on stdout.
//
// Settings (environment): BENCH_REPS (3), BENCH_SECONDS (4, per saturation run),
// BENCH_RATE_SECONDS (3), BENCH_RATE (the most requests/s of a latency run: 200), BENCH_CONNECTIONS (16),
// BENCH_SERVER_CPUS (0: the cores the targets are pinned to), BENCH_LOAD_CPUS (the last core:
// autocannon and this process), BENCH_QUERIES (Q0,Q1,...).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { issueApiKey } from '../src/auth/api-keys';
import { startEmbeddedPostgres, withDatabase } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { buildDataset, progressBar } from './dataset';
import { canonical, QUERY_IDS, QUERY_TITLES, requestA, requestB, requestC, type HttpRequest, type QueryId, type Sample } from './queries';

type Target = 'A' | 'B' | 'C';
const TARGETS: readonly Target[] = ['A', 'B', 'C'];
const TARGET_NAMES: Record<Target, string> = { A: 'creatorgraph', B: 'PostGraphile 5', C: 'raw node:http + pg' };

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const REPS = env('BENCH_REPS', 3);
const SECONDS = env('BENCH_SECONDS', 4);
const RATE_SECONDS = env('BENCH_RATE_SECONDS', 3);
const RATE = env('BENCH_RATE', 200);
const CONNECTIONS = env('BENCH_CONNECTIONS', 16);
const CPUS = os.cpus().length;
const SERVER_CPUS = process.env.BENCH_SERVER_CPUS ?? '0';
const LOAD_CPUS = process.env.BENCH_LOAD_CPUS ?? String(CPUS - 1);
const QUERIES = (process.env.BENCH_QUERIES?.split(',') as QueryId[] | undefined) ?? [...QUERY_IDS];
const SCALE = env('BENCH_SCALE', 1);
const SAMPLE_TENANTS = Math.min(50, Math.round(100 * SCALE));
const CLOCK_TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);

const log = (m: string) => process.stdout.write(`${m}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

interface RunningTarget {
  target: Target;
  port: number;
  child: ChildProcess;
  request: (q: QueryId, s: Sample) => HttpRequest;
}

/** The fields of /proc/<pid>/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime. */
function procStat(pid: number | string): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of a process, in milliseconds. */
function cpuMs(pid: number): number {
  const fields = procStat(pid);
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

/**
 * utime + stime of each process of the PostgreSQL server: the postmaster and every process it
 * forked (backends, autovacuum, the checkpointer...), by pid.
 */
function postgresCpu(clusterDir: string): Map<string, number> {
  const postmaster = fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]!;
  const cpu = new Map<string, number>([[postmaster, cpuMs(Number(postmaster))]]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = procStat(entry);
      if (fields[1] === postmaster) cpu.set(entry, (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS);
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
function postgresCpuSince(before: Map<string, number>, clusterDir: string): number {
  let total = 0;
  for (const [pid, ms] of postgresCpu(clusterDir)) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function post(port: number, req: HttpRequest): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${req.path}`, { method: 'POST', headers: req.headers, body: req.body });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function startTarget(target: Target, script: string[], extraEnv: Record<string, string>, request: RunningTarget['request']): Promise<RunningTarget> {
  const port = await freePort();
  const child = spawn('taskset', ['-c', SERVER_CPUS, process.execPath, '--import', 'tsx', ...script], {
    cwd: path.resolve(__dirname, '..'),
    env: { ...process.env, ...extraEnv, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${TARGET_NAMES[target]} exited during start-up:\n${output}`);
    try {
      const probe = target === 'C' ? { path: '/q/Q0', headers: { 'content-type': 'application/json' }, body: '{}' } : { path: '/graphql', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}' };
      if ((await post(port, probe)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${TARGET_NAMES[target]} did not answer within 60 s:\n${output}`);
    await sleep(200);
  }
  return { target, port, child, request };
}

interface Measurement {
  rps: number;
  cpuMsPerRequest: number;
  /** PostgreSQL's CPU (all its processes) per request. */
  dbCpuMsPerRequest: number;
  /** The target's and PostgreSQL's together: what the request costs the machine. */
  totalCpuMsPerRequest: number;
  statementsPerRequest: number;
  transactionsPerRequest: number;
  dbMsPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
}

async function autocannonRun(t: RunningTarget, q: QueryId, samples: Sample[], options: { seconds: number }) {
  const requests = samples.map((s) => {
    const r = t.request(q, s);
    return { method: 'POST' as const, path: r.path, headers: r.headers, body: r.body };
  });
  let ok = 0;
  let errors = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${t.port}`,
        connections: CONNECTIONS,
        duration: options.seconds,
        requests,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client: unknown, statusCode: number) => {
      if (statusCode === 200) ok++;
      else errors++;
    });
  });
  // `sent` counts the requests still in flight when the time was up: the target serves them too.
  return { requests: result.requests.total, sent: Math.max(result.requests.sent, ok + errors), ok, errors: errors + result.errors + result.timeouts, seconds: result.duration };
}

/**
 * The statements that end a transaction, as pg_stat_statements shows them: COMMIT and ROLLBACK of
 * explicit transactions and, for A, its tenant settings statement, which goes ahead of a
 * statement in an implicit transaction (src/db/tenant.ts, TenantStatement) and is never sent
 * inside an explicit one. Its constants are normalised after its parameters, so its text reads
 * `SELECT set_config($6, $1, $7), ...`. (C's set_config is parameterised the same way but sits
 * inside BEGIN ... COMMIT: the pattern applies to A's runs alone, and the targets run one at a
 * time.)
 */
function transactionEnds(t: Target): string {
  return `upper(query) IN ('COMMIT', 'ROLLBACK')${t === 'A' ? ` OR query LIKE 'SELECT set_config($_, $1, $_), %'` : ''}`;
}

/**
 * Open-loop load at a fixed rate, evenly paced (autocannon's rate limit releases each second's
 * requests as a burst, which measures queueing, not latency): a request every 1/rate s,
 * whatever the answers do, over keep-alive connections. Latency is from the moment a request
 * was due to its last byte, so a stall counts against the requests it delays.
 */
async function pacedRun(t: RunningTarget, q: QueryId, samples: Sample[], rate: number, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const requests = samples.map((s) => t.request(q, s));
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const r = requests[i % requests.length]!;
    inflight.push(
      new Promise<void>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: t.port, path: r.path, method: 'POST', headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) }, agent }, (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            if (res.statusCode === 200) latencies.push(performance.now() - due);
            else errors++;
            resolve();
          });
        });
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
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), errors };
}

async function main(): Promise<void> {
  const started = Date.now();
  if (CPUS > 1) execFileSync('taskset', ['-pc', LOAD_CPUS, String(process.pid)], { stdio: 'ignore' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-bench-'));
  const clusterDir = path.join(dir, 'pg');
  fs.chmodSync(dir, 0o755);
  log(`PostgreSQL in ${dir}; targets pinned to CPU ${SERVER_CPUS}, load generator to CPU ${LOAD_CPUS} (${CPUS} CPUs, ${os.cpus()[0]?.model ?? 'unknown'})`);
  const db = await startEmbeddedPostgres({
    dataDir: dir,
    port: await freePort(),
    database: 'bench',
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track_utility': 'on', max_wal_size: '4GB', checkpoint_timeout: '30min' },
  });
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    for (const c of children) c.kill('SIGTERM');
    await sleep(500);
    await db.stop().catch(() => undefined);
    if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));
  try {
    await migrate(db.ownerUrl);
    const superBench = withDatabase(db.superUrl, 'bench');
    log('building the dataset');
    const dataset = await buildDataset(superBench, progressBar(process.stdout), SCALE);
    log(`dataset: ${Object.entries(dataset.rows).map(([t, n]) => `${n.toLocaleString('en')} ${t}`).join(', ')} in ${dataset.seconds.toFixed(0)} s`);

    const admin = new pg.Client({ connectionString: superBench });
    admin.on('error', () => undefined); // the database stops first when a run fails
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const owner = new pg.Client({ connectionString: db.ownerUrl });
    owner.on('error', () => undefined);
    await owner.connect();
    await owner.query(fs.readFileSync(path.join(__dirname, 'targets', 'postgraphile.sql'), 'utf8'));

    // The busiest tenants: a program with ~350 enrollments, a user with badges and achievements.
    const secret = crypto.randomBytes(32).toString('hex');
    const jwtKey = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
    const tenants = (
      await admin.query<{ id: string; program_id: string; user_id: string }>(
        `SELECT c.id,
                (SELECT p.id FROM programs p WHERE p.creator_id = c.id ORDER BY p.enrollment_count DESC, p.id LIMIT 1) AS program_id,
                (SELECT u.id FROM users u WHERE u.creator_id = c.id AND (SELECT count(*) FROM user_badges ub WHERE ub.user_id = u.id) = 3
                   AND EXISTS (SELECT 1 FROM achievements a WHERE a.user_id = u.id AND a.achievement_type = 'program_completed') ORDER BY u.id LIMIT 1) AS user_id
           FROM bench.creators b JOIN creators c ON c.id = b.id WHERE b.n <= $1 ORDER BY b.n`,
        [SAMPLE_TENANTS],
      )
    ).rows;
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const samples: Sample[] = [];
    for (const t of tenants) {
      const key = issueApiKey(t.id);
      await admin.query(`INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, 'bench', $2, $3, ARRAY['read'])`, [t.id, key.prefix, key.hash]);
      const token = jwt.sign({ sub: t.id, role: 'creator' }, jwtKey, { algorithm: 'HS256', audience: 'creatorgraph-api', issuer: 'creatorgraph', expiresIn: '2h' });
      samples.push({ creatorId: t.id, token, apiKey: key.secret, programId: t.program_id, userId: t.user_id, date: yesterday });
    }
    await owner.end();

    const roles = (await admin.query<{ oid: number }>(`SELECT oid FROM pg_roles WHERE rolname IN ($1, $2)`, [new URL(db.appUrl).username, new URL(db.ownerUrl).username])).rows.map((r) => r.oid);
    const common = { DATABASE_URL: db.appUrl, JWT_SECRET: secret };
    log('starting the targets');
    const running: Record<Target, RunningTarget> = {
      A: await startTarget(
        'A',
        ['src/main.ts'],
        // Production mode as deployed, but for the per-request log line (warn, not info: the other
        // targets log nothing per request) and the job worker (no jobs are queued here).
        { ...common, NODE_ENV: 'production', DATABASE_OWNER_URL: db.ownerUrl, HOST: '127.0.0.1', LOG_LEVEL: 'warn', JOBS_ENABLED: 'false', SEED_ON_START: 'false', MIGRATE_ON_START: 'false' },
        requestA,
      ),
      B: await startTarget('B', ['bench/targets/postgraphile.ts'], { ...common, NODE_ENV: 'production', GRAPHILE_ENV: 'production' }, requestB),
      C: await startTarget('C', ['bench/targets/raw.ts'], common, requestC),
    };
    children.push(...TARGETS.map((t) => running[t].child));

    log('correctness gate');
    for (const q of QUERIES) {
      for (const s of samples.slice(0, 10)) {
        const answers: Partial<Record<Target, string>> = {};
        for (const t of TARGETS) {
          const res = await post(running[t].port, running[t].request(q, s));
          if (res.status !== 200) throw new Error(`${q} on ${TARGET_NAMES[t]}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
          answers[t] = JSON.stringify(canonical(t, q, res.body));
        }
        if (answers.A !== answers.C || answers.B !== answers.C) {
          const file = path.join(dir, `gate-${q}.json`);
          fs.writeFileSync(file, JSON.stringify(answers, null, 2));
          throw new Error(`correctness gate: ${q} differs between targets for creator ${s.creatorId} (answers in ${file}; BENCH_KEEP=1 keeps them)`);
        }
        if (answers.C === 'null' || answers.C === '{}') throw new Error(`correctness gate: ${q} is empty for creator ${s.creatorId}`);
      }
      log(`  ${q} ✓ identical on ${TARGETS.join(', ')} for 10 tenants`);
    }

    // Warm-up, which also sets each query's fixed rate for the latency runs: half the warm-up
    // throughput of the slowest target (capped at BENCH_RATE), so that every target can keep up
    // and p50/p99 measure serving, not queueing.
    log(`warming up`);
    const rates = {} as Record<QueryId, number>;
    for (const q of QUERIES) {
      let slowest = Infinity;
      for (const t of TARGETS) {
        const warm = await autocannonRun(running[t], q, samples, { seconds: 2 });
        slowest = Math.min(slowest, warm.ok / warm.seconds);
      }
      rates[q] = Math.max(5, Math.min(RATE, Math.floor(slowest / 2)));
    }
    log(`  latency runs at ${QUERIES.map((q) => `${q} ${rates[q]}/s`).join(', ')}`);

    const results: Record<QueryId, Record<Target, Measurement[]>> = Object.fromEntries(QUERIES.map((q) => [q, { A: [], B: [], C: [] }])) as never;
    const xactCheck = { counted: 0, harness: 1, database: 0 };
    const xacts = async () => Number((await admin.query(`SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = 'bench'`)).rows[0].n);
    const databaseXactsBefore = await xacts();
    for (let rep = 1; rep <= REPS; rep++) {
      for (const q of QUERIES) {
        for (const t of TARGETS) {
          const target = running[t];
          await admin.query('SELECT pg_stat_statements_reset()');
          const cpuBefore = cpuMs(target.child.pid!);
          const dbCpuBefore = postgresCpu(clusterDir);
          const load = await autocannonRun(target, q, samples, { seconds: SECONDS });
          // Let the requests still in flight finish: their CPU and statements are counted, and
          // so are they (per request = per request sent).
          await sleep(500);
          const cpu = cpuMs(target.child.pid!) - cpuBefore;
          const dbCpu = postgresCpuSince(dbCpuBefore, clusterDir);
          const stats = (
            await admin.query<{ statements: string; transactions: string; ms: number }>(
              `SELECT coalesce(sum(calls), 0) AS statements,
                      coalesce(sum(calls) FILTER (WHERE ${transactionEnds(t)}), 0) AS transactions,
                      coalesce(sum(total_exec_time), 0) AS ms
                 FROM pg_stat_statements WHERE userid = ANY($1) AND dbid = (SELECT oid FROM pg_database WHERE datname = 'bench')`,
              [roles],
            )
          ).rows[0]!;
          const fixed = await pacedRun(target, q, samples, rates[q], RATE_SECONDS);
          await sleep(100);
          xactCheck.counted += Number(
            (await admin.query(`SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements WHERE userid = ANY($1) AND (${transactionEnds(t)})`, [roles])).rows[0].n,
          );
          xactCheck.harness += 3; // the reset and the two reads above, each its own transaction
          const m: Measurement = {
            rps: load.ok / load.seconds,
            cpuMsPerRequest: cpu / load.sent,
            dbCpuMsPerRequest: dbCpu / load.sent,
            totalCpuMsPerRequest: (cpu + dbCpu) / load.sent,
            statementsPerRequest: Number(stats.statements) / load.sent,
            transactionsPerRequest: Number(stats.transactions) / load.sent,
            dbMsPerRequest: stats.ms / load.sent,
            p50: fixed.p50,
            p99: fixed.p99,
            errors: load.errors + fixed.errors,
          };
          results[q][t].push(m);
          log(
            `  rep ${rep} ${q} ${t}: ${m.rps.toFixed(0)} req/s, ${m.cpuMsPerRequest.toFixed(3)} CPU-ms/req (PostgreSQL ${m.dbCpuMsPerRequest.toFixed(3)}), ${m.statementsPerRequest.toFixed(2)} statements/req, ${m.transactionsPerRequest.toFixed(2)} xact/req, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms at ${rates[q]}/s${m.errors ? `, ${m.errors} errors` : ''}`,
          );
        }
      }
    }
    // pg_stat_database is flushed by each backend when it has been idle a while (up to 10 s):
    // wait, then compare the whole run's transactions with what pg_stat_statements counted.
    await sleep(11_000);
    xactCheck.database = (await xacts()) - databaseXactsBefore;

    const report = renderReport(results, rates, dataset, xactCheck, (Date.now() - started) / 1000);
    const resultsDir = path.join(__dirname, 'results');
    fs.mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}.md`);
    fs.writeFileSync(file, report);
    log(`\n${report}\nwritten to ${path.relative(process.cwd(), file)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    await admin.end();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await stopAll();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function renderReport(results: Record<QueryId, Record<Target, Measurement[]>>, rates: Record<QueryId, number>, dataset: { rows: Record<string, number>; seconds: number }, xactCheck: { counted: number; harness: number; database: number }, seconds: number): string {
  const ratio = (q: QueryId, t: Target, metric: keyof Measurement) => {
    const base = median(results[q].C.map((m) => m[metric]));
    const values = results[q][t].map((m) => m[metric] / base);
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  const cell = (r: { median: number; min: number; max: number }) => (Number.isFinite(r.median) ? `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : 'n/a');
  const abs = (q: QueryId, t: Target, metric: keyof Measurement, digits: number) => median(results[q][t].map((m) => m[metric])).toFixed(digits);
  const lines: string[] = [];
  lines.push(`# Benchmark: creatorgraph (A), PostGraphile 5 (B), raw node:http + pg (C)`, '');
  lines.push(
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · \`npm run bench\` · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'} · Node ${process.version} · PostgreSQL 18 (embedded) · ${REPS} repetitions · ${SECONDS} s saturation runs with ${CONNECTIONS} connections · latency over ${RATE_SECONDS} s at a fixed rate per query (below) · targets pinned to CPU ${SERVER_CPUS}, load generator to CPU ${LOAD_CPUS} · whole run ${seconds.toFixed(0)} s`,
    '',
  );
  lines.push(`Dataset: ${Object.entries(dataset.rows).map(([t, n]) => `${n.toLocaleString('en')} ${t}`).join(', ')} (built in ${dataset.seconds.toFixed(0)} s).`, '');
  lines.push('## Ratios to the raw baseline (C = 1.00): median (min–max over repetitions)', '');
  lines.push("Requests per second: higher is better. Latency and CPU: lower is better. CPU-ms per request is the target process's; with PostgreSQL's, it adds the database server's CPU over the same run (what the request costs the machine).", '');
  lines.push(`Latency is measured at a fixed, evenly paced rate per query, the same for the three targets: half the warm-up throughput of the slowest of them (at most ${RATE}/s): ${(Object.keys(results) as QueryId[]).map((q) => `${q} ${rates[q]}/s`).join(', ')}.`, '');
  lines.push('| query | target | req/s | p50 latency | p99 latency | CPU-ms per request | CPU-ms with PostgreSQL\'s | SQL statements per request | transactions per request |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const q of Object.keys(results) as QueryId[]) {
    for (const t of TARGETS) {
      lines.push(
        `| ${q} ${QUERY_TITLES[q]} | ${t} | ${cell(ratio(q, t, 'rps'))} | ${cell(ratio(q, t, 'p50'))} | ${cell(ratio(q, t, 'p99'))} | ${cell(ratio(q, t, 'cpuMsPerRequest'))} | ${cell(ratio(q, t, 'totalCpuMsPerRequest'))} | ${abs(q, t, 'statementsPerRequest', 2)} | ${abs(q, t, 'transactionsPerRequest', 2)} |`,
      );
    }
  }
  lines.push('', 'Statements and transactions are absolute (per GraphQL request), not ratios.', '');
  lines.push('## Absolute medians', '');
  lines.push('| query | target | req/s | p50 ms | p99 ms | CPU-ms per request | PostgreSQL CPU-ms per request | DB execution ms per request | errors |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const q of Object.keys(results) as QueryId[]) {
    for (const t of TARGETS) {
      const errors = results[q][t].reduce((n, m) => n + m.errors, 0);
      lines.push(`| ${q} | ${t} | ${abs(q, t, 'rps', 0)} | ${abs(q, t, 'p50', 2)} | ${abs(q, t, 'p99', 2)} | ${abs(q, t, 'cpuMsPerRequest', 3)} | ${abs(q, t, 'dbCpuMsPerRequest', 3)} | ${abs(q, t, 'dbMsPerRequest', 3)} | ${errors} |`);
    }
  }
  lines.push(
    '',
    "CPU-ms per request is the target process's own (user + system); PostgreSQL CPU-ms is that of all the server's processes over the same run; DB execution ms is pg_stat_statements' total_exec_time, wall-clock time inside statements, which grows when the CPU is contended.",
    '',
    `Transactions are counted in pg_stat_statements as COMMIT/ROLLBACK statements (explicit transactions: B and C, and A's writes) plus A's tenant settings statements, each of which opens an implicit transaction that ends at its Sync. Cross-check over the whole measured phase (saturation and fixed-rate runs): ${xactCheck.counted.toLocaleString('en')} transactions so counted in pg_stat_statements plus ${xactCheck.harness} of this harness's own statistics queries, against ${xactCheck.database.toLocaleString('en')} transactions in pg_stat_database (which also counts autovacuum's).`,
    '',
  );
  return lines.join('\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
