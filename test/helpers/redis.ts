// A real Redis server for a test file: Debian's redis-server on a free port, no persistence.
// .ci/run installs it; on a machine without it the suites that need it are skipped with a
// notice, except in CI, where a missing Redis is a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { freePort } from './ports';

export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(
  (p) => spawnSync(p, ['--version']).status === 0,
);

if (!REDIS_SERVER && process.env.CI) throw new Error('redis-server is required in CI (apt-get install redis-server)');

/** describe() when redis-server is installed, describe.skip() with a notice otherwise. */
export const describeWithRedis: jest.Describe = REDIS_SERVER
  ? describe
  : (((name: string, fn: () => void) => {
      console.warn(`skipped "${name}": redis-server is not installed (apt-get install redis-server)`);
      describe.skip(name, fn);
    }) as jest.Describe);

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    REDIS_SERVER!,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch (error) {
      probe.disconnect();
      if (i > 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
