// CORS_ORIGINS over real HTTP and WebSocket handshakes: an allowed origin's preflight names every
// header clients send, with a max-age; a refused origin gets no CORS header at all, and its socket
// is refused before the handshake. CSRF prevention is unchanged: a request a browser could send
// without a preflight still does nothing, whatever its origin. (cors.browser.test.ts runs the
// same rules in a real Chromium.)
import http from 'node:http';
import WebSocket from 'ws';
import { useApiHarness, type Json } from '../helpers/api';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/config/parse';
import { createCors, ALLOWED_HEADERS, MAX_AGE_SECONDS } from '../../src/server/cors';

const ALLOWED = 'https://admin.example.com';
const ALSO_ALLOWED = 'http://localhost:5173';
const REFUSED = 'https://evil.example.net';
const api = useApiHarness({ env: { CORS_ORIGINS: `${ALLOWED}, ${ALSO_ALLOWED}` } });

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request: fetch would not let a test set Origin or send OPTIONS as a browser does. */
function request(method: string, headers: Record<string, string>, body?: string, path = '/graphql'): Promise<Answer> {
  const url = new URL(api.server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const preflight = (origin: string, requestHeaders = 'authorization, content-type') =>
  request('OPTIONS', {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': requestHeaders,
  });
const corsHeaders = (headers: http.IncomingHttpHeaders) =>
  Object.keys(headers).filter((h) => h.startsWith('access-control-'));
const RECORD = `mutation($input: RecordEngagementMetricInput!) { recordEngagementMetric(input: $input) { __typename } }`;
const metricsOfA = (type: string) =>
  api.count(`engagement_metrics WHERE creator_id = $1 AND metric_type = $2`, [api.tenants.creatorA, type]);

describe('a page on an allowed origin', () => {
  test('its preflight is allowed with every header clients send and a max-age', async () => {
    const answer = await preflight(
      ALLOWED,
      'authorization, content-type, x-api-key, apollo-require-preflight, x-apollo-operation-name, x-request-id',
    );
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(answer.headers['access-control-allow-methods']).toBe('GET, POST, OPTIONS');
    const allowed = answer.headers['access-control-allow-headers']!.split(', ');
    for (const header of [
      'authorization',
      'content-type',
      'x-api-key',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'apollographql-client-name',
      'x-request-id',
      'x-act-as-creator',
      'x-admin-reason',
    ]) {
      expect(allowed).toContain(header);
    }
    expect(answer.headers['access-control-max-age']).toBe(String(MAX_AGE_SECONDS));
    expect(answer.headers.vary).toMatch(/Origin/);
    // Cookies are never the credential here.
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
  });

  test('a second listed origin is allowed too, and Private Network Access is answered', async () => {
    const answer = await request('OPTIONS', {
      origin: ALSO_ALLOWED,
      'access-control-request-method': 'POST',
      'access-control-request-private-network': 'true',
    });
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(ALSO_ALLOWED);
    expect(answer.headers['access-control-allow-private-network']).toBe('true');
  });

  test('asCreatorA: its POST is answered with the origin allowed and Retry-After and the request id readable', async () => {
    const type = `cors.allowed.${Date.now()}`;
    const answer = await request(
      'POST',
      {
        origin: ALLOWED,
        'content-type': 'application/json',
        authorization: `Bearer ${api.server.tokenFor(api.tenants.creatorA)}`,
      },
      JSON.stringify({ query: RECORD, variables: { input: { metricType: type, date: '2026-12-01', value: 1 } } }),
    );
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as Json).data.recordEngagementMetric.__typename).toBe(
      'RecordEngagementMetricSuccess',
    );
    expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(answer.headers['access-control-expose-headers']).toBe('retry-after, x-request-id');
    // Apollo's own Vary survives next to the router's.
    expect(answer.headers.vary).toMatch(/Origin/);
    expect(await metricsOfA(type)).toBe(1);
  });

  test('its refusals carry the CORS headers, so the page can read them (a 404 here)', async () => {
    const answer = await request('GET', { origin: ALLOWED }, undefined, '/nowhere');
    expect(answer.status).toBe(404);
    expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
  });
});

