// Query cost counts what a request can produce (fan-out), and a lowered MAX_QUERY_COST refuses it
// over HTTP and WebSocket.
import { parse } from 'graphql';
import { schema } from '../../src/graphql/schema';
import { INPUT_KIB_COST, JSON_FIELD_COST, operationCost } from '../../src/server/operation-cost';
import { tenantClient } from '../../src/db/tenant';
import type { TestDatabase } from '../helpers/database';
import type { TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import { limitsFixtures } from './limits-fixtures';

const harness = useServer(useDatabase());

const { overWebSocket } = limitsFixtures(harness);
let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
beforeAll(() => ({ db, server, tenants } = harness));

describe('query cost counts what a request can produce (fan-out)', () => {
  const cost = (query: string, variables: Record<string, unknown> = {}) =>
    operationCost(schema, parse(query), undefined, variables);
  const copies = (id: string, n: number) => `[${Array.from({ length: n }, () => JSON.stringify(id)).join(',')}]`;
  const ID = 'VXNlcjoxMjM='; // any id: pricing does not read the database

  test('nodes(ids:) is priced per id, duplicates included, from a literal or a variable', () => {
    const one = cost(`{ nodes(ids: ${copies(ID, 1)}) { id } }`);
    const hundred = cost(`{ nodes(ids: ${copies(ID, 100)}) { id } }`);
    expect(hundred).toBeGreaterThanOrEqual(100 * (one - 1));
    // The same ids sent another way: the same objects, and only what is sent priced differently (per KiB).
    const sameObjects = (c: number) => expect(Math.abs(c - hundred)).toBeLessThanOrEqual(2 * INPUT_KIB_COST);
    sameObjects(cost(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: Array(100).fill(ID) }));
    sameObjects(cost(`query($ids: [ID!]! = ${copies(ID, 100)}) { nodes(ids: $ids) { id } }`));
  });

  test('every alias is priced: 30 aliases of nodes(ids:) with 100 ids cost at least the 3,000 objects they produce', () => {
    const aliases = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: nodes(ids: ${copies(ID, 100)}) { id }`).join(' ')} }`;
    expect(cost(aliases)).toBeGreaterThanOrEqual(3_000);
    // Aliased scalars cost too (each is one more resolution).
    expect(cost(`{ me { a: id b: id c: id } }`)).toBeGreaterThan(cost(`{ me { id } }`));
  });

  test('lists that are not connections are priced by their size argument, up to the documented maximum', () => {
    expect(cost(`{ leaderboard(first: 100) { rank } }`)).toBeGreaterThanOrEqual(100);
    expect(cost(`{ leaderboard(first: 100000) { rank } }`)).toBe(cost(`{ leaderboard(first: 100) { rank } }`)); // "At most 100"
    expect(cost(`{ leaderboard { rank } }`)).toBe(cost(`{ leaderboard(first: 10) { rank } }`)); // its default
    expect(cost(`query($n: Int) { userChanges(first: $n) { users { id } } }`, { n: 500 })).toBeGreaterThanOrEqual(500);
    expect(cost(`{ userChanges(first: 100000) { users { id } } }`)).toBe(
      cost(`{ userChanges(first: 500) { users { id } } }`),
    ); // "At most 500"
    // A plain list without a size argument: by its documented maximum.
    expect(
      cost(`{ engagementSeries(metricType: "m", from: "2026-01-01", to: "2026-01-02") { value } }`),
    ).toBeGreaterThanOrEqual(400);
  });

  test('JSON fields are priced per value, in every item of a page', () => {
    const plain = cost(`{ users(first: 100) { nodes { id } } }`);
    const withJson = cost(`{ users(first: 100) { nodes { id preferences profileData } } }`);
    expect(withJson - plain).toBe(100 * 2 * JSON_FIELD_COST);
  });

  test('a paged export is priced by its page: `first` records, each with its JSON', () => {
    const page = (first: number) =>
      cost(
        `mutation { exportUserDataPage(userId: "${ID}", first: ${first}) { ... on ExportUserDataPageSuccess { data { section records endCursor } } } }`,
      );
    expect(page(500)).toBeGreaterThanOrEqual(500 * JSON_FIELD_COST);
    expect(page(500)).toBeLessThan(500 * 2 * JSON_FIELD_COST);
    expect(page(500)).toBe(page(100_000)); // "At most 500"
  });

  test('a field that declares its own work is priced by it, once per alias: evaluateBadges 5,000, eraseUser 1,000, the whole export 10,000', () => {
    expect(cost('mutation { evaluateBadges(userId: "x") { __typename } }')).toBeGreaterThanOrEqual(5_000);
    expect(
      cost(
        'mutation { a: evaluateBadges(userId: "x") { __typename } b: evaluateBadges(userId: "y") { __typename } c: evaluateBadges(userId: "z") { __typename } }',
      ),
    ).toBeGreaterThanOrEqual(15_000);
    expect(cost('mutation { eraseUser(userId: "x") { __typename } }')).toBeGreaterThanOrEqual(1_000);
    expect(cost('mutation { exportUserData(userId: "x") { __typename } }')).toBeGreaterThanOrEqual(10_000);
    expect(
      cost('mutation { recordInteraction(input: { userId: "x", interactionType: "a" }) { __typename } }'),
    ).toBeLessThan(100);
  });

  test('what a request sends is priced per KiB, in its variables or its document: 768 KiB of chunks cost 7,680 more than one byte', () => {
    const add =
      'mutation($c: [DocumentChunkInput!]!) { addDocumentChunks(documentId: "x", chunks: $c) { __typename } }';
    const small = cost(add, { c: [{ chunkIndex: 0, content: 'x' }] });
    const big = cost(add, {
      c: Array.from({ length: 12 }, (_, i) => ({ chunkIndex: i, content: 'y'.repeat(64 * 1024) })),
    });
    expect(big - small).toBeGreaterThanOrEqual(12 * 64 * 10);
    expect(big - small).toBeLessThan(12 * 64 * 10 + 20);
    const inline = cost(
      `mutation { recordInteraction(input: { userId: "x", interactionType: "a", interactionData: { note: "${'z'.repeat(20 * 1024)}" } }) { __typename } }`,
    );
    expect(inline).toBeGreaterThanOrEqual(200);
  });

  test('anonymous: a variable holding 500,000 numbers (what a 1 MiB body can carry) is priced, not a stack overflow', () => {
    expect(cost('{ __typename }', { x: Array(500_000).fill(0) })).toBeGreaterThan(3_000);
  });

  test('connections are priced as before (page size from the query or variables, capped at the server page)', () => {
    expect(cost(`{ users(first: 100) { nodes { id } } }`)).toBe(101);
    expect(cost(`query($n: Int) { users(first: $n) { nodes { id } } }`, { n: 10_000 })).toBe(101);
    expect(cost(`{ users { nodes { id } } }`)).toBe(21);
  });
});

