// The number of SQL statements a nested GraphQL request sends must not grow with the sizes of
// its lists: nested selections are merged into the parent query by plugin-prisma, and per-row
// aggregates (points, enrollment stats) are batched by DataLoaders. Statements are counted at
// the pg client of the application role, in this process, so the count is exact.
//
// The server also writes on its own schedule: the partner usage log about a second after a call (one
// INSERT behind the tenant settings), a stale plan rate in the background. Those are not the request's, and
// under load they land inside a count (a run on busy cores once failed "every statement behind
// the settings" with the usage log's BEGIN/INSERT/COMMIT). Counts leave them out by transaction
// and text (requestStatements), the partner test waits for them to commit rather than sleeping,
// and the last test checks every statement of the file, background included, ran as a tenant.
import { useDatabase, useServer } from '../helpers/harness';
import { NESTED, seedNestedLoad, until } from './query-count-fixtures';
import { callAsPartner } from '../helpers/partner';
import { captureStatements, TRANSACTION_CONTROL, type StatementCapture } from '../helpers/statements';
import { issueApiKey } from '../../src/auth/api-keys';
import { setSqlReads } from '../../src/db/sql-read/read';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { A_DOCUMENTS } from '../../bench/queries';

const database = useDatabase();
beforeAll(() => seedNestedLoad(database.owner, database.tenants.creatorA));
const api = useServer(database);
let capture: StatementCapture;
beforeAll(() => {
  // The change listener's own connection (LISTEN, its backend pid) is no tenant path.
  capture = captureStatements(new URL(api.db.appUrl).username, { skipApplicationName: 'creatorgraph-listener' });
});
afterAll(() => capture?.uninstall());

/** What the request itself sent since the last reset: not the usage log nor a plan-rate refresh. */
function requestStatements() {
  // The usage log: its whole transaction, or its INSERT alone when sent behind the settings.
  return capture
    .without(/\bapi_usage_logs\b/)
    .filter((s) => !/app\.plan_limit/.test(s.text) && !/\bapi_usage_logs\b/.test(s.text));
}

async function countStatements(programs: number, enrollments: number) {
  capture.reset();
  const { body } = await api.server.gql<{
    me: {
      programs: {
        edges: { node: { enrollments: { edges: { node: { user: { badges: { edges: unknown[] } } } }[] } } }[];
      };
    };
  }>(NESTED, { programs, enrollments }, { token: api.server.tokenFor(api.tenants.creatorA) });
  expect(body.errors).toBeUndefined();
  const programEdges = body.data!.me.programs.edges;
  const enrollmentEdges = programEdges.flatMap((p) => p.node.enrollments.edges);
  const sent = requestStatements();
  // A tenant transaction opens with `BEGIN; SELECT set_config(...)`: one round trip, two
  // statements. A statement sent behind the settings statement is one round trip, two statements
  // and one (implicit) transaction.
  const begins = sent.filter((s) => s.text.startsWith('BEGIN;')).length;
  const behindSettings = sent.filter((s) => s.settings).length;
  return {
    roundTrips: sent.length,
    statements: sent.length + begins + behindSettings,
    transactions: begins + behindSettings,
    programs: programEdges.length,
    enrollments: enrollmentEdges.length,
    badges: enrollmentEdges.reduce((n, e) => n + e.node.user.badges.edges.length, 0),
    sql: sent.map((s) => s.text),
  };
}

test('asCreatorA: creator -> 20 programs -> 10 enrollments each -> user -> badges costs the same statements as 2 -> 2', async () => {
  // The first request of a tenant also reads its plan's request rate (cached for a minute, see
  // src/server/rate-limit.ts): warm that up so that both counts are of the query alone.
  await countStatements(1, 1);
  const small = await countStatements(2, 2);
  const large = await countStatements(20, 10);
  expect(small).toMatchObject({ programs: 2, enrollments: 4 });
  expect(large).toMatchObject({ programs: 20, enrollments: 200 });
  expect(large.badges).toBeGreaterThanOrEqual(600);
  expect(large.statements).toBe(small.statements);
  expect(large.transactions).toBe(small.transactions);
  // Locked in, so a regression cannot pass silently. Three statements, each sent behind the
  // tenant settings statement in one round trip and one implicit transaction (src/db/tenant.ts):
  //   1. the creator with programs (and their count), enrollments, users with their points
  //      (the pointsTotal virtual column), awards and badges: one compiled statement
  //      (src/db/sql-read; Prisma sent one per relation level, 6, and the points loader one);
  //   2. enrollment counts by status for all 20 programs (one DataLoader batch).
  // (Before bench/NOTES.md's changes: 17 statements in 17 round trips and 3 transactions; before
  // the compiled reads, 8 round trips.)
  expect({ roundTrips: large.roundTrips, statements: large.statements, transactions: large.transactions }).toEqual({
    roundTrips: 2,
    statements: 4,
    transactions: 2,
  });
});

