// Issue 17: one mapping (graphql/database-errors.ts) types every error a client can make the
// database raise, whichever path the statement took: a Prisma model operation or $queryRaw
// through the tenant client (its tenant statement path), an interactive tenant transaction, or
// node-postgres directly. The errors here are real ones, raised by PostgreSQL (most SQLSTATEs
// naturally; the few that need concurrency, through RAISE ... USING ERRCODE). Each is typed by
// mapDatabaseError and by the masking safety net (as graphql-js wraps an error of a nested
// field), and no SQL text, value or constraint name reaches the client. Over the API, a real
// trigger: a dimensions object too large for the metrics' unique index (SQLSTATE 54000).
import crypto from 'node:crypto';
import { Writable } from 'node:stream';
import { GraphQLError } from 'graphql';
import type pg from 'pg';
import { createPool, createPrismaClient, type PrismaClient } from '../../src/db/clients';
import { tenantClient, withTenantTransaction } from '../../src/db/tenant';
import { mapDatabaseError } from '../../src/graphql/database-errors';
import { formatError } from '../../src/server/plugins/masking';
import { useDatabase, useServer } from '../helpers/harness';

const logLines: { level: string | number; msg: string; requestId?: string; [key: string]: unknown }[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
    done();
  },
});
const api = useServer(useDatabase(), { env: { LOG_LEVEL: 'debug', RATE_LIMITS: 'off' }, logDestination: capture });
let pool: pg.Pool;
let base: PrismaClient;

beforeAll(() => {
  pool = createPool(api.db.appUrl, { max: 2, applicationName: 'database-errors-test' });
  base = createPrismaClient(pool);
  // Registered after the server's, so the clients close before the server stops.
  api.onTeardown(async () => {
    await base.$disconnect();
    await pool.end();
  });
});

/** The error a promise rejects with (the test fails if it does not). */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

type Path = 'prisma raw (tenant statement path)' | 'tenant transaction' | 'node-postgres';
const PATHS: Path[] = ['prisma raw (tenant statement path)', 'tenant transaction', 'node-postgres'];

/** Runs `sql` (with `params`) as creator A by one path, and returns the error it fails with. */
function failOn(path: Path, sql: string, params: unknown[] = []): Promise<unknown> {
  switch (path) {
    case 'prisma raw (tenant statement path)':
      return failure(() => tenantClient(base, api.tenants.creatorA).$queryRawUnsafe(sql, ...params));
    case 'tenant transaction':
      return failure(() =>
        withTenantTransaction(base, api.tenants.creatorA, (tx) => tx.$queryRawUnsafe(sql, ...params)),
      );
    case 'node-postgres':
      return failure(() => pool.query(sql, params));
  }
}

const raise = (sqlState: string) =>
  `DO $$ BEGIN RAISE EXCEPTION 'internal detail from table secret_things' USING ERRCODE = '${sqlState}'; END $$`;

// [what, expected code, statement, parameters]
const CASES: [string, string, string, unknown[]][] = [
  ['a NUL in a parameter (22021)', 'VALIDATION_FAILED', 'SELECT $1::text AS t', ['a\u0000b']],
  ['year 0 (22008)', 'VALIDATION_FAILED', `SELECT '0000-01-01'::date AS d`, []],
  ['a bad regular expression (2201B)', 'VALIDATION_FAILED', `SELECT 'abc' ~ $1 AS m`, ['(']],
  ['text that is no uuid (22P02)', 'VALIDATION_FAILED', 'SELECT $1::uuid AS u', ['not-a-uuid']],
  ['a number out of range (22003)', 'VALIDATION_FAILED', 'SELECT $1::int::smallint AS n', [40000]],
  [
    'a string too long for its column (22001)',
    'VALIDATION_FAILED',
    `DO $$ DECLARE v varchar(2); BEGIN v := 'abc'; END $$`,
    [],
  ],
  ['division by zero (22012, class 22)', 'VALIDATION_FAILED', 'SELECT 1 / $1::int AS q', [0]],
  ['an index row too large (54000)', 'VALIDATION_FAILED', raise('54000'), []],
  ['a serialization failure (40001)', 'TRANSACTION_CONFLICT', raise('40001'), []],
  ['a deadlock (40P01)', 'TRANSACTION_CONFLICT', raise('40P01'), []],
  ['an exclusion violation (23P01)', 'CONFLICT', raise('23P01'), []],
  ['a restrict violation (23001)', 'CONFLICT', raise('23001'), []],
  ['a statement timeout (57014)', 'REQUEST_TIMEOUT', raise('57014'), []],
];

