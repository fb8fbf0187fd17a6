// What the benchmarks share: their settings from the environment, the pinning of the load
// generator, the log, runBench (which undoes what a benchmark started however it ends) and the
// statistics of repetitions. The benchmark database is in bench/database.ts, the servers in
// bench/server.ts, load and CPU in bench/load.ts.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { freePort } from '../test/helpers/ports';

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
export function onStop(cleanup: () => Promise<void>): void {
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
