// Query limits hold over HTTP and WebSocket alike, and let every shipped operation through.
import fs from 'node:fs';
import path from 'node:path';
import { parse, specifiedRules, validate } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { schema } from '../../src/graphql/schema';
import { limitRules } from '../../src/server/limits';
import { costRefusal, INPUT_KIB_COST, JSON_FIELD_COST, operationCost } from '../../src/server/operation-cost';
import { tenantClient } from '../../src/db/tenant';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connect, seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';

let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
const limits = loadConfig({ NODE_ENV: 'test' }).limits;

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
  server = await startTestServer(db);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

function operationFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? operationFiles(path.join(dir, e.name))
        : e.name.endsWith('.graphql')
          ? [path.join(dir, e.name)]
          : [],
    );
}

test('every operation in operations/ is within the default limits (with the largest page sizes)', () => {
  const files = operationFiles(path.resolve(__dirname, '../../operations'));
  expect(files.length).toBeGreaterThan(3);
  for (const file of files) {
    const document = parse(fs.readFileSync(file, 'utf8'));
    expect({
      file,
      errors: validate(schema, document, [...specifiedRules, ...limitRules(limits)]).map((e) => e.message),
    }).toEqual({ file, errors: [] });
    const largest = { first: 100, last: 100, programs: 100, enrollments: 100 };
    expect({
      file,
      cost: costRefusal(operationCost(schema, document, undefined, largest), limits.maxCost)?.message,
    }).toEqual({ file, cost: undefined });
  }
});

const DEEP = `{ me { programs { edges { node { ${'enrollments { edges { node { program { '.repeat(4)}id${' } } } }'.repeat(4)} } } } } }`;
const ALIASES = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
const COSTLY = `query($n: Int) { users(first: $n) { edges { node { enrollments(first: $n) { edges { node { user { badges(first: $n) { edges { node { id } } } } } } } } } } }`;

