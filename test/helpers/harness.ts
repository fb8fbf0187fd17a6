// The building blocks of a test file's world: its own database (a clone of the migrated
// template, with the two demo tenants and an owner connection), and a real server on it. Each
// `use*` call registers the file's beforeAll / afterAll hooks; the values are getters that only
// work once beforeAll ran.
//
//   const database = useDatabase();                       // db, tenants, owner
//   beforeAll(() => database.owner.query(`UPDATE ...`));  // runs before the server starts
//   const api = useServer(database, { env: { LOG_LEVEL: 'silent' } });
//   ... api.server.gql(...), api.tenants.creatorA, api.owner
//
// useApiHarness (api.ts) is useServer plus the request and storage helpers of the API suites.
import type pg from 'pg';
import type { DestinationStream } from 'pino';
import { createTestDatabase, type TestDatabase } from './database';
import { connect, seedTwoTenants, type TwoTenants } from './fixtures';
import { startTestServer, type TestServer } from './server';

export interface DatabaseHarness {
  /** The file's database. */
  readonly db: TestDatabase;
  /** The two seeded creators' ids. */
  readonly tenants: TwoTenants;
  /** A connection as the owner role (BYPASSRLS): fixtures and what is really stored. */
  readonly owner: pg.Client;
  /**
   * Runs `fn` in afterAll, before the owner connection closes and the database is dropped;
   * the last registered runs first (a server before the pooler in front of the database).
   */
  onTeardown(fn: () => Promise<void> | void): void;
}

/**
 * A fresh database with the two demo tenants (none with `seed: false`, for the files that only
 * read the catalog) and an owner connection, dropped after the file.
 */
export function useDatabase(options: { seed?: boolean } = {}): DatabaseHarness {
  let db: TestDatabase | undefined;
  let tenants: TwoTenants | undefined;
  let owner: pg.Client | undefined;
  const teardown: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    if (options.seed !== false) tenants = await seedTwoTenants(db);
    owner = await connect(db.ownerUrl);
  });
  afterAll(async () => {
    // Teardown steps are registered as their resources start, so they stop in reverse.
    for (const fn of teardown.reverse()) await fn();
    await owner?.end();
    await db?.drop();
  });

  return {
    get db() {
      return ready(db, 'db');
    },
    get tenants() {
      if (options.seed === false) throw new Error('test harness: useDatabase({ seed: false }) seeds no tenants');
      return ready(tenants, 'tenants');
    },
    get owner() {
      return ready(owner, 'owner');
    },
    onTeardown: (fn) => void teardown.push(fn),
  };
}

type Env = Record<string, string>;

export interface ServerOptions {
  /** Server environment on top of the test defaults; a function is read when the server starts. */
  env?: Env | (() => Env);
  /** Where the server's log lines go (a stream the file reads), instead of stdout. */
  logDestination?: DestinationStream;
}

export interface ServerHarness extends DatabaseHarness {
  /** The real server (startApp), on a random port, against the file's database. */
  readonly server: TestServer;
}

/**
 * A real server on `database`, started in beforeAll (after every hook registered before this
 * call) and stopped in afterAll before the database is dropped.
 */
export function useServer(database: DatabaseHarness, options: ServerOptions = {}): ServerHarness {
  let server: TestServer | undefined;
  beforeAll(async () => {
    const env = typeof options.env === 'function' ? options.env() : options.env;
    server = await startTestServer(database.db, env, { logDestination: options.logDestination });
    database.onTeardown(() => server!.stop());
  });
  return {
    get db() {
      return database.db;
    },
    get tenants() {
      return database.tenants;
    },
    get owner() {
      return database.owner;
    },
    onTeardown: (fn) => database.onTeardown(fn),
    get server() {
      return ready(server, 'server');
    },
  };
}

function ready<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`test harness: ${name} is only available once beforeAll has run`);
  return value;
}
