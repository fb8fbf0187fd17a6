// CORS in a real Chromium: a page on an origin CORS_ORIGINS lists calls the API with fetch and
// opens its WebSocket; a page on another origin can do neither, and its request never runs (the
// browser stops at the refused preflight). Pages are served by small servers of this test on
// their own ports, so each is a different origin from the API's.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import type { TwoTenants } from '../helpers/fixtures';
import { useDatabase, useServer } from '../helpers/harness';
import type { TestServer } from '../helpers/server';
import { describeWithBrowser, launchBrowser, screenshot } from '../helpers/browser';
import type pg from 'pg';

/** A server that answers every path with an empty HTML page: only its origin matters. */
async function pageServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>third-party page</title><h1>a page on its own origin</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

interface CallResult {
  ok: boolean;
  status?: number;
  typename?: string;
  error?: string;
}

/** In the page: POST a mutation to the API with fetch, as an admin app would. */
function callApi(page: Page, api: string, token: string, metricType: string): Promise<CallResult> {
  return page.evaluate(
    async ({ api, token, metricType }) => {
      try {
        const response = await fetch(api, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            query:
              'mutation($input: RecordEngagementMetricInput!) { recordEngagementMetric(input: $input) { __typename } }',
            variables: { input: { metricType, date: '2026-12-01', value: 1 } },
          }),
        });
        const body = (await response.json()) as { data?: { recordEngagementMetric?: { __typename: string } } };
        return { ok: true, status: response.status, typename: body.data?.recordEngagementMetric?.__typename };
      } catch (error) {
        return { ok: false, error: String(error) };
      }
    },
    { api, token, metricType },
  );
}

/** In the page: open a graphql-transport-ws socket and report whether the server acknowledged it. */
function openSocket(page: Page, url: string, token: string): Promise<string> {
  return page.evaluate(
    ({ url, token }) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(url, 'graphql-transport-ws');
        socket.onopen = () =>
          socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
        socket.onmessage = (event) => {
          resolve(JSON.parse(String(event.data)).type);
          socket.close();
        };
        socket.onerror = () => resolve('error');
      }),
    { url, token },
  );
}

describeWithBrowser('CORS in Chromium', () => {
  let allowed: Awaited<ReturnType<typeof pageServer>>;
  let refused: Awaited<ReturnType<typeof pageServer>>;
  // The pages' servers start first: the API's CORS_ORIGINS names one of them.
  beforeAll(async () => {
    [allowed, refused] = await Promise.all([pageServer(), pageServer()]);
  });
  const api = useServer(useDatabase(), { env: () => ({ CORS_ORIGINS: allowed.origin }) });
  afterAll(async () => {
    await Promise.all([allowed?.close(), refused?.close()]);
  });

  let tenants: TwoTenants;
  let server: TestServer;
  let owner: pg.Client;
  let browser: Browser;
  beforeAll(async () => {
    ({ tenants, server, owner } = api);
    browser = await launchBrowser();
    api.onTeardown(() => browser.close());
  });

  const written = async (metricType: string) =>
    Number(
      (await owner.query(`SELECT count(*)::int AS n FROM engagement_metrics WHERE metric_type = $1`, [metricType]))
        .rows[0].n,
    );

  test('asCreatorA on an allowed origin: fetch gets the answer and the write lands; the socket is acknowledged', async () => {
    const page = await browser.newPage();
    await page.goto(allowed.origin);
    const metricType = `browser.cors.allowed.${Date.now()}`;
    const token = server.tokenFor(tenants.creatorA);
    const result = await callApi(page, server.url, token, metricType);
    expect(result).toEqual({ ok: true, status: 200, typename: 'RecordEngagementMetricSuccess' });
    expect(await written(metricType)).toBe(1);
    expect(await openSocket(page, server.url.replace('http', 'ws'), token)).toBe('connection_ack');
    await screenshot(page, 'cors-allowed-origin');
    await page.close();
  });

  test('asCreatorA on a refused origin (a stolen token): fetch fails, nothing is written, and the socket is refused', async () => {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (message) => messages.push(message.text()));
    await page.goto(refused.origin);
    const metricType = `browser.cors.refused.${Date.now()}`;
    const token = server.tokenFor(tenants.creatorA);
    const result = await callApi(page, server.url, token, metricType);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Failed to fetch/);
    // The browser reports why: the preflight had no Access-Control-Allow-Origin.
    expect(messages.join('\n')).toMatch(/CORS policy/);
    expect(await written(metricType)).toBe(0);
    expect(await openSocket(page, server.url.replace('http', 'ws'), token)).toBe('error');
    await screenshot(page, 'cors-refused-origin');
    await page.close();
  });
});
