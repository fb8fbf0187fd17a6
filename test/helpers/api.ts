// What the test files that drive the API over HTTP share: a harness that gives each file its own
// database with the two demo tenants, a real server and an owner connection, plus the helpers
// every file used to define for itself -- requests as a tenant (requests.ts), reads of what is
// really stored (through the owner role, which bypasses row-level security), global ids and result
// checks.
//
//   const api = useApiHarness();                 // registers beforeAll / afterAll
//   const { query, mutate, sql, one } = api;      // the helpers can be destructured
//   ... api.tenants.creatorA, api.owner, api.server  // state only exists once beforeAll ran
import type pg from 'pg';
import { toGlobalId } from '../../src/graphql/ids';
import { expectNoCounterDrift } from './counters';
import type { TestDatabase } from './database';
import type { TwoTenants } from './fixtures';
import { useDatabase, useServer } from './harness';
import { requestHelpers } from './requests';
import { ownerQueries } from './storage';
import type { TestServer } from './server';

/** A JSON value read from a response or a row, untyped. */
export type Json = Record<string, any>;
export type Variables = Record<string, unknown>;
/** Who sends a request: one of the two seeded creators, or nobody. */
export type Actor = 'asCreatorA' | 'asCreatorB' | 'asAnonymous';

/** The member of a mutation's result union. */
export interface Result {
  __typename: string;
  code?: string;
  message?: string;
  fields?: { path: string; message: string }[];
  data?: any;
}

// ------------------------------------------------------------------------------------------
// Documents
// ------------------------------------------------------------------------------------------

/** The error members of every mutation's result union. */
export const ERRORS = `... on Error { code message } ... on ValidationError { fields { path message } }`;
/** A connection's totals, page info, edges and nodes (ids only). */
export const PAGE = `totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } nodes { id }`;
export const NODE = /* GraphQL */ `
  query Node($id: ID!) {
    node(id: $id) {
      __typename
      id
    }
  }
`;
export const NODES = /* GraphQL */ `
  query Nodes($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
    }
  }
`;

// ------------------------------------------------------------------------------------------
// Global ids, times
// ------------------------------------------------------------------------------------------

export const gid = toGlobalId;
/** The database id inside a global id. */
export const uuidOf = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;
/** The type name inside a global id. */
export const typeOf = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[0]!;
export const uuids = (nodes: { id: string }[]) => nodes.map((n) => uuidOf(n.id));

/** The table the rows of a GraphQL type live in. */
export const TABLE_OF: Record<string, string> = {
  User: 'users',
  UserProfile: 'user_profiles',
  UserSession: 'user_sessions',
  UserInteraction: 'user_interactions',
  Program: 'programs',
  ProgramEnrollment: 'program_enrollments',
  ProgramAnalytic: 'program_analytics',
  Conversation: 'conversations',
  Message: 'messages',
  Badge: 'badges',
  UserBadge: 'user_badges',
  Achievement: 'achievements',
};

/** Every global id anywhere in a response (the value of any `id` field). */
export function globalIdsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => globalIdsIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'id' && typeof v === 'string') found.push(v);
      else globalIdsIn(v, found);
    }
  }
  return found;
}

