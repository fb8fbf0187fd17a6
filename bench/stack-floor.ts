// npm run bench:floor: how fast can any server on this project's fixed stack be? It measures A
// (this server), B (PostGraphile 5) and D (bench/targets/apollo-floor.ts: Apollo Server 5 on
// node:http and graphql-js over A's printed schema, answering from memory what A answered, with
// no database, no authentication and none of A's plugins) on `npm run bench`'s queries and data.
// D ÷ B bounds A ÷ B from above: it is the part of the requests-per-second goal the stack leaves
// to win, whatever A's own code does.
//
//   npm run bench:floor
//   env: BENCH_QUERIES, BENCH_SCALE (1), BENCH_REPS (3), BENCH_SECONDS (4), BENCH_CONNECTIONS
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBenchDatabase } from './database';
import {
  CONNECTIONS,
  CPUS,
  LOAD_CPUS,
  SERVER_CPUS,
  log,
  median,
  numberSetting,
  pinLoadGenerator,
  runBench,
} from './harness';
import { autocannonRun, measureLoad } from './load';
import { QUERY_IDS, QUERY_TITLES, requestA, requestB, type HttpRequest, type QueryId } from './queries';
import { GRAPHQL_PROBE, post, serverEnv, startServer, type Server } from './server';

const REPS = numberSetting('BENCH_REPS', 3);
const SECONDS = numberSetting('BENCH_SECONDS', 4);
const SCALE = numberSetting('BENCH_SCALE', 1);
const QUERIES = (process.env.BENCH_QUERIES?.split(',') as QueryId[] | undefined) ?? [...QUERY_IDS];
const FLOOR_TARGETS = ['A', 'B', 'D'] as const;
type FloorTarget = (typeof FLOOR_TARGETS)[number];

interface Row {
  rps: number;
  cpuMsPerRequest: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  pinLoadGenerator();
  log(`targets pinned to CPU ${SERVER_CPUS}, load generator to CPU ${LOAD_CPUS} (${CPUS} CPUs)`);
  const bench = await openBenchDatabase({ scale: SCALE });
  const { dir, postmaster, samples } = bench;
  const root = path.resolve(__dirname, '..');
  const server = (name: string, script: string, env: Record<string, string>) =>
    startServer({ name, cwd: root, script, env, cpus: SERVER_CPUS, probe: GRAPHQL_PROBE });

  log('starting A and B');
  // A runs as `npm start` runs it: compiled to dist/ (scripts/build-server.js; a few ms when current), on plain node.
  execFileSync(process.execPath, ['scripts/build-server.js', '--if-stale'], { cwd: root, stdio: 'inherit' });
  const A = await server('creatorgraph', 'dist/main.js', serverEnv(bench));
  const B = await server('PostGraphile 5', 'bench/targets/postgraphile.ts', {
    DATABASE_URL: bench.db.appUrl,
    JWT_SECRET: bench.secret,
    NODE_ENV: 'production',
    GRAPHILE_ENV: 'production',
  });

