// The report of npm run bench (bench/run.ts): its measurements as ratios to the raw baseline (C),
// A against B, and absolute medians, in Markdown for bench/results/<date>.md.
import { CONNECTIONS, CPUS, LOAD_CPUS, median, percentile, SERVER_CPUS, spread } from './harness';
import { QUERY_TITLES, type QueryId } from './queries';

export type Target = 'A' | 'B' | 'C';
export const TARGETS: readonly Target[] = ['A', 'B', 'C'];

export interface Measurement {
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

/** The run's settings the report states. */
export interface ReportSettings {
  reps: number;
  seconds: number;
  rateSeconds: number;
  rate: number;
  cpuModel: string;
}

export function renderReport(
  results: Record<QueryId, Record<Target, Measurement[]>>,
  pooled: Record<QueryId, Record<Target, number[]>>,
  rates: Record<QueryId, number>,
  dataset: { rows: Record<string, number>; seconds: number },
  xactCheck: { counted: number; harness: number; database: number },
  seconds: number,
  { reps: REPS, seconds: SECONDS, rateSeconds: RATE_SECONDS, rate: RATE, cpuModel: CPU_MODEL }: ReportSettings,
): string {
  // Paired: each repetition's value over the same repetition's `base`, measured within seconds.
  const ratio = (q: QueryId, t: Target, metric: keyof Measurement, base: Target = 'C') =>
    spread(results[q][t].map((m, i) => m[metric] / results[q][base][i]![metric]));
  const abs = (q: QueryId, t: Target, metric: keyof Measurement, digits: number) =>
    median(results[q][t].map((m) => m[metric])).toFixed(digits);
  const lines: string[] = [];
  lines.push(`# Benchmark: creatorgraph (A), PostGraphile 5 (B), raw node:http + pg (C)`, '');
  lines.push(
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · \`npm run bench\` · ${CPUS} × ${CPU_MODEL} · Node ${process.version} · PostgreSQL 18 (embedded) · ${REPS} repetitions · ${SECONDS} s saturation runs with ${CONNECTIONS} connections · latency over ${RATE_SECONDS} s at a fixed rate per query (below) · targets pinned to CPU ${SERVER_CPUS}, load generator to CPU ${LOAD_CPUS} · whole run ${seconds.toFixed(0)} s`,
    '',
  );
  lines.push(
    `Dataset: ${Object.entries(dataset.rows)
      .map(([t, n]) => `${n.toLocaleString('en')} ${t}`)
      .join(', ')} (built in ${dataset.seconds.toFixed(0)} s).`,
    '',
  );
  lines.push(
    '## Ratios to the raw baseline (C = 1.00): median (min–max) over repetitions, each divided by its own repetition of C',
    '',
  );
  lines.push(
    "Requests per second: higher is better. Latency and CPU: lower is better. CPU-ms per request is the target process's; with PostgreSQL's, it adds the database server's CPU over the same run (what the request costs the machine).",
    '',
  );
  lines.push(
    `Latency is measured at a fixed, evenly paced rate per query, the same for the three targets: half the warm-up throughput of the slowest of them (at most ${RATE}/s): ${(Object.keys(results) as QueryId[]).map((q) => `${q} ${rates[q]}/s`).join(', ')}.`,
    '',
  );
  lines.push(
    "| query | target | req/s | p50 latency | p99 latency | CPU-ms per request | CPU-ms with PostgreSQL's | SQL statements per request | transactions per request |",
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const q of Object.keys(results) as QueryId[]) {
    for (const t of TARGETS) {
      lines.push(
        `| ${q} ${QUERY_TITLES[q]} | ${t} | ${ratio(q, t, 'rps')} | ${ratio(q, t, 'p50')} | ${ratio(q, t, 'p99')} | ${ratio(q, t, 'cpuMsPerRequest')} | ${ratio(q, t, 'totalCpuMsPerRequest')} | ${abs(q, t, 'statementsPerRequest', 2)} | ${abs(q, t, 'transactionsPerRequest', 2)} |`,
      );
    }
  }
  lines.push('', 'Statements and transactions are absolute (per GraphQL request), not ratios.', '');
  lines.push('## creatorgraph against PostGraphile (A ÷ B), paired per repetition', '');
  lines.push('Requests per second above 1.00: A serves more; latency and CPU below 1.00: A needs less.', '');
  lines.push("| query | req/s | p50 latency | p99 latency | CPU-ms per request | CPU-ms with PostgreSQL's |");
  lines.push('|---|---|---|---|---|---|');
  for (const q of Object.keys(results) as QueryId[]) {
    const b = (metric: keyof Measurement) => ratio(q, 'A', metric, 'B');
    lines.push(
      `| ${q} ${QUERY_TITLES[q]} | ${b('rps')} | ${b('p50')} | ${b('p99')} | ${b('cpuMsPerRequest')} | ${b('totalCpuMsPerRequest')} |`,
    );
  }
  lines.push('');
  lines.push('## Latency over all repetitions (pooled)', '');
  lines.push(
    `Each target's latencies of every repetition together (${REPS} × ${RATE_SECONDS} s at the rate above), and their percentiles. One latency run of a few seconds has a few hundred to a thousand requests, so its p99 is one of its slowest handful, and a single stall of the machine (the scheduler, PostgreSQL's background work, a collection) decides it: B's own p99 on the same query has varied fourfold between runs. Pooled, a p99 is the slowest 1% of ${REPS} runs' requests, and a ratio of two such is what the tables above cannot give, a stable comparison of the tails.`,
    '',
  );
  lines.push(
    '| query | requests per target | A p50 ms | B p50 ms | C p50 ms | A p99 ms | B p99 ms | C p99 ms | A ÷ B p50 | A ÷ B p99 |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const q of Object.keys(results) as QueryId[]) {
    const sorted = Object.fromEntries(TARGETS.map((t) => [t, [...pooled[q][t]].sort((x, y) => x - y)])) as Record<
      Target,
      number[]
    >;
    const at = (t: Target, p: number) => percentile(sorted[t], p);
    lines.push(
      `| ${q} | ${Math.min(...TARGETS.map((t) => sorted[t].length)).toLocaleString('en')} | ${TARGETS.map((t) => at(t, 0.5).toFixed(2)).join(' | ')} | ${TARGETS.map((t) => at(t, 0.99).toFixed(2)).join(' | ')} | ${(at('A', 0.5) / at('B', 0.5)).toFixed(2)} | ${(at('A', 0.99) / at('B', 0.99)).toFixed(2)} |`,
    );
  }
  lines.push('');
  lines.push('## Absolute medians', '');
  lines.push(
    '| query | target | req/s | p50 ms | p99 ms | CPU-ms per request | PostgreSQL CPU-ms per request | DB execution ms per request | errors |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const q of Object.keys(results) as QueryId[]) {
    for (const t of TARGETS) {
      const errors = results[q][t].reduce((n, m) => n + m.errors, 0);
      lines.push(
        `| ${q} | ${t} | ${abs(q, t, 'rps', 0)} | ${abs(q, t, 'p50', 2)} | ${abs(q, t, 'p99', 2)} | ${abs(q, t, 'cpuMsPerRequest', 3)} | ${abs(q, t, 'dbCpuMsPerRequest', 3)} | ${abs(q, t, 'dbMsPerRequest', 3)} | ${errors} |`,
      );
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
