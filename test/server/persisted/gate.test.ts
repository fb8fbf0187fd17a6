// Persisted-query mistakes are the client's, and get a typed 400 naming the problem, never
// INTERNAL_SERVER_ERROR: an APQ hash that is not the query's SHA-256, a persistedQuery extension
// of another version, without a hash, or with a hash that is not 64 hex characters. For creators
// (Apollo's automatic persisted queries) and partners (the manifest), over POST and GET. Nothing
// is stored under a wrong hash, and a partner's malformed call runs nothing. The normal APQ miss
// stays PERSISTED_QUERY_NOT_FOUND, which Apollo Client's persisted-query link retries with the text.
import crypto from 'node:crypto';
import { useApiHarness, ERRORS, type Json } from '../../helpers/api';
import { callAsPartner, operation } from '../../helpers/partner';

const api = useApiHarness({ env: { LOG_LEVEL: 'silent' } });
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
const METHODS = ['POST', 'GET'] as const;
type Method = (typeof METHODS)[number];

interface Answer {
  status: number;
  body: Json;
}

/** A first-party request, its fields as a POST body or as GET search parameters. */
async function send(method: Method, params: Json, token?: string): Promise<Answer> {
  const headers: Record<string, string> = {
    accept: 'application/graphql-response+json, application/json',
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
  let response: Response;
  if (method === 'GET') {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) search.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    // GET needs a preflight-forcing header (CSRF prevention); Apollo Client sends this one.
    response = await fetch(`${api.server.url}?${search}`, {
      headers: { ...headers, 'apollo-require-preflight': 'true' },
    });
  } else {
    response = await fetch(api.server.url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
  }
  return { status: response.status, body: (await response.json()) as Json };
}

function expectRefused(answer: Answer, code: string, message: RegExp) {
  expect({
    status: answer.status,
    code: answer.body.errors?.[0]?.extensions?.code,
    data: answer.body.data ?? null,
  }).toEqual({ status: 400, code, data: null });
  expect(answer.body.errors).toHaveLength(1);
  expect(answer.body.errors[0].message).toMatch(message);
}

const pq = (persistedQuery: unknown) => ({ extensions: { persistedQuery } });
const CREATE_PROGRAM = (name: string) =>
  `mutation { createProgram(input: { name: "${name}" }) { __typename ${ERRORS} } }`;

describe.each(METHODS)('asCreatorA over %s', (method) => {
  test('a hash that is not the SHA-256 of the query is PERSISTED_QUERY_HASH_MISMATCH, and nothing is stored or run', async () => {
    // GET cannot run a mutation, so the text is a query there; POST's would write a program.
    const text = method === 'POST' ? CREATE_PROGRAM(`mismatch-${method}`) : `query Mismatch${method} { me { email } }`;
    const wrong = sha256(`${text} `);
    const programs = await api.count('programs');
    expectRefused(
      await send(method, { query: text, ...pq({ version: 1, sha256Hash: wrong }) }, api.asCreatorA()),
      'PERSISTED_QUERY_HASH_MISMATCH',
      /sha256Hash.*SHA-256/,
    );
    expect(await api.count('programs')).toBe(programs);
    // Neither the wrong hash nor the text's own was registered.
    for (const hash of [wrong, sha256(text)]) {
      const lookup = await send(method, pq({ version: 1, sha256Hash: hash }), api.asCreatorA());
      expect(lookup.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
  });

  test.each([
    ['version 2', { version: 2, sha256Hash: sha256('{ __typename }') }, /version must be 1/],
    ['a version that is not a number', { version: '1', sha256Hash: sha256('{ __typename }') }, /version must be 1/],
    ['no version', { sha256Hash: sha256('{ __typename }') }, /version must be 1/],
    ['no hash', { version: 1 }, /sha256Hash must be .*64 hexadecimal/],
    ['a hash that is a number', { version: 1, sha256Hash: 5 }, /sha256Hash must be .*64 hexadecimal/],
    ['a hash of the wrong length', { version: 1, sha256Hash: 'abc123' }, /sha256Hash must be .*64 hexadecimal/],
    ['a hash that is not hex', { version: 1, sha256Hash: 'z'.repeat(64) }, /sha256Hash must be .*64 hexadecimal/],
    ['a persistedQuery that is not an object', 'yes', /persistedQuery must be an object/],
    ['a persistedQuery that is a list', [1], /persistedQuery must be an object/],
  ])('%s is BAD_REQUEST naming it, with the query text or without', async (_label, persistedQuery, message) => {
    for (const withText of [true, false]) {
      expectRefused(
        await send(
          method,
          { ...(withText ? { query: '{ __typename }' } : {}), ...pq(persistedQuery) },
          api.asCreatorA(),
        ),
        'BAD_REQUEST',
        message,
      );
    }
    // Anonymous clients get the same answer.
    expectRefused(await send(method, { query: '{ __typename }', ...pq(persistedQuery) }), 'BAD_REQUEST', message);
  });

  test('the normal APQ exchange still works: a miss is PERSISTED_QUERY_NOT_FOUND, then text and hash register, then the hash alone runs', async () => {
    const text = `query ApqStillWorks${method} { me { email } }`;
    const hash = sha256(text);
    const miss = await send(method, pq({ version: 1, sha256Hash: hash }), api.asCreatorA());
    expect(miss.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await send(method, { query: text, ...pq({ version: 1, sha256Hash: hash }) }, api.asCreatorA());
    expect(registered).toEqual({ status: 200, body: { data: { me: { email: 'ada@demo.creatorgraph.dev' } } } });
    expect(await send(method, pq({ version: 1, sha256Hash: hash }), api.asCreatorA())).toEqual(registered);
  });
  test('a hash in upper-case hex is the same hash: it registers, and the lower-case form finds it', async () => {
    const text = `query ApqUpperCase${method} { me { email } }`;
    const hash = sha256(text);
    const registered = await send(
      method,
      { query: text, ...pq({ version: 1, sha256Hash: hash.toUpperCase() }) },
      api.asCreatorA(),
    );
    expect(registered).toEqual({ status: 200, body: { data: { me: { email: 'ada@demo.creatorgraph.dev' } } } });
    expect(await send(method, pq({ version: 1, sha256Hash: hash }), api.asCreatorA())).toEqual(registered);
    expect(await send(method, pq({ version: 1, sha256Hash: hash.toUpperCase() }), api.asCreatorA())).toEqual(
      registered,
    );
  });
});

describe.each(METHODS)('asPartner over %s', (method) => {
  let secret: string;
  beforeAll(async () => {
    const created = await api.mutate(
      'asCreatorA',
      `mutation { createApiKey(input: { name: "mistakes ${method}", scopes: [READ, WRITE] }) { __typename ... on CreateApiKeySuccess { data { secret } } } }`,
      'createApiKey',
      {},
    );
    secret = created.data.secret;
  });
  const upsert = operation('PartnerUpsertUser');
  const variables = { input: { channel: 'WEB', externalId: `mistake-${method}` } };
  const call = (extra: Json) => callAsPartner(api.server.url, secret, undefined, variables, { method, extra });

  test.each([
    ['version 2', { version: 2, sha256Hash: upsert.hash }, /version must be 1/],
    ['a version that is not a number', { version: '1', sha256Hash: upsert.hash }, /version must be 1/],
    ['no hash', { version: 1 }, /sha256Hash must be .*64 hexadecimal/],
    [
      'a hash of the wrong length',
      { version: 1, sha256Hash: upsert.hash.slice(1) },
      /sha256Hash must be .*64 hexadecimal/,
    ],
    ['a persistedQuery that is not an object', 'yes', /persistedQuery must be an object/],
  ])('%s is BAD_REQUEST naming it, and the operation does not run', async (_label, persistedQuery, message) => {
    const users = await api.count('users');
    // GET cannot run a mutation anyway; the refusal comes first either way.
    expectRefused(await call(pq(persistedQuery)), 'BAD_REQUEST', message);
    expect(await api.count('users')).toBe(users);
  });

  test('a documentId that is not a SHA-256 is BAD_REQUEST; an unknown one stays PERSISTED_QUERY_NOT_FOUND', async () => {
    expectRefused(await call({ documentId: 'not-a-hash' }), 'BAD_REQUEST', /documentId must be .*64 hexadecimal/);
    expectRefused(await call({ documentId: 'e'.repeat(64) }), 'PERSISTED_QUERY_NOT_FOUND', /No partner operation/);
  });

  test("an operationName that is not a string (or not the operation's) is BAD_REQUEST", async () => {
    const users = await api.count('users');
    const answer = await callAsPartner(api.server.url, secret, 'PartnerUpsertUser', variables, {
      method,
      extra: { operationName: 5 },
    });
    // Over GET every parameter is a string: "5" is not the operation's name.
    expectRefused(answer, 'BAD_REQUEST', method === 'POST' ? /operationName must be a string/ : /does not match/);
    expect(await api.count('users')).toBe(users);
  });
});