describe('a page on a refused origin', () => {
  test('its preflight gets 403 and no CORS header at all', async () => {
    const answer = await preflight(REFUSED);
    expect(answer.status).toBe(403);
    expect(corsHeaders(answer.headers)).toEqual([]);
    expect((JSON.parse(answer.body) as Json).errors[0].extensions.code).toBe('CORS_ORIGIN_REFUSED');
  });

  test('an origin differing only in scheme or port is refused', async () => {
    for (const origin of [
      'http://admin.example.com',
      'https://admin.example.com:8443',
      'http://localhost:5174',
      'null',
    ]) {
      const answer = await preflight(origin);
      expect(corsHeaders(answer.headers)).toEqual([]);
    }
  });

  test('asCreatorA (a stolen token on a refused page): a POST carries no CORS header, so the browser hides the answer', async () => {
    const answer = await request(
      'POST',
      {
        origin: REFUSED,
        'content-type': 'application/json',
        authorization: `Bearer ${api.server.tokenFor(api.tenants.creatorA)}`,
      },
      JSON.stringify({ query: '{ __typename }' }),
    );
    expect(corsHeaders(answer.headers)).toEqual([]);
  });

  test('CSRF prevention is unchanged: a request needing no preflight does nothing, from any origin', async () => {
    const type = `cors.csrf.${Date.now()}`;
    const query = encodeURIComponent(
      `mutation { recordEngagementMetric(input: { metricType: "${type}", date: "2026-12-01", value: 1 }) { __typename } }`,
    );
    for (const origin of [REFUSED, ALLOWED]) {
      const form = await request(
        'POST',
        { origin, 'content-type': 'text/plain' },
        JSON.stringify({ query: decodeURIComponent(query) }),
      );
      expect(form.status).toBe(400);
      const get = await request('GET', { origin }, undefined, `/graphql?query=${query}`);
      expect(get.status).toBe(400);
    }
    expect(await metricsOfA(type)).toBe(0);
  });
});

describe('OPTIONS that is not a preflight', () => {
  test('anonymous: 204 with Allow, no CORS headers', async () => {
    const answer = await request('OPTIONS', {});
    expect(answer.status).toBe(204);
    expect(answer.headers.allow).toBe('GET, POST, OPTIONS');
    expect(corsHeaders(answer.headers)).toEqual([]);
  });
});

describe('WebSocket handshakes', () => {
  /** Resolves with the HTTP status of a refused handshake, or 101 when it opened. */
  function handshake(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(api.server.url.replace('http', 'ws'), 'graphql-transport-ws', { headers });
      socket.on('open', () => {
        socket.close();
        resolve(101);
      });
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      socket.on('error', reject);
    });
  }

  test('an allowed origin, the server itself and a client with no Origin (not a browser) may connect', async () => {
    const host = new URL(api.server.url).host;
    expect(await handshake({ origin: ALLOWED })).toBe(101);
    expect(await handshake({ origin: `http://${host}` })).toBe(101);
    expect(await handshake({})).toBe(101);
  });

  test('a refused origin gets 403 before the handshake', async () => {
    expect(await handshake({ origin: REFUSED })).toBe(403);
  });

  test('asCreatorA: connectionParams.Authorization in any case (as a header editor sends it) is accepted', async () => {
    const socket = new WebSocket(api.server.url.replace('http', 'ws'), 'graphql-transport-ws');
    const messages: Json[] = [];
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () =>
        socket.send(
          JSON.stringify({
            type: 'connection_init',
            payload: { Authorization: `Bearer ${api.server.tokenFor(api.tenants.creatorA)}` },
          }),
        ),
      );
      socket.on('message', (data) => {
        messages.push(JSON.parse(String(data)) as Json);
        resolve();
      });
      socket.on('close', (code) => reject(new Error(`closed ${code}`)));
    });
    socket.close();
    expect(messages[0]!.type).toBe('connection_ack');
  });
});

describe('CORS_ORIGINS settings', () => {
  test('unset: any loopback port in development, none in production; "none" allows none', () => {
    const dev = createCors(loadConfig({ NODE_ENV: 'development' }).browser);
    expect(dev.allows('http://localhost:3000')).toBe(true);
    expect(dev.allows('http://127.0.0.1:8080')).toBe(true);
    expect(dev.allows('http://[::1]:5173')).toBe(true);
    expect(dev.allows('https://admin.example.com')).toBe(false);
    expect(dev.allows('http://localhost.evil.net')).toBe(false);
    const production = createCors(
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://a@h/d',
        DATABASE_OWNER_URL: 'postgres://b@h/d',
        JWT_SECRET: 'x'.repeat(32),
      }).browser,
    );
    expect(production.allows('http://localhost:3000')).toBe(false);
    const none = createCors(loadConfig({ NODE_ENV: 'development', CORS_ORIGINS: 'none' }).browser);
    expect(none.allows('http://localhost:3000')).toBe(false);
  });

  test.each([
    '*',
    'https://admin.example.com/',
    'https://admin.example.com/app',
    'admin.example.com',
    'ftp://files.example.com',
    'https://*.example.com',
    'https://admin.example.com:443',
  ])('CORS_ORIGINS=%s is refused at start, naming the variable', (value) => {
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
  });

  test('the allowed headers are the documented list', () => {
    expect(ALLOWED_HEADERS).toBe(
      'authorization, content-type, x-api-key, apollo-require-preflight, x-apollo-operation-name, apollographql-client-name, apollographql-client-version, x-request-id, x-act-as-creator, x-admin-reason',
    );
  });
});
