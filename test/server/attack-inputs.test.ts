// Attack inputs over HTTP and WebSocket are refused cheaply with a typed 4xx, and the server stays up:
// fragment bombs and cycles, syntax errors, token and directive floods, batching, oversized bodies,
// CSRF, and introspection in production.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
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
