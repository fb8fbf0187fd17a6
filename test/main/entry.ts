// The real entry point (src/main.ts through tsx; test/main/compiled-build.test.ts runs the compiled
// dist/main.js that `npm start` runs) in a child process, for the tests
// of start-up and shutdown. It runs in a process group of its own, as a terminal's foreground
// job does, so that a test can signal the whole group as Ctrl-C does.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');

export interface Entry {
  child: ChildProcess;
  pid: number;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

/** The environment of the test process without the settings a test must choose itself. */
export function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(DATABASE_|JWT_|METRICS_|REDIS_URL$|DATA_DIR$|PORT$|HOST$|EMBEDDED_PG_PORT$|CREATORGRAPH_TEST)/.test(name))
      delete env[name];
  }
  return env;
}

/**
 * Starts the entry point: `src/main.ts` through tsx in the repository by default, or `args`
 * (`['dist/main.js']`, the compiled build) in `cwd`.
 */
export function startEntry(
  env: NodeJS.ProcessEnv,
  options: { uid?: number; gid?: number; cwd?: string; args?: string[] } = {},
): Entry {
  const { cwd = ROOT, args = ['--import', 'tsx', 'src/main.ts'], ...ids } = options;
  const child = spawn(process.execPath, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...ids,
  });
  // Output is complete once the pipes have closed, so 'close' rather than 'exit'.
  const entry: Entry = {
    child,
    pid: child.pid!,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('close', (code) => resolve(code))),
  };
  child.stdout.on('data', (d) => (entry.stdout += String(d)));
  child.stderr.on('data', (d) => (entry.stderr += String(d)));
  return entry;
}

/** Runs the entry to its end (generously bounded: a start-up failure must not hang). */
export async function runEntry(
  env: NodeJS.ProcessEnv,
  options: { uid?: number; gid?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const entry = startEntry(env, options);
  const timer = setTimeout(() => kill(entry, 'SIGKILL'), 60_000);
  const code = await entry.exited;
  clearTimeout(timer);
  return { code, stdout: entry.stdout, stderr: entry.stderr };
}

/** Signals the entry's whole process group, as a terminal does on Ctrl-C. */
export function kill(entry: Entry, signal: NodeJS.Signals): void {
  try {
    process.kill(-entry.pid, signal);
  } catch {
    // already gone
  }
}

export async function waitReady(port: number, entry: Entry, attempts = 1_200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (entry.child.exitCode !== null)
      throw new Error(`server exited early with ${entry.child.exitCode}: ${entry.stderr}${entry.stdout.slice(-2_000)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become ready: ${entry.stdout.slice(-2_000)}`);
}

export async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of the PostgreSQL that runs the cluster in `dataDir`, from its lock file. */
export function postmasterPid(dataDir: string): number {
  return Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Log lines (pino JSON) at warn level or above, and any stderr output: a clean run has none. */
export function complaints(entry: { stdout: string; stderr: string }): string[] {
  const bad = entry.stderr.split('\n').filter((line) => line.trim() !== '');
  for (const line of entry.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const level = (JSON.parse(line) as { level?: string }).level;
    if (level !== 'info' && level !== 'debug' && level !== 'trace') bad.push(line);
  }
  return bad;
}
