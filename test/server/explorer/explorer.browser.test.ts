// The GraphiQL explorer (src/server/explorer/) in a real Chromium, through the real server
// (EXPLORER=on): it loads with every request answered by this machine, runs queries over HTTP
// and subscriptions over graphql-ws with the token in its header editor, and a tenant's
// subscription there hears only its own tenant. curl-like clients still get GraphQL at
// /graphql.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { describeWithBrowser, launchBrowser, offlineContext, recordNetwork, screenshot } from '../../helpers/browser';
import type { TwoTenants } from '../../helpers/fixtures';
import { useDatabase, useServer } from '../../helpers/harness';
import type { TestServer } from '../../helpers/server';
import {
  buildExplorerIfStale,
  WAIT_MS,
  until,
  watch,
  responseText,
  styleOf,
  openExplorer,
  setHeaders,
} from './explorer-fixtures';

jest.setTimeout(120_000);

// What `npm test` does first (pretest), for runs of this file alone: a no-op when current.
beforeAll(buildExplorerIfStale);

const METRIC = `mutation($input: RecordEngagementMetricInput!) { recordEngagementMetric(input: $input) { __typename } }`;
const today = () => new Date().toISOString().slice(0, 10);

describeWithBrowser('the explorer on the real server', () => {
  const harness = useServer(useDatabase(), { env: { EXPLORER: 'on', RATE_LIMITS: 'off' } });
  let tenants: TwoTenants;
  let server: TestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    ({ tenants, server } = harness);
    browser = await launchBrowser();
    // Registered once the server has started, so that the browser closes before it stops.
    harness.onTeardown(async () => {
      for (const c of clients) void c.dispose();
      for (const c of contexts) await c.close();
      await browser?.close();
    });
  });
  const origin = () => new URL(server.url).origin;
  const bearer = (creatorId: string) => ({ authorization: `Bearer ${server.tokenFor(creatorId)}` });
  const newPage = async (): Promise<Page> => {
    contexts.push(await offlineContext(browser));
    return contexts.at(-1)!.newPage();
  };
  const record = (creatorId: string, metricType: string, value: number) =>
    server.gql(METRIC, { input: { date: today(), metricType, value } }, { token: server.tokenFor(creatorId) });

  test('anonymous: the page loads with every request answered by this server, under its CSP', async () => {
    const page = await newPage();
    const network = recordNetwork(page);
    const seen = watch(page);
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    const answer = await page.goto(`${origin()}/graphql`);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-security-policy']).toMatch(/script-src 'self'(;|$)/);
    expect(answer?.headers()['cache-control']).toBe('no-store');
    await page.locator('.graphiql-execute-button').waitFor({ state: 'visible', timeout: WAIT_MS });
    // Monaco is up (its own stylesheet applied, its language workers started from /explorer/).
    await until(() => workers.length >= 2, 'Monaco workers');
    expect(workers.every((url) => url.startsWith(`${origin()}/explorer/`))).toBe(true);
    expect(await styleOf(page, '.monaco-editor .view-lines', 'whiteSpace')).toBe('nowrap');
    expect(await styleOf(page, '.monaco-editor textarea.inputarea', 'zIndex')).toBe('-10');
    await screenshot(page, 'explorer-loaded');
    expect(network.offMachine()).toEqual([]);
    expect(network.failed).toEqual([]);
    expect(seen.badResponses).toEqual([]);
    expect(seen.errors).toEqual([]);
    // It did load its code from here: the entry script, a stylesheet and the workers.
    expect(network.requests.filter((u) => u.startsWith(`${origin()}/explorer/`)).length).toBeGreaterThanOrEqual(5);
  });

  test('asCreatorA: a query from ?query= and ?operationName= runs with the token in the header editor', async () => {
    const page = await newPage();
    const seen = watch(page);
    // Two operations: the link's operationName is the one Ctrl-Enter runs (GraphiQL alone would run the first).
    await openExplorer(page, origin(), 'query First { __typename } query Mine { me { email } }', {
      operationName: 'Mine',
    });
    await setHeaders(page, bearer(tenants.creatorA));
    await page.keyboard.press('ControlOrMeta+Enter');
    await until(
      async () => (await responseText(page)).includes('ada@demo.creatorgraph.dev'),
      "creator A's email in the response pane",
    );
    await screenshot(page, 'explorer-query-asCreatorA');
    expect(seen.errors).toEqual([]);
  });

  test('anonymous: with the headers emptied, the query is refused with UNAUTHENTICATED', async () => {
    const page = await newPage();
    await openExplorer(page, origin(), '{ programs(first: 1) { totalCount } }');
    await setHeaders(page, {});
    await page.locator('.graphiql-execute-button').click();
    await until(
      async () => (await responseText(page)).includes('UNAUTHENTICATED'),
      'UNAUTHENTICATED in the response pane',
    );
  });

  test('asCreatorA: a subscription over graphql-ws shows the event of a write made over HTTP', async () => {
    const metricType = `explorer_${crypto.randomUUID().slice(0, 8)}`;
    const page = await newPage();
    const seen = watch(page);
    await openExplorer(
      page,
      origin(),
      `subscription { engagementMetricUpdated(metricType: "${metricType}") { metricType metricValue } }`,
    );
    // Written as people write it; the socket's connectionParams carry it in lower case.
    const token = server.tokenFor(tenants.creatorA);
    await setHeaders(page, { Authorization: `Bearer ${token}` });
    const before = server.app.listener.hub.subscriberCount;
    await page.locator('.graphiql-execute-button').click();
    await until(() => server.app.listener.hub.subscriberCount > before, 'the subscription registered on the server');
    expect((await record(tenants.creatorA, metricType, 41.5)).body.data).toEqual({
      recordEngagementMetric: { __typename: 'RecordEngagementMetricSuccess' },
    });
    await until(async () => (await responseText(page)).includes('41.5'), 'the event in the response pane');
    await screenshot(page, 'explorer-subscription-asCreatorA');
    // It came over the socket, whose connection_init carried the header editor's token.
    const init = seen.framesOut.map((f) => JSON.parse(f)).find((m) => m.type === 'connection_init');
    expect(init.payload).toEqual({ authorization: `Bearer ${token}` });
    await page.locator('.graphiql-execute-button').click(); // Stop
  });

  test("asCreatorA's subscription in the explorer hears nothing of asCreatorB's write", async () => {
    const metricType = `explorer_${crypto.randomUUID().slice(0, 8)}`;
    const page = await newPage();
    const seen = watch(page);
    await openExplorer(
      page,
      origin(),
      `subscription { engagementMetricUpdated(metricType: "${metricType}") { metricType metricValue } }`,
    );
    await setHeaders(page, bearer(tenants.creatorA));
    // B listens too (graphql-ws from node): once B has heard its own write, the server has
    // dispatched it, so a leak to A's socket would come before A's own event.
    const heardByB: unknown[] = [];
    const clientB = createClient({
      url: server.url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      connectionParams: bearer(tenants.creatorB),
      retryAttempts: 0,
    });
    clients.push(clientB);
    const before = server.app.listener.hub.subscriberCount;
    clientB.subscribe(
      { query: `subscription { engagementMetricUpdated(metricType: "${metricType}") { metricValue } }` },
      { next: (v) => heardByB.push(v), error: () => undefined, complete: () => undefined },
    );
    await page.locator('.graphiql-execute-button').click();
    await until(() => server.app.listener.hub.subscriberCount >= before + 2, "A's and B's subscriptions registered");
    await record(tenants.creatorB, metricType, 222.25);
    await until(() => heardByB.length > 0, 'B hears its own write');
    await record(tenants.creatorA, metricType, 111.75);
    await until(async () => (await responseText(page)).includes('111.75'), "A's event in A's response pane");
    await screenshot(page, 'explorer-isolation-asCreatorA');

    const events = seen.framesIn.map((f) => JSON.parse(f)).filter((m) => m.type === 'next');
    expect(events.map((m) => m.payload.data.engagementMetricUpdated.metricValue)).toEqual([111.75]);
    expect(seen.framesIn.join('\n')).not.toContain('222.25');
    expect(await responseText(page)).not.toContain('222.25');
    await page.locator('.graphiql-execute-button').click(); // Stop
  });

  test('curl-like clients: GET /graphql with JSON or */* gets GraphQL, and only built files are served', async () => {
    const query = encodeURIComponent('{ __typename }');
    for (const accept of ['application/json', '*/*', 'application/graphql-response+json, text/html;q=0.5']) {
      // As curl users write it (Apollo refuses a GET that a form could send: CSRF prevention).
      const response = await fetch(`${server.url}?query=${query}`, {
        headers: { accept, 'content-type': 'application/json' },
      });
      expect(response.headers.get('content-type')).not.toMatch(/text\/html/);
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    }
    const manifest = JSON.parse(
      fs.readFileSync(path.resolve(__dirname, '../../../dist/explorer/manifest.json'), 'utf8'),
    );
    const entry = await fetch(`${origin()}/explorer/${manifest.js}`);
    expect(entry.status).toBe(200);
    expect(entry.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(entry.headers.get('cache-control')).toContain('immutable');
    const again = await fetch(`${origin()}/explorer/${manifest.js}`, {
      headers: { 'if-none-match': entry.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    // Unknown names, the manifest itself, and attempts to leave the directory: 404, from a map
    // of the build's names (the client normalises `..` in URLs, so raw paths go through http).
    for (const target of [
      '/explorer/nope.js',
      '/explorer/manifest.json',
      '/explorer/build-stamp.json',
      '/explorer/..%2f..%2fpackage.json',
      '/explorer/%2e%2e/%2e%2e/package.json',
      '/explorer/../../package.json',
      '/explorer//etc/passwd',
    ]) {
      const { status, body } = await rawGet(origin(), target);
      expect([target, status]).toEqual([target, 404]);
      expect(JSON.parse(body).errors[0].extensions.code).toBe('NOT_FOUND');
    }
  });
});
/** A GET with the request target exactly as given (fetch would normalise it). */
function rawGet(origin: string, target: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    let body = '';
    const req = http.request({ host: hostname, port, path: target }, (res) =>
      res
        .setEncoding('utf8')
        .on('data', (c) => (body += c))
        .on('end', () => resolve({ status: res.statusCode!, body })),
    );
    req.on('error', reject).end();
  });
}
