// The real entry point (src/main.ts through tsx, the source `npm start` compiles and runs) on a
// test database, for the tests of the SIGTERM drain: a small pool, and a tenant share that lets
// one tenant's burst use all of it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestDatabase } from '../helpers/database';
import { freePort } from '../helpers/ports';

export const SECRET = 'sigterm-test-secret-at-least-32-bytes!!';

export async function waitReady(url: string, child: ChildProcess): Promise<void> {
  // Generous: under CPU load (a test in drain.test.ts) the start alone can take many seconds.
  for (let i = 0; i < 1_200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early with ${child.exitCode}`);
    try {
      if ((await fetch(url.replace('/graphql', '/readyz'))).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}

export async function startServer(db: TestDatabase, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: path.join(__dirname, '..', '..'),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      DATABASE_URL: db.appUrl,
      DATABASE_OWNER_URL: db.ownerUrl,
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'info',
      SEED_ON_START: 'false',
      JOBS_ENABLED: 'true',
      DATABASE_POOL_MAX: '2',
      // These tests are about the drain: one tenant's burst may use the whole (small) pool and wait for it.
      TENANT_POOL_SHARE: '2',
      TENANT_QUEUE_MAX: '10000',
      TENANT_QUEUE_WAIT_MS: '120000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = {
    port,
    child,
    output: '',
    exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout.on('data', (d) => (server.output += String(d)));
  child.stderr.on('data', (d) => (server.output += String(d)));
  return server;
}
