// npm run bench
//
// (A) this server, (B) PostGraphile 5 and (C) a raw node:http + pg baseline, over the same
// PostgreSQL, the same policies, the same non-owner role and the same dataset (bench/dataset.ts),
// asked the same six queries (bench/queries.ts). Everything is reported as a ratio to (C), the
// practical floor, with the median and the spread (min–max) over the repetitions: each
// repetition's A and B are divided by that repetition's C, measured within seconds of them, so
// that the machine's drifting speed cancels out.
//
//   1. A throwaway embedded PostgreSQL (pg_stat_statements loaded), migrated, loaded
//      (bench/database.ts, shared with bench/ablate.ts).
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
//   5. bench/results/<date>.md (bench/report.ts), and the table on stdout.
//
// Settings (environment): BENCH_REPS (3), BENCH_SECONDS (4, per saturation run),
// BENCH_RATE_SECONDS (6), BENCH_RATE (the most requests/s of a latency run: 200), BENCH_CONNECTIONS (16),
// BENCH_SERVER_CPUS (0: the cores the targets are pinned to), BENCH_LOAD_CPUS (the last core:
// autocannon and this process), BENCH_QUERIES (Q0,Q1,...), BENCH_SCALE (1: the dataset's size),
// BENCH_KEEP (keep the database directory), BENCH_STATEMENTS=1 (log each run's statements per
// request, by text), BENCH_A_NODE_OPTIONS (node options for A alone, to try V8 flags).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { TENANT_SETTINGS_SQL } from '../src/db/tenant-wire';
import { openBenchDatabase } from './database';
import {
  CONNECTIONS,
  CPUS,
  LOAD_CPUS,
  log,
  numberSetting,
  pinLoadGenerator,
  runBench,
  SERVER_CPUS,
  sleep,
} from './harness';
import { autocannonRun, measureLoad, pacedRun } from './load';
import { GRAPHQL_PROBE, post, serverEnv, startServer, type Server } from './server';
import {
  canonical,
  QUERY_IDS,
  requestA,
  requestB,
  requestC,
  type HttpRequest,
  type QueryId,
  type Sample,
} from './queries';
import { renderReport, TARGETS, type Measurement, type Target } from './report';

const TARGET_NAMES: Record<Target, string> = { A: 'creatorgraph', B: 'PostGraphile 5', C: 'raw node:http + pg' };

const REPS = numberSetting('BENCH_REPS', 3);
const SECONDS = numberSetting('BENCH_SECONDS', 4);
const RATE_SECONDS = numberSetting('BENCH_RATE_SECONDS', 6);
const RATE = numberSetting('BENCH_RATE', 200);
const QUERIES = (process.env.BENCH_QUERIES?.split(',') as QueryId[] | undefined) ?? [...QUERY_IDS];
const SCALE = numberSetting('BENCH_SCALE', 1);
const STATEMENT_DETAIL = process.env.BENCH_STATEMENTS === '1';
const CPU_MODEL = os.cpus()[0]?.model ?? 'unknown';

interface RunningTarget extends Server {
  request: (q: QueryId, s: Sample) => HttpRequest;
  /** Each query's requests, one per sampled tenant. */
  requests: Record<QueryId, HttpRequest[]>;
}

/**
 * The statements that end a transaction, as pg_stat_statements shows them: COMMIT and ROLLBACK of
 * explicit transactions and, for A, its tenant settings statement, which goes ahead of a
 * statement in an implicit transaction (src/db/tenant-wire.ts) and is never sent inside an
 * explicit one. pg_stat_statements records its text normalised (`SELECT set_config($6, $1, $7),
 * ...`) when it sees it parsed, and as written when a prepared statement parsed before the last
 * reset runs again: both are matched. (C's set_config reads alike but sits inside BEGIN ...
 * COMMIT: the pattern applies to A's runs alone, and the targets run one at a time.)
 */