describe.each(PATHS)('through %s', (path) => {
  test.each(CASES)(
    '%s is typed %s, by the mapping and by the masking of a nested field',
    async (_what, code, sql, params) => {
      const error = await failOn(path, sql, params);
      const mapped = mapDatabaseError(error);
      expect(mapped).toBeInstanceOf(GraphQLError);
      expect((mapped as GraphQLError).extensions.code).toBe(code);
      if (code === 'TRANSACTION_CONFLICT') expect((mapped as GraphQLError).extensions.retryable).toBe(true);
      const nested = new GraphQLError((error as Error).message, {
        originalError: error as Error,
        path: ['programs', 0, 'enrollments'],
      });
      const formatted = formatError(nested.toJSON(), nested);
      expect(formatted.extensions?.code).toBe(code);
      expect(formatted.path).toEqual(['programs', 0, 'enrollments']);
      expect(JSON.stringify(formatted)).not.toMatch(
        /SELECT|secret_things|varchar|0x00|regular expression:|uuid:|smallint|\bDO\b/,
      );
    },
  );

  test('a syntax error or an unknown table (a bug here) stays INTERNAL_SERVER_ERROR', async () => {
    for (const sql of ['SELEC 1', 'SELECT * FROM no_such_table', raise('XX000')]) {
      const error = await failOn(path, sql);
      expect(mapDatabaseError(error)).toBe(error);
      const wrapped = new GraphQLError((error as Error).message, { originalError: error as Error, path: ['users'] });
      expect(formatError(wrapped.toJSON(), wrapped)).toEqual({
        message: 'Internal server error',
        path: ['users'],
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      });
    }
  });
});

describe('constraint violations name the field, never the constraint or the value', () => {
  // node-postgres runs outside any tenant scope, where row-level security refuses every insert
  // before a constraint is checked: there the statement runs in a DO block that sets the tenant.
  const asTenant = (path: Path, sql: string) =>
    path === 'node-postgres'
      ? `DO $$ BEGIN PERFORM set_config('app.current_creator_id', '${api.tenants.creatorA}', true); ${sql}; END $$`
      : sql;

  test.each(PATHS)('through %s', async (path) => {
    const { externalId, channel } = (await tenantClient(base, api.tenants.creatorA).user.findFirst({
      select: { externalId: true, channel: true },
    }))!;
    const conflict = mapDatabaseError(
      await failOn(
        path,
        asTenant(path, `INSERT INTO users (external_id, channel) VALUES ('${externalId}', '${channel}')`),
      ),
    ) as GraphQLError;
    expect(conflict.extensions.code).toBe('CONFLICT');
    expect(conflict.message).toMatch(/external ?id/i);
    expect(conflict.message).not.toContain(externalId);
    expect(conflict.message).not.toMatch(/_key|creator_id|users/);

    const check = mapDatabaseError(
      await failOn(path, asTenant(path, `INSERT INTO users (external_id, channel) VALUES ('check-1', 'fax')`)),
    ) as GraphQLError;
    expect(check.extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'channel', message: 'is not an allowed value' }],
    });
    const required = mapDatabaseError(
      await failOn(path, asTenant(path, `INSERT INTO users (channel) VALUES ('web')`)),
    ) as GraphQLError;
    expect(required.extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [{ path: 'externalId', message: 'is required' }],
    });
    const missing = mapDatabaseError(
      await failOn(path, asTenant(path, `INSERT INTO user_profiles (user_id) VALUES ('${crypto.randomUUID()}')`)),
    ) as GraphQLError;
    expect(missing.extensions.code).toBe('NOT_FOUND');
  });
});

test('asCreatorA: recordEngagementMetric with dimensions too large to index is VALIDATION_FAILED, logged below error level; nothing is written', async () => {
  const count = async () => Number((await pool.query(`SELECT count(*) FROM engagement_metrics`)).rows[0].count);
  const before = await count();
  const dimensions = { blob: crypto.randomBytes(15_000).toString('base64') };
  const { headers, body } = await api.server.gql<{
    recordEngagementMetric: { __typename: string; code: string; fields: { path: string }[] };
  }>(
    `mutation($d: JSONObject) { recordEngagementMetric(input: { date: "2026-03-01", metricType: "big_dims", value: 1, dimensions: $d }) { __typename ... on Error { code message } ... on ValidationError { fields { path } } } }`,
    { d: dimensions },
    { token: api.server.tokenFor(api.tenants.creatorA) },
  );
  expect(body.errors).toBeUndefined();
  expect(body.data!.recordEngagementMetric).toMatchObject({
    __typename: 'ValidationError',
    code: 'VALIDATION_FAILED',
    fields: [{ path: 'input' }],
  });
  expect(JSON.stringify(body)).not.toMatch(/btree|engagement_metrics|2704/);
  expect(await count()).toBe(before);
  const requestId = headers.get('x-request-id');
  await new Promise((r) => setTimeout(r, 100));
  const lines = logLines.filter((l) => l.requestId === requestId);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.filter((l) => ['error', 'fatal', 50, 60].includes(l.level))).toEqual([]);
});