  // D's answers: A's, request by request (Q1 and Q3 ask `node`, an interface: D needs the type).
  log("capturing A's answers for D");
  const answers: Record<string, unknown> = {};
  const requests = {} as Record<FloorTarget, Record<QueryId, HttpRequest[]>>;
  requests.A = {} as Record<QueryId, HttpRequest[]>;
  requests.B = {} as Record<QueryId, HttpRequest[]>;
  for (const q of QUERIES) {
    requests.A[q] = samples.map((s) => requestA(q, s));
    requests.B[q] = samples.map((s) => requestB(q, s));
    for (const req of requests.A[q]) {
      const res = await post(A.port, req);
      const data = (res.body as { data?: Record<string, unknown> }).data;
      if (res.status !== 200 || !data)
        throw new Error(`${q} on A: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      if (q === 'Q1' || q === 'Q3') (data.node as Record<string, unknown>).__typename = 'Program';
      answers[`${req.headers.authorization ?? req.headers['x-api-key'] ?? ''}\n${req.body}`] = data;
    }
  }
  requests.D = requests.A;
  const answersFile = path.join(dir, 'floor-answers.json');
  fs.writeFileSync(answersFile, JSON.stringify(answers));
  const D = await server('Apollo floor', 'bench/targets/apollo-floor.ts', { FLOOR_ANSWERS: answersFile });
  const running: Record<FloorTarget, Server> = { A, B, D };

  log('gate: D answers what A answers');
  for (const q of QUERIES) {
    for (const req of requests.A[q].slice(0, 10)) {
      const [a, d] = [await post(A.port, req), await post(D.port, req)];
      const strip = (body: unknown) => JSON.stringify(body).replace(/,?"__typename":"Program"/g, '');
      if (d.status !== 200 || strip(a.body) !== strip(d.body))
        throw new Error(
          `${q}: D answered ${JSON.stringify(d.body).slice(0, 300)}, A ${JSON.stringify(a.body).slice(0, 300)}`,
        );
    }
    log(`  ${q} ✓`);
  }

  // Warm-up: each target's code paths compiled before anything counts.
  log('warming up');
  for (const q of QUERIES)
    for (const t of FLOOR_TARGETS)
      await autocannonRun(running[t].port, requests[t][q], { seconds: 2, connections: CONNECTIONS });

  const results = Object.fromEntries(QUERIES.map((q) => [q, { A: [], B: [], D: [] }])) as unknown as Record<
    QueryId,
    Record<FloorTarget, Row[]>
  >;
  for (let rep = 1; rep <= REPS; rep++) {
    for (const q of QUERIES) {
      for (const t of FLOOR_TARGETS) {
        const { load, cpu } = await measureLoad(running[t], requests[t][q], {
          seconds: SECONDS,
          connections: CONNECTIONS,
          settleMs: 500,
          postmaster,
        });
        if (load.errors) throw new Error(`${q} on ${t}: ${load.errors} errors`);
        const row = { rps: load.ok / load.seconds, cpuMsPerRequest: cpu / load.sent };
        results[q][t].push(row);
        log(`  rep ${rep} ${q} ${t}: ${row.rps.toFixed(0)} req/s, ${row.cpuMsPerRequest.toFixed(3)} CPU-ms/req`);
      }
    }
  }

  // Paired per repetition: each ratio divides runs made within seconds of each other.
  const ratio = (q: QueryId, x: FloorTarget, y: FloorTarget, k: keyof Row) =>
    median(results[q][x].map((r, i) => r[k] / results[q][y][i]![k]));
  const lines = [
    `# The fixed stack's floor: creatorgraph (A), PostGraphile 5 (B), Apollo Server 5 + graphql-js answering from memory (D)`,
    '',
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · \`npm run bench:floor\` · ${CPUS} × ${os.cpus()[0]?.model.split(' ').slice(0, 2).join(' ')} · Node ${process.version} · scale ${SCALE} · ${REPS} repetitions of ${SECONDS} s, ${CONNECTIONS} connections · servers pinned to CPU ${SERVER_CPUS} · whole run ${Math.round((Date.now() - started) / 1000)} s`,
    '',
    'Medians of ratios paired per repetition. Requests per second: higher is better; CPU-ms per request (the server process alone): lower is better.',
    '',
    '| query | D ÷ B req/s | A ÷ B req/s | A ÷ D req/s | CPU-ms per request A / B / D |',
    '|---|---|---|---|---|',
    ...QUERIES.map((q) => {
      const cpu = (t: FloorTarget) => median(results[q][t].map((r) => r.cpuMsPerRequest)).toFixed(3);
      return `| ${q} ${QUERY_TITLES[q]} | ${ratio(q, 'D', 'B', 'rps').toFixed(2)} | ${ratio(q, 'A', 'B', 'rps').toFixed(2)} | ${ratio(q, 'A', 'D', 'rps').toFixed(2)} | ${cpu('A')} / ${cpu('B')} / ${cpu('D')} |`;
    }),
    '',
  ];
  const out = path.resolve(__dirname, 'results', `${new Date().toISOString().slice(0, 10)}-floor.md`);
  fs.writeFileSync(out, lines.join('\n'));
  log(lines.join('\n'));
  log(`written to ${path.relative(root, out)}`);
}

runBench(main);
