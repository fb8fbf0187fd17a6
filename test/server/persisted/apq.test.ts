// First-party clients keep automatic persisted queries (APQ): Apollo Client's persisted-query
// link against the real server, as creator A; a wrong hash is a 400; an anonymous client cannot
// fill the store; and with REDIS_URL a query registered on one instance is found on another.
import crypto from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import type { TwoTenants } from '../../helpers/fixtures';
import { useDatabase, useServer } from '../../helpers/harness';
import { describeWithRedis, useTwoInstancesSharingRedis, type RedisServer } from '../../helpers/redis';
import type { TestServer } from '../../helpers/server';

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** A raw POST of a GraphQL body (APQ fields included). */
async function post(server: TestServer, body: object, token?: string) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
  };
}
const persisted = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

interface Sent {
  method: string;
  hasQuery: boolean;
  hash?: string;
}

/** Apollo Client with the persisted-query link, recording what goes over the wire. */
function apolloClient(server: TestServer, token: string | undefined, sent: Sent[], useGET = false) {
  const recordingFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const body = init?.body
      ? (JSON.parse(String(init.body)) as { query?: string; extensions?: { persistedQuery?: { sha256Hash: string } } })
      : undefined;
    const extensions =
      body?.extensions ??
      (url.searchParams.get('extensions') ? JSON.parse(url.searchParams.get('extensions')!) : undefined);
    sent.push({
      method: init?.method ?? 'GET',
      hasQuery: Boolean(body?.query ?? url.searchParams.get('query')),
      hash: extensions?.persistedQuery?.sha256Hash,
    });
    return fetch(input, init);
  };
  const headers: Record<string, string> = {
    'apollo-require-preflight': 'true',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: useGET }).concat(
    new HttpLink({ uri: server.url, fetch: recordingFetch, headers }),
  );
  return new ApolloClient({ link, cache: new InMemoryCache(), defaultOptions: { query: { fetchPolicy: 'no-cache' } } });
}

const programsQuery = (name: string) => gql`
  query ${name}($first: Int) {
    programs(first: $first) {
      totalCount
      nodes {
        id
        name
      }
    }
  }
`;
const PROGRAMS = programsQuery('ApqPrograms');

// One database for the file; each describe starts the servers it needs on it.
const database = useDatabase();
let tenants: TwoTenants;
beforeAll(() => {
  ({ tenants } = database);
});

