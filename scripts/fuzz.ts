// `npm run fuzz -- --minutes 10 [--seed 123]`: the schema-wide fuzz (test/graphql/fuzz/) for
// longer than CI gives it, with a random seed unless one is given. It runs the same jest file with
// a bigger FUZZ_BUDGET_MS (jest's global setup starts the throwaway PostgreSQL), and writes a
// markdown report to test/graphql/fuzz/reports/<date>-<minutes>min.md: seed, duration, calls per
// root field per actor, outcome codes, and every failure with a reproduction. Exits non-zero if
// jest failed.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';

function option(name: string): string | undefined {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

const minutes = Number(option('minutes') ?? '10');
if (!(minutes > 0)) throw new Error('--minutes must be a positive number');
const seed = option('seed') !== undefined ? Number(option('seed')) : crypto.randomInt(2 ** 31 - 1);
if (!Number.isSafeInteger(seed)) throw new Error('--seed must be an integer');
const root = path.join(__dirname, '..');
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const report = path.join(root, 'test', 'graphql', 'fuzz', 'reports', `${stamp}-${minutes}min.md`);

console.log(`fuzz: seed ${seed}, ${minutes} min, report ${path.relative(root, report)}`);
const result = spawnSync('npx', ['jest', 'test/graphql/fuzz/schema-fuzz.test.ts', '--runInBand'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    FUZZ_SEED: String(seed),
    FUZZ_BUDGET_MS: String(Math.round(minutes * 60_000)),
    FUZZ_REPORT: report,
    FUZZ_MIN_CALLS: process.env.FUZZ_MIN_CALLS ?? '10',
  },
});
console.log(`fuzz: seed ${seed}; report written to ${path.relative(root, report)}`);
process.exit(result.status ?? 1);
