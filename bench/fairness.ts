// npm run bench:fairness
//
// Resource isolation between tenants, measured: a free tenant (signed up through the API) runs
// every attack of issue 16 at full speed, from its own client address, while a second tenant (the
// demo's pro creator) sends a steady mixed read load at a fixed rate. The second tenant's latency
// and errors are measured twice in the same run, alone (the baseline) and under the attack; the
// server's RSS is sampled throughout. The server is this checkout's `npm start` in production
// mode, as a child process pinned to BENCH_SERVER_CPUS, behind TRUST_PROXY=1 so that the two
// clients are two sources, as they would be behind a load balancer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createTokenService } from '../src/auth/tokens';
import { createPool, createPrismaClient } from '../src/db/clients';
import { seedDemoData } from '../src/db/seed/seed';
import { Worker } from 'node:worker_threads';
import type { Outcomes } from './fairness-requests';
import { startBenchPostgres } from './database';
import { CPUS, SERVER_CPUS, log, median, numberSetting, pinLoadGenerator, runBench, sleep } from './harness';
import { pacedRun } from './load';
import { GRAPHQL_PROBE, startServer, type Server } from './server';
import type { HttpRequest } from './queries';

const SECONDS = numberSetting('BENCH_SECONDS', 30);
/** Paired repetitions (alone, then under attack); the verdict is on their median. */
const REPS = numberSetting('BENCH_REPS', 3);
/** The victim's steady rate, requests per second. */
const RATE = numberSetting('BENCH_RATE', 40);
const VICTIM_SOURCE = '198.51.100.10';
const ATTACKER_SOURCE = '203.0.113.66';
const RSS_BOUND_MB = 512;

/** The victim's mixed reads: the admin app's pages and the dashboard. */
const VICTIM_READS = [
  `{ me { id email companyName } }`,
  `{ users(first: 20) { totalCount nodes { id externalId displayName channel createdAt } } }`,
  `{ programs(first: 10) { totalCount nodes { id name status version } } }`,
  `{ dashboardSummary { date newUsers activeUsers messages conversationsEscalated badgesAwarded enrollmentsCompleted } }`,
  `{ badges(first: 10) { nodes { id name awardedCount } } userBadges(first: 10) { nodes { id earnedAt } } }`,
];

/** Samples the server's resident set every 100 ms until stopped; returns the largest, in MB. */
function sampleRss(pid: number): { stop(): number } {
  let max = 0;
  const read = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      max = Math.max(max, kb / 1024);
    } catch {
      // the process ended
    }
  };
  read();
  const timer = setInterval(read, 100);
  return {
    stop() {
      clearInterval(timer);
      read();
      return max;
    },
  };
}

/** The victim's load: a GraphQL error counts as an error as much as a non-200 status; `codes` tallies them. */
function victimRun(server: Server, token: string, codes: Record<string, number>, seconds = SECONDS) {
  const requests: HttpRequest[] = VICTIM_READS.map((query) => ({
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-forwarded-for': VICTIM_SOURCE },
    body: JSON.stringify({ query }),
  }));
  return pacedRun(server.port, requests, RATE, seconds, (body) => {
    const errors = (JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] }).errors;
    const code = errors?.[0]?.extensions?.code;
    if (code) codes[code] = (codes[code] ?? 0) + 1;
    return !errors;
  });
}