export const DAY = 86_400_000;
/** A UTC calendar day, `offset` days from today, as YYYY-MM-DD. */
export const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
/** Two times (in ms) at most `seconds` apart. */
export const withinSeconds = (actual: number, expected: number, seconds: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(seconds * 1000);

// ------------------------------------------------------------------------------------------
// Result checks
// ------------------------------------------------------------------------------------------

/**
 * A ValidationError whose field paths (each passed through `normalizePath`, duplicates removed)
 * are exactly `paths`, each with a message.
 */
export function expectValidation(
  result: Json | Result,
  paths: string[],
  normalizePath: (path: string) => string = (path) => path,
) {
  expect(result.__typename).toBe('ValidationError');
  expect(result.code).toBe('VALIDATION_FAILED');
  const fields = result.fields as { path: string; message: string }[];
  expect([...new Set(fields.map((f) => normalizePath(f.path)))].sort()).toEqual([...paths].sort());
  for (const f of fields) expect(f.message).toEqual(expect.any(String));
}
export const expectNotFound = (result: Json | Result) =>
  expect(result).toEqual(
    expect.objectContaining({ __typename: 'NotFoundError', code: 'NOT_FOUND', message: expect.any(String) }),
  );
export const expectConflict = (result: Json | Result) =>
  expect(result).toEqual(
    expect.objectContaining({ __typename: 'ConflictError', code: 'CONFLICT', message: expect.any(String) }),
  );

// ------------------------------------------------------------------------------------------
// The harness
// ------------------------------------------------------------------------------------------

export interface ApiHarnessOptions {
  /** Extra server environment, e.g. `{ LOG_LEVEL: 'silent' }`. */
  env?: Record<string, string>;
  /** After every test, check that the trigger-maintained counters agree with a recount. */
  checkCountersAfterEach?: boolean;
}

export type ApiHarness = ReturnType<typeof useApiHarness>;

/**
 * Registers the file's beforeAll (a fresh database, the two demo tenants, a server, an owner
 * connection) and afterAll (closes them), plus an afterEach counter check if asked. A file's own
 * beforeAll, registered after this call, runs after the harness is ready.
 */
export function useApiHarness(options: ApiHarnessOptions = {}) {
  // These suites read whole trees with 100-row pages to prove isolation; the limits and rates
  // a production server enforces are tested in test/server/ and
  // test/modules/billing/quotas.test.ts, not here.
  const env = {
    MAX_QUERY_COST: '1000000000000',
    MAX_QUERY_DEPTH: '60',
    MAX_QUERY_ALIASES: '200',
    RATE_LIMITS: 'off',
    ...options.env,
  };
  const harness = useServer(useDatabase(), { env });
  const theServer = (): TestServer => harness.server;
  const theTenants = (): TwoTenants => harness.tenants;
  const theOwner = (): pg.Client => harness.owner;

  if (options.checkCountersAfterEach) {
    afterEach(async () => {
      // Whatever a test wrote, the counters still agree with a recount.
      await expectNoCounterDrift(theOwner());
    });
  }

  const { creatorOf, tokenOf, read, mutateWithToken, readAll, send, query, mutate, expectUnauthenticated } =
    requestHelpers(theServer, theTenants);

  /**
   * Every page of a list, walked with first/after as `actor`; checks that pages neither overlap
   * nor skip (and, with `endCursorIsLastEdge`, that endCursor is the last edge's cursor).
   */
  async function walk(
    actor: Actor,
    document: string,
    field: string,
    variables: Variables,
    pageSize: number,
    checks: { endCursorIsLastEdge?: boolean } = {},
  ): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const conn: Json = (await query(actor, document, { ...variables, first: pageSize, after }))[field];
      const ids = uuids(conn.nodes);
      expect(ids.length).toBeLessThanOrEqual(pageSize);
      expect(ids.filter((id) => seen.includes(id))).toEqual([]);
      seen.push(...ids);
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!conn.pageInfo.hasNextPage) break;
      expect(ids.length).toBe(pageSize);
      if (checks.endCursorIsLastEdge) expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1].cursor);
      after = conn.pageInfo.endCursor;
    }
    return seen;
  }

  // --- what is really stored (owner role) -----------------------------------------------

  const stored = ownerQueries<Json>(theOwner);

  /** The creators owning every entity a response mentions (each one must exist). */
  async function ownersOf(value: unknown): Promise<{ owners: Set<string>; count: number }> {
    const ids = globalIdsIn(value);
    const owners = new Set<string>();
    const byTable = new Map<string, string[]>();
    for (const id of ids) {
      const table = TABLE_OF[typeOf(id)];
      if (!table) throw new Error(`no table for ${typeOf(id)}`);
      byTable.set(table, [...(byTable.get(table) ?? []), uuidOf(id)]);
    }
    for (const [table, list] of byTable) {
      const rows = await stored.sql<{ id: string; creator_id: string }>(
        `SELECT id, creator_id FROM ${table} WHERE id = ANY($1::uuid[])`,
        [list],
      );
      expect(rows.length).toBe(new Set(list).size);
      rows.forEach((r) => owners.add(r.creator_id));
    }
    return { owners, count: ids.length };
  }

  return {
    /** The file's database (set once beforeAll ran). */
    get db(): TestDatabase {
      return harness.db;
    },
    get server(): TestServer {
      return theServer();
    },
    /** The two seeded creators' ids. */
    get tenants(): TwoTenants {
      return theTenants();
    },
    /** A connection as the owner role (BYPASSRLS): fixtures and what is really stored. */
    get owner(): pg.Client {
      return theOwner();
    },

    creatorOf,
    tokenOf,
    /** A token of creator A. */
    asCreatorA: () => theServer().tokenFor(theTenants().creatorA),
    /** A token of creator B. */
    asCreatorB: () => theServer().tokenFor(theTenants().creatorB),

    send,
    query,
    mutate,
    walk,
    /** The same requests by token (`api.asCreatorA()`, or undefined for nobody) instead of by actor. */
    withTokens: { read, mutate: mutateWithToken, readAll },
    expectUnauthenticated,

    /** sql, one, countOf, count, rowOf, snapshot, tableCounts: see storage.ts. */
    ...stored,
    ownersOf,
    expectNoCounterDrift: () => expectNoCounterDrift(theOwner()),
  };
}
