// Checks that run first on every start, before PostgreSQL starts or anything listens: the
// directory the embedded database and the development secret live in (DATA_DIR), and the
// addresses we will listen on (HOST/PORT, METRICS_HOST/METRICS_PORT), and that no other
// instance runs the embedded PostgreSQL of this DATA_DIR. A failure is a
// StartupError whose one-line message names the setting and the fix; found late, the same
// mistakes showed up as raw stacks (EPERM, ENOTDIR), after PostgreSQL and the migrations had
// run (a port in use), or as a hang (a DATA_DIR under /proc).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from '../config';
import { refuseIfClusterInUse } from '../db/embedded';
import { StartupError } from '../db/startup-checks';

/** Kernel file systems: nothing of ours belongs there, and some files there block when written. */
const KERNEL_ROOTS = ['/proc', '/sys'];

export async function preflight(config: Config): Promise<void> {
  const embedded = !(config.databaseUrl && config.databaseOwnerUrl);
  const generatedSecret = !(config.jwt.secret || config.jwt.publicKey);
  if (embedded || generatedSecret) checkDataDir(config.dataDir, { forPostgres: embedded && isRoot() });
  // Before the port: a second `npm start` on the same DATA_DIR (and, likely, the same PORT) is
  // better told which process to stop.
  if (embedded) refuseIfClusterInUse(config.dataDir);
  await checkCanListen(config.host, config.port, 'HOST', 'PORT');
  if (config.metrics.port !== undefined)
    await checkCanListen(config.metrics.host, config.metrics.port, 'METRICS_HOST', 'METRICS_PORT');
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? 'unknown error';
const under = (dir: string, root: string) => dir === root || dir.startsWith(`${root}/`);

/** The deepest path on the way to `dir` that exists, and whether it is a file in the way. */
function nearestExisting(dir: string): { existing: string; isFile: boolean } {
  let current = dir;
  for (;;) {
    try {
      return { existing: current, isFile: !fs.statSync(current).isDirectory() };
    } catch (error) {
      const code = codeOf(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        throw new StartupError(
          `DATA_DIR ${dir} cannot be reached (${code} on ${current}): set DATA_DIR to a directory this user can write`,
        );
      const parent = path.dirname(current);
      if (parent === current) return { existing: current, isFile: false };
      current = parent;
    }
  }
}

/** DATA_DIR exists or can be created, is a directory this user can write, and is not a kernel file system. */
export function checkDataDir(dataDir: string, options: { forPostgres: boolean }): void {
  const dir = path.resolve(dataDir);
  const fix = 'set DATA_DIR to a directory of your own (default .data)';
  const kernel = (p: string) => KERNEL_ROOTS.find((root) => under(p, root));
  // Lexically first (touching nothing), then through symlinks.
  let root = kernel(dir);
  const { existing, isFile } = nearestExisting(dir);
  const real = path.join(fs.realpathSync(existing), path.relative(existing, dir));
  root ??= kernel(real);
  if (root) throw new StartupError(`DATA_DIR ${dir} is under ${root}, a kernel file system: ${fix}`);
  if (isFile && existing === dir)
    throw new StartupError(`DATA_DIR ${dir} is a file, not a directory: remove it, or ${fix}`);
  if (isFile)
    throw new StartupError(`DATA_DIR ${dir} cannot be created: ${existing} is a file, not a directory: ${fix}`);

  // As root the embedded PostgreSQL runs as the OS user `postgres` (it refuses root), which must
  // be able to enter every directory on the way (e.g. not a clone under /root, mode 0700). The
  // ones still to be created will be (mode 0755), and so will DATA_DIR itself (embedded.ts).
  if (options.forPostgres) {
    for (let ancestor = path.dirname(real); ; ancestor = path.dirname(ancestor)) {
      if (fs.existsSync(ancestor) && (fs.statSync(ancestor).mode & 0o001) === 0) {
        throw new StartupError(
          `DATA_DIR ${dir} is inside ${ancestor}, which the postgres OS user cannot enter (as root, the embedded PostgreSQL runs as postgres): chmod o+x ${ancestor}, or set DATA_DIR to a directory outside it`,
        );
      }
      if (path.dirname(ancestor) === ancestor) break;
    }
  }

  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new StartupError(`DATA_DIR ${dir} cannot be created (${describeFsError(error)}): ${fix}`);
  }
  const probe = path.join(dir, `.write-check-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (error) {
    throw new StartupError(
      `DATA_DIR ${dir} is not writable by this user (${describeFsError(error)}): change its owner or mode, or ${fix}`,
    );
  }
}

function describeFsError(error: unknown): string {
  switch (codeOf(error)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return codeOf(error);
  }
}

/** Binds and releases the address, so that a mistake is reported before anything starts. */
export async function checkCanListen(host: string, port: number, hostName: string, portName: string): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, host, port, hostName, portName)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** The one-line message for a failed listen, here and when the real listener starts. */
export function listenError(
  error: unknown,
  host: string,
  port: number,
  hostName: string,
  portName: string,
): StartupError {
  switch (codeOf(error)) {
    case 'EADDRINUSE':
      return new StartupError(
        `${portName} ${port} on ${host} is in use by another process: stop it, or set ${portName} to a free port`,
      );
    case 'EACCES':
    case 'EPERM':
      return new StartupError(
        `${portName} ${port} needs privileges this process does not have: set ${portName} to 1024 or above`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupError(
        `${hostName} ${host} is not an address of this machine: set ${hostName} to one of its addresses (default 127.0.0.1)`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new StartupError(
        `${hostName} ${host} does not resolve to an address: set ${hostName} to an address of this machine (default 127.0.0.1)`,
      );
    default:
      return new StartupError(
        `${portName} ${port} on ${host} cannot be listened on (${codeOf(error)}): set ${hostName} and ${portName} to an address and port of this machine`,
      );
  }
}