function table(outcomes: Record<string, Outcomes>): string {
  const rows = Object.entries(outcomes).map(([vector, o]) => {
    const codes = Object.entries(o.codes)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code} ${n.toLocaleString('en')}`)
      .join(', ');
    return `| ${vector} | ${o.sent.toLocaleString('en')} | ${o.ok.toLocaleString('en')} | ${codes || '-'} |`;
  });
  return ['| attack | sent | served | refused, by code |', '|---|---|---|---|', ...rows].join('\n');
}

type Run = Awaited<ReturnType<typeof victimRun>>;

const total = (r: Run) => r.errors + r.served;

async function main(): Promise<void> {
  pinLoadGenerator();
  const pgServer = await startBenchPostgres();
  try {
    const ownerPool = createPool(pgServer.db.ownerUrl, { max: 2, applicationName: 'bench-seed' });
    const owner = createPrismaClient(ownerPool);
    const [victim] = await seedDemoData(owner);
    await owner.$disconnect();
    await ownerPool.end();

    const secret = 'fairness-bench-secret-that-is-at-least-32-bytes';
    // A runs as `npm start` runs it: compiled to dist/ (scripts/build-server.js; a few ms when current), on plain node.
    const root = path.join(__dirname, '..');
    execFileSync(process.execPath, ['scripts/build-server.js', '--if-stale'], { cwd: root, stdio: 'inherit' });
    const server = await startServer({
      name: 'A',
      cwd: root,
      script: 'dist/main.js',
      cpus: SERVER_CPUS,
      probe: GRAPHQL_PROBE,
      env: {
        DATABASE_URL: pgServer.db.appUrl,
        DATABASE_OWNER_URL: pgServer.db.ownerUrl,
        JWT_SECRET: secret,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'error',
        SEED_ON_START: 'false',
        MIGRATE_ON_START: 'false',
        TRUST_PROXY: '1',
      },
    });
    const tokens = createTokenService({
      secret,
      issuer: 'creatorgraph',
      audience: 'creatorgraph-api',
      accessTokenTtlSeconds: 3600,
    });
    const victimToken = tokens.sign({ sub: victim!.id, role: 'creator' }).token;

    // Warm-up with the victim's own load (JIT, the pool's connections, plan rates, prepared
    // statements), not measured.
    log(`warm-up: the victim's load for 5 s at ${RATE} requests/s`);
    await victimRun(server, victimToken, {}, 5);

    log('the attacker signs up (free plan) and prepares its data, in a thread of its own');
    // BENCH_ATTACKS=word,word: only the attacks whose name contains one of them (to find a culprit).
    const only = process.env.BENCH_ATTACKS?.split(',').map((w) => w.trim().toLowerCase());
    // A worker does not inherit tsx's loader: it registers it itself, then loads the attacker.
    const attackerFile = path.join(__dirname, 'fairness-attacker.ts');
    const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(attackerFile)});`, {
      eval: true,
      workerData: { port: server.port, source: ATTACKER_SOURCE, victimEmail: victim!.email, only },
    });
    const next = <T>() =>
      new Promise<T>((resolve, reject) =>
        worker.once('message', (m: T & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m))),
      );
    const prepared = await next<{ setupRefusals: Record<string, number>; names: string[] }>();

    const reps: { alone: Run; attacked: Run; codes: Record<string, number>; outcomes: Record<string, Outcomes> }[] = [];
    let rssAlone = 0;
    let rssAttack = 0;
    for (let rep = 1; rep <= REPS; rep++) {
      log(
        `repetition ${rep} of ${REPS}: the victim alone, then under ${prepared.names.length} attacks at full speed, ${SECONDS} s each`,
      );
      let rss = sampleRss(server.child.pid!);
      const alone = await victimRun(server, victimToken, {});
      rssAlone = Math.max(rssAlone, rss.stop());
      rss = sampleRss(server.child.pid!);
      const done = next<{ outcomes: Record<string, Outcomes> }>();
      worker.postMessage({ attack: SECONDS + 4 });
      await sleep(2_000); // the attack is at full speed before the victim's load starts
      const codes: Record<string, number> = {};
      const attacked = await victimRun(server, victimToken, codes);
      const { outcomes } = await done;
      rssAttack = Math.max(rssAttack, rss.stop());
      reps.push({ alone, attacked, codes, outcomes });
    }
    worker.postMessage({ close: true });
    await new Promise((resolve) => worker.once('exit', resolve));

    const ratios = reps.map((r) => r.attacked.p99 / r.alone.p99);
    const errors = reps.reduce((n, r) => n + r.attacked.errors, 0);
    const codes = reps.reduce<Record<string, number>>((all, r) => {
      for (const [code, n] of Object.entries(r.codes)) all[code] = (all[code] ?? 0) + n;
      return all;
    }, {});
    const rssMax = Math.max(rssAlone, rssAttack);
    const p99Ratio = median(ratios);
    const verdict = [
      `victim errors under attack: ${errors} of ${reps.reduce((n, r) => n + total(r.attacked), 0)}${Object.keys(codes).length ? ` (${JSON.stringify(codes)})` : ''} ${errors === 0 ? 'PASS' : 'FAIL'}`,
      `victim p99 under attack / alone, median of ${REPS} paired repetitions: ${p99Ratio.toFixed(2)} (each: ${ratios.map((r) => r.toFixed(2)).join(', ')}; bound 2.00) ${p99Ratio <= 2 ? 'PASS' : 'FAIL'}`,
      `server RSS, largest sample: ${rssMax.toFixed(0)} MB (bound ${RSS_BOUND_MB} MB) ${rssMax <= RSS_BOUND_MB ? 'PASS' : 'FAIL'}`,
    ];
    const date = new Date().toISOString().slice(0, 10);
    const report = [
      `# Fairness benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `\`npm run bench:fairness\` (BENCH_SECONDS=${SECONDS}, BENCH_RATE=${RATE}, BENCH_REPS=${REPS}; the server pinned to CPU ${SERVER_CPUS}, PostgreSQL and the clients on the rest of this ${CPUS}-core machine; the attacker in a thread of its own).`,
      '',
      `The victim (a pro tenant) sends ${RATE} mixed reads a second, alone and then while a free tenant runs every attack below at full speed, ${REPS} times in turn.`,
      '',
      '| repetition | victim | requests | errors | p50 | p99 | p99 ÷ alone |',
      '|---|---|---|---|---|---|---|',
      ...reps.flatMap((r, i) => [
        `| ${i + 1} | alone | ${total(r.alone)} | ${r.alone.errors} | ${r.alone.p50.toFixed(1)} ms | ${r.alone.p99.toFixed(1)} ms | |`,
        `| ${i + 1} | under attack | ${total(r.attacked)} | ${r.attacked.errors} | ${r.attacked.p50.toFixed(1)} ms | ${r.attacked.p99.toFixed(1)} ms | ${ratios[i]!.toFixed(2)} |`,
      ]),
      '',
      `Server RSS, largest sample: ${rssAlone.toFixed(0)} MB alone, ${rssAttack.toFixed(0)} MB under attack.`,
      '',
      ...verdict.map((v) => `- ${v}`),
      '',
      `While it prepared, the attacker tried 40 badges of 1,500 rules and 40 of 20: refused ${
        Object.entries(prepared.setupRefusals)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ') || 'none'
      }.`,
      '',
      `What the attacker got, over the ${REPS} attacks:`,
      '',
      table(mergeOutcomes(reps.map((r) => r.outcomes))),
      '',
    ].join('\n');
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    const file = path.join(__dirname, 'results', `${date}-fairness.md`);
    fs.writeFileSync(file, report);
    log(`\n${report}\nwritten to ${path.relative(process.cwd(), file)}`);
    if (verdict.some((v) => v.endsWith('FAIL'))) process.exitCode = 1;
  } finally {
    await pgServer.stop();
  }
}

function mergeOutcomes(all: Record<string, Outcomes>[]): Record<string, Outcomes> {
  const merged: Record<string, Outcomes> = {};
  for (const outcomes of all) {
    for (const [name, o] of Object.entries(outcomes)) {
      const m = (merged[name] ??= { sent: 0, ok: 0, codes: {} });
      m.sent += o.sent;
      m.ok += o.ok;
      for (const [code, n] of Object.entries(o.codes)) m.codes[code] = (m.codes[code] ?? 0) + n;
    }
  }
  return merged;
}

runBench(main);
