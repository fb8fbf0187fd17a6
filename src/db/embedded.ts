// An embedded PostgreSQL for `npm start` and the test suite: no Docker, nothing preinstalled.
// This file sets the cluster up (credentials, roles, the application database) and owns its
// lifecycle; embedded-process.ts runs the binaries.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import {
  initCluster,
  portIsFree,
  postgresUser,
  runningPostmaster,
  starterFile,
  startPostmaster,
  stopPostmaster,
  stopPostmasterChild,
} from './embedded-process';
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

/**
 * Throws a StartupError when a live process of ours runs the cluster in `dataDir` (one that was
 * left behind by a killed run is not in use: the next start takes it over).
 */
export function refuseIfClusterInUse(dataDir: string): void {
  const dir = path.resolve(dataDir);
  const running = runningPostmaster(dir, path.join(dir, 'pg'));
  if (!running || running.orphaned) return;
  const who =
    running.starter === undefined ? 'another process' : `another creatorgraph process (pid ${running.starter})`;
  throw new StartupError(
    `DATA_DIR ${dir} is in use: ${who} runs its embedded PostgreSQL (pid ${running.pid}, port ${running.port}): stop it, or set DATA_DIR to another directory`,
  );
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
      await client.query(
        `CREATE ROLE ${ident(roles.owner.name)} LOGIN CREATEROLE BYPASSRLS PASSWORD ${literal(roles.owner.password)}`,
      );
    } else {
      await client.query(
        `ALTER ROLE ${ident(roles.owner.name)} LOGIN CREATEROLE BYPASSRLS PASSWORD ${literal(roles.owner.password)}`,
      );
    }
    if (!(await roleExists('app_user'))) {
      await client.query('CREATE ROLE app_user NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION');
    }
    if (!(await roleExists(roles.app.name))) {
      await client.query(
        `CREATE ROLE ${ident(roles.app.name)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT PASSWORD ${literal(roles.app.password)}`,
      );
    } else {
      await client.query(
        `ALTER ROLE ${ident(roles.app.name)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT PASSWORD ${literal(roles.app.password)}`,
      );
    }
    await client.query(`GRANT app_user TO ${ident(roles.app.name)}`);
    // The owner must be able to hand app_user to further login roles (e.g. a second instance).
    await client
      .query(`GRANT app_user TO ${ident(roles.owner.name)} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`)
      .catch(async () => {
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
