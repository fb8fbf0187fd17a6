// Debian's PgBouncer in transaction pooling mode, in front of one test database. .ci/run
// installs it; without it the suites that need it are skipped with a notice (a failure in CI).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { freePort } from './ports';

export const PGBOUNCER = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => fs.existsSync(p));
if (!PGBOUNCER && process.env.CI) throw new Error('pgbouncer is required in CI (apt-get install pgbouncer)');

export const describeWithPgBouncer: jest.Describe = PGBOUNCER
  ? describe
  : (((name: string, fn: () => void) => {
      console.warn(`skipped "${name}": pgbouncer is not installed (apt-get install pgbouncer)`);
      describe.skip(name, fn);
    }) as jest.Describe);

export interface PgBouncer {
  /** The database URL through PgBouncer, for the same role. */
  url(direct: string): string;
  stop(): Promise<void>;
}

/** Runs PgBouncer for `directUrls` (same server and database), `poolSize` server connections. */
export async function startPgBouncer(directUrls: string[], poolSize = 3): Promise<PgBouncer> {
  const first = new URL(directUrls[0]!);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgbouncer-'));
  fs.chmodSync(dir, 0o777);
  const users = directUrls
    .map((u) => new URL(u))
    .map((u) => `"${decodeURIComponent(u.username)}" "${decodeURIComponent(u.password)}"`);
  fs.writeFileSync(path.join(dir, 'users.txt'), `${users.join('\n')}\n`, { mode: 0o644 });
  fs.writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${first.pathname.slice(1)} = host=${first.hostname} port=${first.port} dbname=${first.pathname.slice(1)}`,
      '[pgbouncer]',
      `listen_addr = 127.0.0.1`,
      `listen_port = ${port}`,
      `auth_type = plain`,
      `auth_file = ${path.join(dir, 'users.txt')}`,
      `pool_mode = transaction`,
      `default_pool_size = ${poolSize}`,
      `max_client_conn = 500`,
      `unix_socket_dir =`,
      `logfile = ${path.join(dir, 'pgbouncer.log')}`,
      `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
      // The server sends these at connect (node-postgres sets none that are unknown here).
      `ignore_startup_parameters = extra_float_digits,options`,
    ].join('\n'),
    { mode: 0o644 },
  );
  const root = process.getuid?.() === 0;
  // PgBouncer refuses to run as root.
  const args = root ? ['-u', 'postgres', path.join(dir, 'pgbouncer.ini')] : [path.join(dir, 'pgbouncer.ini')];
  if (root) spawnSync('chown', ['-R', 'postgres', dir]);
  const child: ChildProcess = spawn(PGBOUNCER!, args, { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) break;
    if (i > 100 || child.exitCode !== null)
      throw new Error(
        `pgbouncer did not start: ${fs.existsSync(path.join(dir, 'pgbouncer.log')) ? fs.readFileSync(path.join(dir, 'pgbouncer.log'), 'utf8') : 'no log'}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url(direct) {
      const u = new URL(direct);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