async function overWebSocket(
  query: string,
  variables: Record<string, unknown> = {},
  target: TestServer = server,
): Promise<string> {
  const client = createClient({
    url: target.url.replace('http://', 'ws://'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${target.tokenFor(tenants.creatorA)}` },
    retryAttempts: 0,
  });
  try {
    return await new Promise<string>((resolve) => {
      const seen: unknown[] = [];
      client.subscribe(
        { query, variables },
        {
          next: (r) => seen.push(r),
          error: (e) => resolve(JSON.stringify(e)),
          complete: () => resolve(JSON.stringify(seen)),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

test.each([
  ['a query nested too deep', DEEP, {}, 'QUERY_TOO_DEEP'],
  ['a query with too many aliases', ALIASES, {}, 'TOO_MANY_ALIASES'],
  ['a query whose cost comes from page sizes in variables', COSTLY, { n: 100 }, 'QUERY_TOO_COSTLY'],
])(
  'asCreatorA: %s is refused with a 400 over HTTP, and the same code over WebSocket',
  async (_name, query, variables, code) => {
    const http = await server.gql(query, variables, { token: server.tokenFor(tenants.creatorA) });
    expect(http.status).toBe(400);
    expect(http.body.data).toBeUndefined();
    expect(http.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(await overWebSocket(query, variables)).toContain(`"code":"${code}"`);
  },
);

test('asCreatorA: the same expensive shape with small pages runs, and the server stays up', async () => {
  const http = await server.gql(COSTLY, { n: 3 }, { token: server.tokenFor(tenants.creatorA) });
  expect(http.status).toBe(200);
  expect(http.body.errors).toBeUndefined();
  expect(await overWebSocket(COSTLY, { n: 3 })).toContain('"users"');
});

describe('attack inputs', () => {
  const token = () => server.tokenFor(tenants.creatorA);
  // Each fragment spreads the next twice: 2^40 fields if expanded naively.
  const BOMB = `query Bomb { ...F0 }\n${Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { me { id } ...F${i + 1} ...F${i + 1} }`).join('\n')}\nfragment F40 on Query { me { programs(first: 100) { nodes { id } } } }`;

  test('a fragment bomb is measured in linear time and refused, and the server stays up', async () => {
    const started = Date.now();
    const response = await server.gql(BOMB, {}, { token: token() });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(response.status).toBe(400);
    expect(['QUERY_TOO_DEEP', 'QUERY_TOO_COSTLY']).toContain(response.body.errors?.[0]?.extensions?.code);
    expect((await server.gql(`{ me { id } }`, {}, { token: token() })).status).toBe(200);
  });

  test('a fragment cycle is a validation error (400), over HTTP and WebSocket', async () => {
    const cycle = `query { ...A } fragment A on Query { me { id } ...B } fragment B on Query { ...A }`;
    const response = await server.gql(cycle, {}, { token: token() });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await overWebSocket(cycle)).toMatch(/Cannot spread fragment/);
  });

  test('a syntax error is a 400 GRAPHQL_PARSE_FAILED, never a 500', async () => {
    const response = await server.gql(`{ me { id `, {}, { token: token() });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  test('a document with too many tokens stops the parser: 400 GRAPHQL_PARSE_FAILED', async () => {
    const long = `{ me { ${'id '.repeat(6_000)} } }`;
    const response = await server.gql(long, {}, { token: token() });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(response.body.errors?.[0]?.message).toMatch(/tokens/);
    expect(await overWebSocket(long)).toMatch(/tokens/);
  });

  test('too many directives is a 400 TOO_MANY_DIRECTIVES', async () => {
    const query = `{ me { ${Array.from({ length: 25 }, (_, i) => `f${i}: id @skip(if: false)`).join(' ')} } }`;
    const response = await server.gql(query, {}, { token: token() });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_DIRECTIVES');
  });

  test('JSON-array batching is off; a body over 1 MiB is 413 PAYLOAD_TOO_LARGE; a GET without a preflight header is refused (CSRF)', async () => {
    const batch = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
      body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]),
    });
    expect(batch.status).toBe(400);
    const big = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename } # ${'x'.repeat(1_100_000)}` }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    const csrf = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(csrf.status).toBe(400);
    expect(await csrf.text()).toMatch(/CSRF/);
  });

  test('in production: no introspection, and no field suggestions in errors (HTTP and WebSocket)', async () => {
    const production = await startTestServer(db, {
      NODE_ENV: 'production',
      DATABASE_URL: db.appUrl,
      DATABASE_OWNER_URL: db.ownerUrl,
      SEED_ON_START: 'false',
      LOG_LEVEL: 'silent',
    });
    try {
      const intro = await production.gql(
        `{ __schema { types { name } } }`,
        {},
        { token: production.tokenFor(tenants.creatorA) },
      );
      expect(intro.status).toBe(400);
      expect(JSON.stringify(intro.body)).toMatch(/introspection/i);
      const typo = await production.gql(`{ me { emial } }`, {}, { token: production.tokenFor(tenants.creatorA) });
      expect(typo.status).toBe(400);
      expect(JSON.stringify(typo.body)).not.toMatch(/Did you mean/);
      const dev = await server.gql(`{ me { emial } }`, {}, { token: token() });
      expect(JSON.stringify(dev.body)).toMatch(/Did you mean/);
      const client = createClient({
        url: production.url.replace('http://', 'ws://'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${production.tokenFor(tenants.creatorA)}` },
        retryAttempts: 0,
      });
      try {
        const viaSocket = await new Promise<string>((resolve) =>
          client.subscribe(
            { query: `subscription { badgeAwardd { id } }` },
            { next: () => undefined, error: (e) => resolve(JSON.stringify(e)), complete: () => resolve('') },
          ),
        );
        expect(viaSocket).toMatch(/badgeAwardd/);
        expect(viaSocket).not.toMatch(/Did you mean/);
      } finally {
        await client.dispose();
      }
    } finally {
      await production.stop();
    }
  });
});

describe('time limits', () => {
  test('a request past its resolver budget stops starting work: REQUEST_TIMEOUT, not a hang or a 500', async () => {
    const tight = await startTestServer(db, { RESOLVER_BUDGET_MS: '1' });
    try {
      const response = await tight.gql(
        `{ users(first: 50) { nodes { enrollments(first: 10) { nodes { program { name } } } } } }`,
        {},
        { token: tight.tokenFor(tenants.creatorA) },
      );
      expect(response.status).toBe(200);
      const codes = new Set((response.body.errors ?? []).map((e) => e.extensions?.code));
      expect([...codes]).toEqual(['REQUEST_TIMEOUT']);
    } finally {
      await tight.stop();
    }
  });

  test('statements of a request are cancelled past STATEMENT_TIMEOUT_MS (set with the tenant, per transaction)', async () => {
    const quick = await startTestServer(db, { STATEMENT_TIMEOUT_MS: '300' });
    try {
      const client = tenantClient(quick.app.db.app, tenants.creatorA);
      expect(await client.$queryRaw`SELECT current_setting('statement_timeout') AS t`).toEqual([{ t: '300ms' }]);
      const started = Date.now();
      await expect(client.$queryRaw`SELECT pg_sleep(2)`).rejects.toThrow(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await quick.stop();
    }
  });
});

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

describe('no response exceeds MAX_RESPONSE_BYTES', () => {
  const MAX = 4096;
  let small: TestServer;
  let userId: string;
  let otherId: string;
  beforeAll(async () => {
    small = await startTestServer(db, { MAX_RESPONSE_BYTES: String(MAX) });
    const rows = await tenantClient(server.app.db.app, tenants.creatorA).user.findMany({
      select: { id: true },
      take: 2,
      orderBy: { id: 'asc' },
    });
    userId = rows[0]!.id;
    otherId = rows[1]!.id;
    // A user whose preferences alone are twice the bound (written as the owner would; the API caps input at 64 KiB).
    const owner = await connect(db.ownerUrl);
    try {
      await owner.query(
        `UPDATE users SET preferences = jsonb_build_object('notes', repeat('x', $2::int)) WHERE id = $1`,
        [userId, 2 * MAX],
      );
      await owner.query(
        `UPDATE users SET preferences = jsonb_build_object('quotes', repeat('"', $2::int)) WHERE id = $1`,
        [otherId, Math.floor(MAX * 0.75)],
      );
    } finally {
      await owner.end();
    }
  });
  afterAll(async () => {
    await small?.stop();
  });
  const gidOf = (id: string) => Buffer.from(`User:${id}`).toString('base64');
  const BIG = () => `{ node(id: "${gidOf(userId)}") { id ... on User { preferences } } }`;
  const SMALL = () => `{ node(id: "${gidOf(userId)}") { id } }`;

  test('asCreatorA over HTTP: an answer over the bound is refused with 400 RESPONSE_TOO_LARGE, whose own body is small; a small answer passes', async () => {
    const response = await fetch(small.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${small.tokenFor(tenants.creatorA)}` },
      body: JSON.stringify({ query: BIG() }),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(Buffer.byteLength(text)).toBeLessThan(MAX);
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const body = JSON.parse(text) as { data?: unknown; errors: { extensions: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions).toEqual(
      expect.objectContaining({ code: 'RESPONSE_TOO_LARGE', maxBytes: MAX, requestId: expect.any(String) }),
    );
    expect(text).not.toContain('xxxxxxxx');
    const ok = await small.gql(SMALL(), {}, { token: small.tokenFor(tenants.creatorA) });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
    // An answer whose size only shows once serialized (each quote is escaped: twice its length) is refused too.
    const escaped = `{ node(id: "${gidOf(otherId)}") { id ... on User { preferences } } }`;
    const nearBound = await small.gql(escaped, {}, { token: small.tokenFor(tenants.creatorA) });
    expect(nearBound.status).toBe(400);
    expect(nearBound.body.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'RESPONSE_TOO_LARGE', requestId: expect.any(String) }),
    );
    expect(await overWebSocket(escaped, {}, small)).toContain('"code":"RESPONSE_TOO_LARGE"');
    // The same answer under the default bound (16 MiB) is sent whole.
    const whole = await server.gql<{ node: { preferences: { notes: string } } }>(
      BIG(),
      {},
      { token: server.tokenFor(tenants.creatorA) },
    );
    expect(whole.body.data?.node.preferences.notes).toHaveLength(2 * MAX);
  });

  test('asCreatorA over WebSocket: the event over the bound is replaced by RESPONSE_TOO_LARGE; a small one passes', async () => {
    const seen = await overWebSocket(BIG(), {}, small);
    expect(seen).toContain('"code":"RESPONSE_TOO_LARGE"');
    expect(seen).not.toContain('xxxxxxxx');
    expect(Buffer.byteLength(seen)).toBeLessThan(MAX);
    const ok = await overWebSocket(SMALL(), {}, small);
    expect(ok).not.toContain('RESPONSE_TOO_LARGE');
    expect(ok).toContain(gidOf(userId));
  });
});
