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
// The database is migrated by this checkout, so a variant must not be newer than it. Each
// variant runs as `npm start` runs it: compiled into its dist/ (its scripts/build-server.js, or
// this checkout's for an older one), on plain node; `,ABLATE_SCRIPT=src/main.ts` runs a variant
// through tsx instead, and any ABLATE_SCRIPT is run as it is, unbuilt.
//
// Settings (environment): ABLATE_QUERIES (Q1,Q3,Q4,Q5), ABLATE_REPS (7), ABLATE_SECONDS (3,
// per run), BENCH_CONNECTIONS (16), BENCH_SCALE (0.1), BENCH_SERVER_CPUS (0), BENCH_LOAD_CPUS
// (the last core).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
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

/**
 * Compiles a variant as `npm start` does (scripts/build-server.js --if-stale in its checkout) and
 * returns its entry, dist/main.js. A checkout older than that script is built by this one's, so
 * that every variant runs compiled on plain node. ABLATE_SCRIPT=<path> instead runs that script
 * as it is (a .ts one through tsx), with no build.
 */
function buildVariant(variant: Variant): string {
  const own = path.join(variant.dir, 'scripts', 'build-server.js');
  const args = fs.existsSync(own)
    ? [own, '--if-stale']
    : [path.join(__dirname, '..', 'scripts', 'build-server.js'), '--if-stale', '--root', variant.dir];
  execFileSync(process.execPath, args, { cwd: variant.dir, stdio: 'inherit' });
  return 'dist/main.js';
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
    const script = variant.env.ABLATE_SCRIPT ?? buildVariant(variant);
    const server = await startServer({
      name: variant.name,
      cwd: variant.dir,
      script,
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
