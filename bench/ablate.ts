// npm run bench:ablate -- <name>=<dir>[,KEY=value...] <name>=<dir>[,KEY=value...] ...
//
// Variants of this server (A) against each other, the way bench/NOTES.md measured each change:
// the same database, dataset and tenants as `npm run bench` (at BENCH_SCALE, default 0.1),
// every variant running at once (pinned to the same core), and repetitions interleaved (variant
// 1, 2, ..., then again) so that the machine's drifting speed hits them alike. Each repetition
// of a variant is divided by the same repetition of the first variant; the table shows the
// median and the spread of those paired ratios.
//
// A variant is a checkout (with its own node_modules: `git worktree add ../before <ref> && (cd
// ../before && npm ci)`) plus environment settings, e.g.
//   npm run bench:ablate -- before=../before now=. no-prepare=.,DATABASE_PREPARED_STATEMENTS=false
// The database is migrated by this checkout, so a variant must not be newer than it.
//
// Settings (environment): ABLATE_QUERIES (Q1,Q3,Q4,Q5), ABLATE_REPS (7), ABLATE_SECONDS (3,
// per run), BENCH_CONNECTIONS (16), BENCH_SCALE (0.1), BENCH_SERVER_CPUS (0), BENCH_LOAD_CPUS
// (the last core).
import path from 'node:path';
import { openBenchDatabase } from './database';
import { CONNECTIONS, log, median, numberSetting, pinLoadGenerator, runBench, SERVER_CPUS, spread } from './harness';
import { measureLoad } from './load';
import { GRAPHQL_PROBE, serverEnv, startServer, type Server } from './server';
import { QUERY_IDS, requestA, type HttpRequest, type QueryId } from './queries';

const QUERIES = (process.env.ABLATE_QUERIES ?? 'Q1,Q3,Q4,Q5').split(',') as QueryId[];
const REPS = numberSetting('ABLATE_REPS', 7);
const SECONDS = numberSetting('ABLATE_SECONDS', 3);
const SCALE = numberSetting('BENCH_SCALE', 0.1);

interface Variant {
  name: string;
  dir: string;
  env: Record<string, string>;
}

function parseVariant(arg: string): Variant {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`a variant is <name>=<dir>[,KEY=value...], not "${arg}"`);
  const [dir, ...settings] = arg.slice(eq + 1).split(',');
  const variantEnv: Record<string, string> = {};
  for (const setting of settings) {
    const i = setting.indexOf('=');
    if (i <= 0) throw new Error(`"${setting}" in "${arg}" is not KEY=value`);
    variantEnv[setting.slice(0, i)] = setting.slice(i + 1);
  }
  return { name: arg.slice(0, eq), dir: path.resolve(dir || '.'), env: variantEnv };
}

interface Run {
  rps: number;
  cpu: number;
  dbCpu: number;
}

async function main(): Promise<void> {
  const variants = process.argv.slice(2).map(parseVariant);
  if (variants.length < 2) throw new Error('name two variants or more: npm run bench:ablate -- before=../before now=.');
  pinLoadGenerator();
  const bench = await openBenchDatabase({ scale: SCALE });
  const requests = Object.fromEntries(QUERY_IDS.map((q) => [q, bench.samples.map((s) => requestA(q, s))])) as Record<
    QueryId,
    HttpRequest[]
  >;
  const servers: (Server & { variant: Variant })[] = [];
  for (const variant of variants) {
    const server = await startServer({
      name: variant.name,
      cwd: variant.dir,
      script: variant.env.ABLATE_SCRIPT ?? 'src/main.ts',
      env: { ...serverEnv(bench), ...variant.env },
      cpus: SERVER_CPUS,
      probe: GRAPHQL_PROBE,
    });
    servers.push({ ...server, variant });
    log(
      `${variant.name}: ${variant.dir}${
        Object.keys(variant.env).length
          ? ` with ${Object.entries(variant.env)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      }`,
    );
  }
  const runs = new Map<string, Run[]>();
  const measure = async (server: Server, q: QueryId, seconds: number): Promise<Run> => {
    const { load, cpu, dbCpu } = await measureLoad(server, requests[q], {
      seconds,
      connections: CONNECTIONS,
      settleMs: 300,
      postmaster: bench.postmaster,
    });
    if (load.errors) throw new Error(`${server.name} ${q}: ${load.errors} errors`);
    return { rps: load.ok / load.seconds, cpu: cpu / load.sent, dbCpu: dbCpu / load.sent };
  };
  log('warming up');
  for (const q of QUERIES) for (const server of servers) await measure(server, q, 5);
  for (let rep = 1; rep <= REPS; rep++) {
    for (const q of QUERIES) {
      for (const server of servers) {
        const run = await measure(server, q, SECONDS);
        const key = `${q} ${server.name}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
        log(
          `  rep ${rep} ${key}: ${run.rps.toFixed(0)} req/s, ${run.cpu.toFixed(3)} CPU-ms/req, PostgreSQL ${run.dbCpu.toFixed(3)}`,
        );
      }
    }
  }
  const lines = [
    '',
    `Paired ratios to ${variants[0]!.name}: median (min–max) over ${REPS} repetitions of ${SECONDS} s, ${CONNECTIONS} connections, dataset at scale ${SCALE}.`,
    '',
    '| query | variant | req/s | ratio | CPU-ms per request | ratio | PostgreSQL CPU-ms per request | ratio |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const q of QUERIES) {
    const base = runs.get(`${q} ${variants[0]!.name}`)!;
    for (const v of variants) {
      const own = runs.get(`${q} ${v.name}`)!;
      const paired = (metric: keyof Run) => spread(own.map((r, i) => r[metric] / base[i]![metric]));
      lines.push(
        `| ${q} | ${v.name} | ${median(own.map((r) => r.rps)).toFixed(0)} | ${paired('rps')} | ${median(own.map((r) => r.cpu)).toFixed(3)} | ${paired('cpu')} | ${median(own.map((r) => r.dbCpu)).toFixed(3)} | ${paired('dbCpu')} |`,
      );
    }
  }
  log(lines.join('\n'));
}

runBench(main);
