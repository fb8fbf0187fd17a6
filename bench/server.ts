// The servers under test: started as child processes pinned to cores, asked over HTTP, and the
// environment this server (A) runs with.
import { spawn, type ChildProcess } from 'node:child_process';
import type { BenchDatabase } from './database';
import { freePort, onStop, sleep } from './harness';
import type { HttpRequest } from './queries';

export async function post(port: number, req: HttpRequest): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${req.path}`, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

/**
 * Starts `node --import tsx <script>` (plain `node` for a .js script) in `cwd`, pinned to `cpus`, on a free port, and waits
 * until `probe` answers 200.
 */
export async function startServer(options: {
  name: string;
  cwd: string;
  script: string;
  env: Record<string, string>;
  cpus: string;
  probe: HttpRequest;
}): Promise<Server> {
  const port = await freePort();
  // A compiled entry (.js) runs on plain node, with source maps as `npm start` runs A;
  // TypeScript through tsx.
  const loader = options.script.endsWith('.js') ? ['--enable-source-maps'] : ['--import', 'tsx'];
  const child = spawn('taskset', ['-c', options.cpus, process.execPath, ...loader, options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onStop(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000)]);
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited during start-up:\n${output}`);
    try {
      if ((await post(port, options.probe)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${options.name} did not answer within 60 s:\n${output}`);
    await sleep(200);
  }
  return { name: options.name, port, child };
}

/**
 * The environment of this server (A) as the benchmarks run it: production mode as deployed, but
 * for the per-request log line (warn, not info: the other targets log nothing per request) and
 * the job worker (no jobs are queued here).
 */
export function serverEnv(bench: BenchDatabase): Record<string, string> {
  return {
    DATABASE_URL: bench.db.appUrl,
    DATABASE_OWNER_URL: bench.db.ownerUrl,
    JWT_SECRET: bench.secret,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JOBS_ENABLED: 'false',
    SEED_ON_START: 'false',
    MIGRATE_ON_START: 'false',
  };
}

export const GRAPHQL_PROBE: HttpRequest = {
  path: '/graphql',
  headers: { 'content-type': 'application/json' },
  body: '{"query":"{__typename}"}',
};
