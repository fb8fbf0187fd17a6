// The fuzz run's knobs, read once from the environment so that the CI test and `npm run fuzz`
// (scripts/fuzz.ts, which runs the same test file with other values) share one engine.
//
//   FUZZ_SEED       the fast-check seed (CI: a constant, so a failure reproduces exactly)
//   FUZZ_BUDGET_MS  time for the calls (default 75 s; with the minimums and the setup the file
//                   takes about 100 s), shared fairly between (root field, actor) pairs
//   FUZZ_MIN_CALLS  calls per (root field, actor) that must pass GraphQL validation, whatever
//                   the time: coverage never depends on how fast the machine is
//   FUZZ_REPORT     if set, a markdown report is written to this path
//   FUZZ_LANES      calls in flight at once (the server runs in the same process)

export const DEFAULT_SEED = 170_017;

export interface FuzzConfig {
  seed: number;
  budgetMs: number;
  minCalls: number;
  lanes: number;
  reportPath?: string;
  /** How deep the selection sets go below a root field (objects inside objects). */
  depth: number;
}

function intFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${raw}`);
  return value;
}

export function loadFuzzConfig(): FuzzConfig {
  return {
    seed: intFrom('FUZZ_SEED', DEFAULT_SEED),
    budgetMs: intFrom('FUZZ_BUDGET_MS', 75_000),
    minCalls: intFrom('FUZZ_MIN_CALLS', 4),
    lanes: Math.max(1, intFrom('FUZZ_LANES', 2)),
    depth: intFrom('FUZZ_DEPTH', 3),
    reportPath: process.env.FUZZ_REPORT || undefined,
  };
}

/**
 * The server's environment for the fuzz: limits that would turn most calls into 429s are raised
 * (a 429 is a fine, typed answer, but a fuzz that only sees 429s tests nothing). Query shape
 * limits (depth, tokens, directives) stay at their defaults: they are inputs to fuzz too.
 */
export const FUZZ_SERVER_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  // The plans' request and cost rates.
  RATE_LIMITS: 'off',
  // Anonymous auth calls per address, failed log-ins per account, sign-ups per address.
  AUTH_RATE_PER_SOURCE: '1000000',
  AUTH_RATE_PER_ACCOUNT: '1000000',
  SIGNUP_RATE_PER_SOURCE: '1000000',
  PASSWORD_HASH_QUEUE: '1000',
  // Refusals are answered at once instead of held back for a second.
  REFUSAL_DELAY_MS: '0',
  // Several lanes of one tenant in flight at once, and their turn can wait longer on a busy box.
  TENANT_REQUEST_CONCURRENCY: '16',
  REQUEST_QUEUE_WAIT_MS: '60000',
  DATABASE_POOL_MAX: '6',
  TENANT_POOL_SHARE: '6',
  TENANT_QUEUE_MAX: '1000',
  TENANT_QUEUE_WAIT_MS: '60000',
  // Selection sets reach nested connections; page sizes are fuzzed up to 2^31, which the cost
  // limit would refuse before any resolver ran.
  MAX_QUERY_COST: '1000000000000',
  MAX_SUBSCRIPTIONS_PER_SOCKET: '1000',
  MAX_SUBSCRIPTIONS_PER_TENANT: '100000',
};