test('asPartner: a persisted operation (user -> achievements, badges, points) costs 2 round trips, the key lookup included', async () => {
  const A = api.tenants.creatorA;
  const key = issueApiKey(A);
  const { owner } = api;
  await owner.query(
    `INSERT INTO api_keys (creator_id, name, key_prefix, key_hash, scopes) VALUES ($1, 'count', $2, $3, '{read}')`,
    [A, key.prefix, key.hash],
  );
  const userId = (
    await owner.query<{ id: string }>(`SELECT user_id AS id FROM user_badges WHERE creator_id = $1 LIMIT 1`, [A])
  ).rows[0]!.id;
  const rewards = async () => {
    const response = await callAsPartner(api.server.url, key.secret, 'PartnerUserRewards', {
      userId: encodeGlobalID('User', userId),
    });
    expect(response.body.errors).toBeUndefined();
    return response.body.data as { user: { badges: { totalCount: number } } };
  };
  // Warm-up: the plan's request rate and the key's last_used_at (written once a minute); then
  // wait until that call's usage log row has committed (about a second after the call, later on a busy
  // machine), so that no statement of it is sent while counting.
  const logged = (rows: number) =>
    until(
      api.owner,
      `SELECT count(l.id) = $2 AND bool_and(k.last_used_at IS NOT NULL) AS ok FROM api_keys k LEFT JOIN api_usage_logs l ON l.api_key_id = k.id WHERE k.key_prefix = $1`,
      [key.prefix, rows],
      `${rows} usage log row(s) of the key`,
    );
  await rewards();
  await logged(1);
  capture.reset();
  const data = await rewards();
  expect(data.user.badges.totalCount).toBe(3);
  // This call's own usage log, awaited so that it neither lands in the next test's count nor
  // is half-sent here (requestStatements leaves out its whole transaction).
  await logged(2);
  const sent = requestStatements();
  const texts = sent.map((s) => s.text);
  // Locked in: the key with its creator (one statement), then the user with both counts, both
  // pages, the badges' definitions and the points (one compiled statement, src/db/sql-read;
  // Prisma and the points loader sent 5): each behind the tenant settings statement, one round
  // trip each.
  expect(texts.filter((t) => /api_keys/.test(t))).toHaveLength(1);
  expect({ roundTrips: sent.length, behindSettings: sent.filter((s) => s.settings).length }).toEqual({
    roundTrips: 2,
    behindSettings: 2,
  });
  // With the compiler off (SQL_READS=off): the same answer from Prisma and the points loader.
  setSqlReads(false);
  try {
    capture.reset();
    expect(await rewards()).toEqual(data);
    await logged(3);
    expect(requestStatements().filter((s) => s.settings).length).toBe(6);
  } finally {
    setSqlReads(true);
  }
});