function transactionEnds(t: Target): string {
  return `upper(query) IN ('COMMIT', 'ROLLBACK')${t === 'A' ? ` OR query LIKE 'SELECT set_config($_, $1, $_), %' OR query = ${pg.escapeLiteral(TENANT_SETTINGS_SQL)}` : ''}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  pinLoadGenerator();
  log(`targets pinned to CPU ${SERVER_CPUS}, load generator to CPU ${LOAD_CPUS} (${CPUS} CPUs, ${CPU_MODEL})`);
  const bench = await openBenchDatabase({ scale: SCALE });
  const { admin, dataset, dir, postmaster, roles, samples } = bench;
  const root = path.resolve(__dirname, '..');
  const common = { DATABASE_URL: bench.db.appUrl, JWT_SECRET: bench.secret };
  const start = async (
    target: Target,
    script: string,
    targetEnv: Record<string, string>,
    request: RunningTarget['request'],
    probe: HttpRequest,
  ): Promise<RunningTarget> => {
    const server = await startServer({
      name: TARGET_NAMES[target],
      cwd: root,
      script,
      env: targetEnv,
      cpus: SERVER_CPUS,
      probe,
    });
    const requests = Object.fromEntries(QUERY_IDS.map((q) => [q, samples.map((s) => request(q, s))])) as Record<
      QueryId,
      HttpRequest[]
    >;
    return { ...server, request, requests };
  };
  // A runs as `npm start` runs it: compiled to dist/ (scripts/build-server.js; a few ms when current), on plain node.
  execFileSync(process.execPath, ['scripts/build-server.js', '--if-stale'], { cwd: root, stdio: 'inherit' });
  log('starting the targets');
  const running: Record<Target, RunningTarget> = {
    // BENCH_A_NODE_OPTIONS: node options for A alone (an experiment with V8's flags, say).
    A: await start(
      'A',
      'dist/main.js',
      {
        ...serverEnv(bench),
        ...(process.env.BENCH_A_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_A_NODE_OPTIONS } : {}),
      },
      requestA,
      GRAPHQL_PROBE,
    ),
    B: await start(
      'B',
      'bench/targets/postgraphile.ts',
      { ...common, NODE_ENV: 'production', GRAPHILE_ENV: 'production' },
      requestB,
      GRAPHQL_PROBE,
    ),
    C: await start('C', 'bench/targets/raw.ts', common, requestC, {
      path: '/q/Q0',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    }),
  };

  log('correctness gate');
  for (const q of QUERIES) {
    for (const s of samples.slice(0, 10)) {
      const answers: Partial<Record<Target, string>> = {};
      for (const t of TARGETS) {
        const res = await post(running[t].port, running[t].request(q, s));
        if (res.status !== 200)
          throw new Error(`${q} on ${TARGET_NAMES[t]}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
        answers[t] = JSON.stringify(canonical(t, q, res.body));
      }
      if (answers.A !== answers.C || answers.B !== answers.C) {
        const file = path.join(dir, `gate-${q}.json`);
        fs.writeFileSync(file, JSON.stringify(answers, null, 2));
        throw new Error(
          `correctness gate: ${q} differs between targets for creator ${s.creatorId} (answers in ${file}; BENCH_KEEP=1 keeps them)`,
        );
      }
      if (answers.C === 'null' || answers.C === '{}')
        throw new Error(`correctness gate: ${q} is empty for creator ${s.creatorId}`);
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
      const warm = await autocannonRun(running[t].port, running[t].requests[q], {
        seconds: 2,
        connections: CONNECTIONS,
      });
      slowest = Math.min(slowest, warm.ok / warm.seconds);
    }
    rates[q] = Math.max(5, Math.min(RATE, Math.floor(slowest / 2)));
  }
  log(`  latency runs at ${QUERIES.map((q) => `${q} ${rates[q]}/s`).join(', ')}`);

  const results: Record<QueryId, Record<Target, Measurement[]>> = Object.fromEntries(
    QUERIES.map((q) => [q, { A: [], B: [], C: [] }]),
  ) as never;
  // Every latency of every repetition, per query and target: the pooled percentiles (report.ts).
  const pooled: Record<QueryId, Record<Target, number[]>> = Object.fromEntries(
    QUERIES.map((q) => [q, { A: [], B: [], C: [] }]),
  ) as never;
  const xactCheck = { counted: 0, harness: 1, database: 0 };
  const xacts = async () =>
    Number(
      (
        await admin.query<{ n: string }>(
          `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = 'bench'`,
        )
      ).rows[0]!.n,
    );
  const databaseXactsBefore = await xacts();
  for (let rep = 1; rep <= REPS; rep++) {
    for (const q of QUERIES) {
      for (const t of TARGETS) {
        const target = running[t];
        await admin.query('SELECT pg_stat_statements_reset()');
        // The requests still in flight at the end are served and counted (per request = per
        // request sent), and so are their CPU and statements.
        const { load, cpu, dbCpu } = await measureLoad(target, target.requests[q], {
          seconds: SECONDS,
          connections: CONNECTIONS,
          settleMs: 500,
          postmaster,
        });
        const stats = (
          await admin.query<{ statements: string; transactions: string; ms: number }>(
            `SELECT coalesce(sum(calls), 0) AS statements,
                    coalesce(sum(calls) FILTER (WHERE ${transactionEnds(t)}), 0) AS transactions,
                    coalesce(sum(total_exec_time), 0) AS ms
               FROM pg_stat_statements WHERE userid = ANY($1) AND dbid = (SELECT oid FROM pg_database WHERE datname = 'bench')`,
            [roles],
          )
        ).rows[0]!;
        if (STATEMENT_DETAIL) {
          // Which statements make up the count: each text's calls per request (BENCH_STATEMENTS=1).
          const { rows } = await admin.query<{ calls: string; query: string }>(
            `SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query FROM pg_stat_statements
              WHERE userid = ANY($1) AND dbid = (SELECT oid FROM pg_database WHERE datname = 'bench') ORDER BY calls DESC LIMIT 12`,
            [roles],
          );
          for (const r of rows) log(`      ${(Number(r.calls) / load.sent).toFixed(3)}  ${r.query}`);
        }
        const fixed = await pacedRun(target.port, target.requests[q], rates[q], RATE_SECONDS);
        for (const latency of fixed.latencies) pooled[q][t].push(latency);
        await sleep(100);
        xactCheck.counted += Number(
          (
            await admin.query<{ n: string }>(
              `SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements WHERE userid = ANY($1) AND (${transactionEnds(t)})`,
              [roles],
            )
          ).rows[0]!.n,
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

  const report = renderReport(results, pooled, rates, dataset, xactCheck, (Date.now() - started) / 1000, {
    reps: REPS,
    seconds: SECONDS,
    rateSeconds: RATE_SECONDS,
    rate: RATE,
    cpuModel: CPU_MODEL,
  });
  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 10)}.md`);
  fs.writeFileSync(file, report);
  log(
    `\n${report}\nwritten to ${path.relative(process.cwd(), file)} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

runBench(main);