describe('asCreatorA with Apollo Client and its persisted-query link', () => {
  const api = useServer(database);
  let server: TestServer;
  beforeAll(() => ({ server } = api));

  test.each([
    ['POST', false],
    ['GET', true],
  ])('the first call registers the query, later calls send only its hash (%s)', async (_label, useGET) => {
    const token = server.tokenFor(tenants.creatorA);
    const first: Sent[] = [];
    const variables = { first: 2 };
    const query = programsQuery(useGET ? 'ApqProgramsGet' : 'ApqProgramsPost');
    const result = await apolloClient(server, token, first, useGET).query<{ programs: { nodes: unknown[] } }>({
      query,
      variables,
    });
    expect(result.data?.programs.nodes.length).toBe(variables.first);
    // Hash only, refused as unknown; then the query with its hash, which registers it.
    expect(first.map((s) => s.hasQuery)).toEqual([false, true]);
    const hash = first[0]!.hash!;
    expect(first[1]!.hash).toBe(hash);

    // A new client (another browser tab, say): the hash alone is enough now.
    const second: Sent[] = [];
    const again = await apolloClient(server, token, second, useGET).query({ query, variables });
    expect(second).toEqual([{ method: useGET ? 'GET' : 'POST', hasQuery: false, hash }]);
    expect(again.data).toEqual(result.data);
  });

  test("the hash does not cross tenants: creator B's client gets its own data by the same hash", async () => {
    const sent: Sent[] = [];
    await apolloClient(server, server.tokenFor(tenants.creatorA), []).query({
      query: PROGRAMS,
      variables: { first: 100 },
    });
    const result = await apolloClient(server, server.tokenFor(tenants.creatorB), sent).query<{
      programs: { nodes: { id: string }[] };
    }>({ query: PROGRAMS, variables: { first: 100 } });
    expect(sent.map((s) => s.hasQuery)).toEqual([false]);
    const owner = database.owner;
    const ids = result.data!.programs.nodes.map(
      (n: { id: string }) => Buffer.from(n.id, 'base64').toString().split(':')[1],
    );
    const owners = await owner.query(`SELECT DISTINCT creator_id FROM programs WHERE id = ANY($1::uuid[])`, [ids]);
    expect(owners.rows).toEqual([{ creator_id: tenants.creatorB }]);
  });

  test('a hash that does not match the query is a 400, and nothing is stored', async () => {
    const query = '{ __typename }';
    const wrong = sha256('{ something else }');
    const token = server.tokenFor(tenants.creatorA);
    const response = await post(server, { query, ...persisted(wrong) }, token);
    expect(response.status).toBe(400);
    expect(response.body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_HASH_MISMATCH');
    expect(response.body.errors![0]!.message).toMatch(/sha/i);
    const lookup = await post(server, persisted(wrong), token);
    expect(lookup.body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('asAnonymous runs a query sent with its hash, but does not register it', async () => {
    const query = '{ health { status } }';
    const hash = sha256(query);
    const registered = await post(server, { query, ...persisted(hash) });
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data).toEqual({ health: { status: expect.any(String) } });
    const byHash = await post(server, persisted(hash));
    expect(byHash.body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // An empty Authorization header is anonymous too.
    const blank = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: '  ' },
      body: JSON.stringify({ query, ...persisted(hash) }),
    });
    expect(blank.status).toBe(200);
    expect((await post(server, persisted(hash))).body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // A long text runs, but is not stored, even for a signed-in client.
    const long = `{ health { status } }${' '.repeat(40 * 1024)}`;
    const token = server.tokenFor(tenants.creatorA);
    expect((await post(server, { query: long, ...persisted(sha256(long)) }, token)).body.errors).toBeUndefined();
    expect((await post(server, persisted(sha256(long)), token)).body.errors![0]!.extensions!.code).toBe(
      'PERSISTED_QUERY_NOT_FOUND',
    );
    // A signed-in client may register the same text; then anyone may use the hash.
    await post(server, { query, ...persisted(hash) }, server.tokenFor(tenants.creatorA));
    const later = await post(server, persisted(hash));
    expect(later.body.errors).toBeUndefined();
    expect(later.body.data).toEqual(registered.body.data);
  });
});

describeWithRedis('with REDIS_URL, instances share registered queries', () => {
  const shared = useTwoInstancesSharingRedis(database);
  let redis: RedisServer;
  let one: TestServer;
  let two: TestServer;
  beforeAll(() => ({ redis, one, two } = shared));

  test('asCreatorA registers on one instance and calls by hash on the other', async () => {
    const token = one.tokenFor(tenants.creatorA);
    const sentOne: Sent[] = [];
    const viaOne = await apolloClient(one, token, sentOne).query({ query: PROGRAMS, variables: { first: 4 } });
    expect(sentOne.map((s) => s.hasQuery)).toEqual([false, true]);
    const sentTwo: Sent[] = [];
    const viaTwo = await apolloClient(two, token, sentTwo).query({ query: PROGRAMS, variables: { first: 4 } });
    expect(sentTwo.map((s) => s.hasQuery)).toEqual([false]);
    expect(viaTwo.data).toEqual(viaOne.data);
  });

  test('while Redis is down, requests still work (each instance keeps its own copy)', async () => {
    await redis.stop();
    const token = two.tokenFor(tenants.creatorA);
    const query = gql`
      query ApqWhileRedisDown {
        programs(first: 1) {
          totalCount
        }
      }
    `;
    const sent: Sent[] = [];
    const result = await apolloClient(two, token, sent).query<{ programs: { totalCount: number } }>({ query });
    expect(result.data?.programs.totalCount).toEqual(expect.any(Number));
    const again: Sent[] = [];
    await apolloClient(two, token, again).query({ query });
    expect(again.map((s) => s.hasQuery)).toEqual([false]);
  });
});