test("asCreatorA: the benchmark's queries (bench/queries.ts) cost one round trip per root read, nothing per row or level", async () => {
  const { owner } = api;
  const programId = (
    await owner.query<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 AND name = 'Load 1'`, [
      api.tenants.creatorA,
    ])
  ).rows[0]!.id;
  const token = api.server.tokenFor(api.tenants.creatorA);
  const run = async (q: keyof typeof A_DOCUMENTS, variables: Record<string, unknown>) => {
    capture.reset();
    const { body } = await api.server.gql(A_DOCUMENTS[q], variables, { token });
    expect(body.errors).toBeUndefined();
    const sent = requestStatements();
    // Every statement behind the settings statement, as tenant A (the texts, if one is not).
    expect(sent.filter((s) => !s.settings || s.tenant !== api.tenants.creatorA).map((s) => s.text)).toEqual([]);
    return sent.length;
  };
  await run('Q0', {}); // the plan's request rate, read once a minute
  const program = { id: encodeGlobalID('Program', programId) };
  // Locked in (bench/NOTES.md has what they were before): Q0 touches no database; Q1 is the
  // program; Q2 the page and its count; Q3 the program, its enrollments, their users, the
  // users' awards and the awards' badges in one compiled statement (src/db/sql-read; Prisma
  // sent one per level: 5); Q4 one statement of six counts.
  expect({
    Q0: await run('Q0', {}),
    Q1: await run('Q1', program),
    Q2: await run('Q2', {}),
    Q3: await run('Q3', program),
    Q4: await run('Q4', { date: new Date().toISOString().slice(0, 10) }),
  }).toEqual({ Q0: 0, Q1: 1, Q2: 2, Q3: 1, Q4: 1 });
});

test('asCreatorB: 20 concurrent first requests of a tenant read its plan rates once', async () => {
  const token = api.server.tokenFor(api.tenants.creatorB);
  capture.reset();
  const responses = await Promise.all(
    Array.from({ length: 20 }, () => api.server.gql('{ __typename }', {}, { token })),
  );
  expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
  expect(capture.sent.filter((s) => s.text.includes('plan_limit')).length).toBe(1);
});

test('asCreatorA: nodes(ids:) reads each distinct id once, one statement per type it names (100 copies of one id: 1)', async () => {
  const { owner } = api;
  const users = (
    await owner.query<{ id: string }>(`SELECT id FROM users WHERE creator_id = $1 ORDER BY id LIMIT 50`, [
      api.tenants.creatorA,
    ])
  ).rows.map((r) => r.id);
  const programs = (
    await owner.query<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 ORDER BY id LIMIT 50`, [
      api.tenants.creatorA,
    ])
  ).rows.map((r) => r.id);
  const token = api.server.tokenFor(api.tenants.creatorA);
  const run = async (ids: string[]) => {
    await api.server.gql('{ __typename }', {}, { token }); // the plan's rates, read once a minute
    capture.reset();
    const { body } = await api.server.gql<{ nodes: ({ id: string } | null)[] }>(
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      { ids },
      { token },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.nodes.map((n) => n?.id ?? null)).toEqual(ids);
    // A stale plan-rate entry is refreshed in the background, whenever a slow run makes it stale.
    return requestStatements().length;
  };
  const oneUser = encodeGlobalID('User', users[0]!);
  expect(await run(Array.from({ length: 100 }, () => oneUser))).toBe(1);
  const mixed = [
    ...users.map((id) => encodeGlobalID('User', id)),
    ...programs.map((id) => encodeGlobalID('Program', id)),
  ];
  expect(await run(mixed)).toBe(2);
});

test('every statement the application role sent while this file ran, background work included, ran as creator A or B', async () => {
  const { creatorA: A, creatorB: B } = api.tenants;
  // A two-write mutation: a tenant transaction (`BEGIN; SELECT set_config(...)`), the other way of
  // setting the tenant, now that the usage log writes behind the settings statement too.
  const userId = (
    await api.owner.query<{ id: string }>(`SELECT id FROM users WHERE creator_id = $1 ORDER BY id LIMIT 1`, [A])
  ).rows[0]!.id;
  const { body } = await api.server.gql(
    'mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { __typename } }',
    { input: { userId: encodeGlobalID('User', userId), interactionType: 'count_check' } },
    { token: api.server.tokenFor(A) },
  );
  expect(body.errors).toBeUndefined();
  // Transaction control (BEGIN, COMMIT, SET TRANSACTION ...) reads no rows; everything else
  // must have had the tenant set, by the settings statement or by its transaction's BEGIN.
  const unscoped = capture.all.filter((s) => s.tenant === undefined && !TRANSACTION_CONTROL.test(s.text));
  expect(unscoped.map((s) => s.text)).toEqual([]);
  const tenantsSeen = new Set(capture.all.map((s) => s.tenant).filter((t) => t !== undefined));
  expect([...tenantsSeen].filter((t) => t !== A && t !== B)).toEqual([]);
  expect(tenantsSeen.has(A)).toBe(true);
  // Both ways of setting the tenant were seen (so the check above looked at both): the
  // mutation's transaction and the statements behind the settings statement, the usage log's
  // INSERT (background work) among them.
  expect(
    capture.all.some((s) => s.transaction !== undefined && /user_interactions/.test(s.text) && s.tenant === A),
  ).toBe(true);
  expect(capture.all.some((s) => s.settings && /api_usage_logs/.test(s.text) && s.tenant === A)).toBe(true);
  expect(capture.all.filter((s) => s.settings).length).toBeGreaterThan(20);
});
