// Who may read /metrics, and what its operation labels may say.
// - In production, anonymous clients on the API port never get it: with METRICS_TOKEN it needs
//   `Authorization: Bearer <token>` (401 with WWW-Authenticate otherwise); with METRICS_PORT it is
//   served on that listener alone (and closed with the app); with neither it is 404. Outside
//   production with neither set it stays open (development convenience).
// - The `operation` label is a known operation's name (the partner manifest, the first-party
//   documents under operations/) or a fixed label, never a name a client made up: a tenant
//   sending 1,000 random names neither fills the label set nor shows its names to whoever scrapes.
import crypto from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { print } from 'graphql';
import { MeDocument } from '../../src/generated/graphql/graphql';
import type { Json } from '../helpers/api';
import type { TestDatabase } from '../helpers/database';
import type { TwoTenants } from '../helpers/fixtures';
import { useDatabase } from '../helpers/harness';
import { callAsPartner } from '../helpers/partner';
import { startTestServer, type TestServer } from '../helpers/server';

const TOKEN = 'metrics-token-that-is-at-least-32-bytes-long';
const PRODUCTION = { NODE_ENV: 'production', JOBS_ENABLED: 'false', LOG_LEVEL: 'silent' };

// One database for the file; each test starts the servers it needs on it.
const database = useDatabase();
let db: TestDatabase;
let tenants: TwoTenants;
beforeAll(() => {
  ({ db, tenants } = database);
});

/** A server for one test, stopped after it. */
async function withServer(env: Record<string, string>, fn: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer(db, env);
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

const metricsUrl = (server: TestServer) => server.url.replace('/graphql', '/metrics');
const scrape = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

describe('anonymous, in production', () => {
  test('with neither METRICS_TOKEN nor METRICS_PORT, /metrics on the API port is 404 (the probes still answer)', async () => {
    await withServer(PRODUCTION, async (server) => {
      const response = await scrape(metricsUrl(server));
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('creatorgraph_');
      expect((await fetch(server.url.replace('/graphql', '/healthz'))).status).toBe(200);
    });
  });

  test('with METRICS_TOKEN, /metrics needs that bearer token: 401 with WWW-Authenticate for anything else', async () => {
    await withServer({ ...PRODUCTION, METRICS_TOKEN: TOKEN }, async (server) => {
      const url = metricsUrl(server);
      const wrong: Record<string, string>[] = [
        {},
        { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: TOKEN },
        { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
        { authorization: `Bearer ${server.tokenFor(tenants.creatorA, 'admin')}` },
      ];
      for (const headers of wrong) {
        const response = await scrape(url, headers);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="metrics"/);
        expect(await response.text()).not.toContain('creatorgraph_');
      }
      const ok = await scrape(url, { authorization: `Bearer ${TOKEN}` });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('creatorgraph_graphql_requests_total');
    });
  });

  test('with METRICS_PORT, /metrics is served on that listener only, and the listener closes with the app', async () => {
    const server = await startTestServer(db, { ...PRODUCTION, METRICS_PORT: '0' });
    let stopped = false;
    try {
      expect((await scrape(metricsUrl(server))).status).toBe(404);
      const port = server.app.metricsPort!;
      expect(port).toEqual(expect.any(Number));
      expect(port).not.toBe(server.app.port);
      const ok = await scrape(`http://127.0.0.1:${port}/metrics`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await ok.text()).toContain('creatorgraph_graphql_requests_total');
      // Nothing else is served there.
      expect((await scrape(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
      await server.stop();
      stopped = true;
      await expect(scrape(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
    } finally {
      if (!stopped) await server.stop();
    }
  });

  test('with METRICS_PORT and METRICS_TOKEN, the metrics listener needs the token too', async () => {
    await withServer({ ...PRODUCTION, METRICS_PORT: '0', METRICS_TOKEN: TOKEN }, async (server) => {
      const url = `http://127.0.0.1:${server.app.metricsPort}/metrics`;
      expect((await scrape(url)).status).toBe(401);
      expect((await scrape(url, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      // And on the API port, with the token.
      expect((await scrape(metricsUrl(server), { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    });
  });
});

test('anonymous, outside production with neither set: /metrics stays open on the API port', async () => {
  await withServer({ LOG_LEVEL: 'silent' }, async (server) => {
    expect((await scrape(metricsUrl(server))).status).toBe(200);
  });
});

describe('operation labels', () => {
  const labels = (text: string) =>
    new Set([...text.matchAll(/creatorgraph_graphql_requests_total\{operation="([^"]*)"/g)].map((m) => m[1]!));

  test('asCreatorA sends 1,000 made-up operation names over HTTP and a WebSocket: none is a label, and the label set stays bounded; known operations keep their names', async () => {
    await withServer({ LOG_LEVEL: 'silent', RATE_LIMITS: 'off' }, async (server) => {
      const token = server.tokenFor(tenants.creatorA);
      const names = Array.from({ length: 1000 }, () => `Secret_${crypto.randomBytes(6).toString('hex')}`);
      for (let i = 0; i < names.length; i += 10) {
        await Promise.all(
          names.slice(i, i + 10).map((name) => server.gql(`query ${name} { __typename }`, {}, { token })),
        );
      }
      await server.gql(`{ __typename }`, {}, { token });
      // Over a WebSocket too.
      const client = createClient({
        url: server.url.replace('http', 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
      });
      try {
        for (const name of names.slice(0, 20)) {
          await new Promise<void>((resolve, reject) =>
            client.subscribe(
              { query: `query ${name}Ws { __typename }` },
              { next: () => undefined, error: reject, complete: resolve },
            ),
          );
        }
      } finally {
        await client.dispose();
      }
      // Known names: a first-party document (by its name, whatever the client sends under it) and a partner operation.
      expect((await server.gql(print(MeDocument), {}, { token })).status).toBe(200);
      const key = await server.gql<Json>(
        `mutation { createApiKey(input: { name: "labels", scopes: [READ] }) { ... on CreateApiKeySuccess { data { secret } } } }`,
        {},
        { token },
      );
      expect((await callAsPartner(server.url, key.body.data!.createApiKey.data.secret, 'PartnerPrograms')).status).toBe(
        200,
      );

      const text = await (await scrape(metricsUrl(server))).text();
      expect(text).not.toContain('Secret_');
      const seen = labels(text);
      expect(seen).toEqual(new Set(['other', 'anonymous', 'Me', 'PartnerPrograms']));
      expect(text).toMatch(/creatorgraph_graphql_requests_total\{operation="other",outcome="ok"\} 1020/);
    });
  });
});
