// A real Redis server for a test file: Debian's redis-server on a free port, no persistence.
// .ci/run installs it; on a machine without it the suites that need it are skipped with a
// notice, except in CI, where a missing Redis is a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import type { DatabaseHarness } from './harness';
import { freePort } from './ports';
import { startTestServer, type TestServer } from './server';

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

export interface SharedRedis {
  /** The Redis both servers use. */
  readonly redis: RedisServer;
  /** Two real servers on the same database, with REDIS_URL pointing at `redis`. */
  readonly one: TestServer;
  readonly two: TestServer;
}

/**
 * Several instances sharing Redis: a Redis server and two real servers on `database` with its
 * REDIS_URL, started in the enclosing describe's beforeAll and stopped in its afterAll, in
 * reverse (the second server, the first, then Redis). Call it inside describeWithRedis.
 */
export function useTwoInstancesSharingRedis(database: DatabaseHarness): SharedRedis {
  let redis: RedisServer | undefined;
  let one: TestServer | undefined;
  let two: TestServer | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    one = await startTestServer(database.db, { REDIS_URL: redis.url });
    two = await startTestServer(database.db, { REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await two?.stop();
    await one?.stop();
    await redis?.stop();
  });
  return {
    get redis() {
      return started(redis, 'redis');
    },
    get one() {
      return started(one, 'one');
    },
    get two() {
      return started(two, 'two');
    },
  };
}

function started<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`test harness: ${name} is only available once beforeAll has run`);
  return value;
}