describe('a lowered MAX_QUERY_COST refuses fan-out over HTTP and WebSocket', () => {
  let tight: TestServer;
  let userId: string;
  beforeAll(async () => {
    tight = await startTestServer(db, { MAX_QUERY_COST: '1000' });
    const owner = await tenantOwnerUser();
    userId = owner;
  });
  afterAll(async () => {
    await tight?.stop();
  });
  async function tenantOwnerUser(): Promise<string> {
    const rows = await tenantClient(server.app.db.app, tenants.creatorA).user.findMany({
      select: { id: true },
      take: 1,
    });
    return rows[0]!.id;
  }
  const gidOf = (id: string) => Buffer.from(`User:${id}`).toString('base64');
  const copies = (n: number) => `[${Array.from({ length: n }, () => JSON.stringify(gidOf(userId))).join(',')}]`;

  const refusedCases: [string, () => string, () => string][] = [
    [
      'nodes(ids:) with 100 copies of one id (and a JSON field)',
      () => `{ nodes(ids: ${copies(100)}) { id ... on User { profileData } } }`,
      () => `{ nodes(ids: ${copies(1)}) { id ... on User { profileData } } }`,
    ],
    [
      '30 aliases of nodes(ids:) with 100 ids',
      () => `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: nodes(ids: ${copies(100)}) { id }`).join(' ')} }`,
      () => `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: nodes(ids: ${copies(2)}) { id }`).join(' ')} }`,
    ],
    [
      'a plain list (leaderboard) of 100',
      () => `{ leaderboard(first: 100) { rank user { id profileData } } }`,
      () => `{ leaderboard(first: 5) { rank user { id profileData } } }`,
    ],
    [
      'a plain list (userChanges) of 500 with JSON',
      () => `{ userChanges(first: 500) { users { id preferences } } }`,
      () => `{ userChanges(first: 10) { users { id preferences } } }`,
    ],
    [
      'a page of JSON fields',
      () => `{ users(first: 100) { nodes { id preferences profileData } } }`,
      () => `{ users(first: 10) { nodes { id preferences profileData } } }`,
    ],
  ];

  test.each(refusedCases)(
    'asCreatorA: %s is refused with QUERY_TOO_COSTLY (400, no data) over HTTP and WebSocket; a small one runs',
    async (_name, big, small) => {
      const token = tight.tokenFor(tenants.creatorA);
      const refused = await tight.gql(big(), {}, { token });
      expect(refused.status).toBe(400);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
      expect(await overWebSocket(big(), {}, tight)).toContain('"code":"QUERY_TOO_COSTLY"');
      const ok = await tight.gql(small(), {}, { token });
      expect(ok.status).toBe(200);
      expect(ok.body.errors).toBeUndefined();
    },
  );

  test('asCreatorA: nodes(ids:) given as a variable is priced by its length too', async () => {
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on User { profileData } } }`;
    const response = await tight.gql(
      query,
      { ids: Array(100).fill(gidOf(userId)) },
      { token: tight.tokenFor(tenants.creatorA) },
    );
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  });
});
