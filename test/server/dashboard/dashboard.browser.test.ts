// The live dashboard (/dashboard) in a real browser against a real server, used as a creator
// would: it signs in through its form, streams dashboardSummary and engagementMetricUpdated over
// the WebSocket and draws them, while the tests write through the API as the creators. The
// browser context refuses every host but this machine, and every request is recorded.
//
// Waits are for what the page shows, each bounded (20 s), never timed: "numbers change on screen
// within a second of a write" is a property the README states, not one a busy machine can assert.
import fs from 'node:fs';
import path from 'node:path';
import { day } from '../../helpers/api';
import { describeWithBrowser, screenshot } from '../../helpers/browser';
import { CREDENTIALS, README_SCREENSHOT, SUMMARY, TILES, WAIT, useDashboard } from './dashboard-fixtures';

jest.setTimeout(120_000);

describeWithBrowser('the live dashboard', () => {
  const dashboard = useDashboard();
  const { api, visit, signIn, shows, until, updatesListed, tileValue, createUser, recordMetric, sendMessages } =
    dashboard;
  let origin: string;
  beforeAll(() => ({ origin } = dashboard));

  test('asCreatorA signs in and sees their own numbers, with everything loaded from this server', async () => {
    const v = await visit();
    // Development pre-fills a demo creator (the form is filled again here, as a person would).
    expect(await v.page.getByTestId('email').inputValue()).toBe(CREDENTIALS.asCreatorA.email);
    await signIn(v, 'asCreatorA');
    await expect(v.page.getByTestId('signed-in-as').textContent()).resolves.toBe(CREDENTIALS.asCreatorA.companyName);

    // The tiles are today's summary, as the API gives it to A.
    const summary = (await api.query('asCreatorA', SUMMARY)).dashboardSummary;
    for (const tile of TILES) await shows(v, `[data-testid="tile-${tile}"][data-value="${summary[tile]}"]`);
    // The chart has the history: a line per seeded metric type, drawn on a canvas.
    await shows(v, '[data-testid="history-state"][data-state="loaded"]');
    for (const type of ['active_users', 'messages', 'new_users']) {
      expect(Number(await v.page.getByTestId(`series-${type}`).getAttribute('data-points'))).toBeGreaterThanOrEqual(20);
    }
    expect(await v.page.locator('[data-testid="engagement-chart"] canvas').count()).toBe(1);
    await screenshot(v.page, 'dashboard-signed-in');

    // Every request went to this machine and was answered; the page's own files, uPlot and
    // graphql-ws among them. One WebSocket, to this server's /graphql.
    expect(v.network.offMachine()).toEqual([]);
    expect(v.network.failed).toEqual([]);
    expect(v.refused).toEqual([]);
    const paths = v.network.requests.map((url) => new URL(url).pathname);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/dashboard',
        '/dashboard/app.js',
        '/dashboard/app.css',
        '/dashboard/panels.css',
        '/dashboard/uplot.js',
        '/dashboard/uplot.css',
        '/dashboard/graphql-ws.js',
        '/graphql',
      ]),
    );
    expect(v.sockets.map((s) => s.url())).toEqual([`${origin.replace('http://', 'ws://')}/graphql`]);
    expect(v.problems).toEqual([]);

    // Signing out ends the log-in on the server and closes the socket.
    const logOut = v.page.waitForRequest(
      (request) => new URL(request.url()).pathname === '/graphql' && (request.postData() ?? '').includes('logOut('),
      { timeout: WAIT },
    );
    await v.page.getByTestId('sign-out').click();
    await logOut;
    await shows(v, '[data-testid="connection-state"][data-state="signed-out"]');
    await until(() => v.sockets.every((s) => s.isClosed()), 'the socket closed');
    expect(await v.page.locator('#dashboard').isVisible()).toBe(false);
    expect(v.problems).toEqual([]);
  });

  test("asCreatorA's writes show on screen: the tiles and the chart follow", async () => {
    const v = await visit();
    await signIn(v, 'asCreatorA');
    await shows(v, '[data-testid="history-state"][data-state="loaded"]');

    // A user and two messages: today's summary moves, and the tiles that changed flash.
    const [newUsers, messages] = [await tileValue(v.page, 'newUsers'), await tileValue(v.page, 'messages')];
    await createUser('asCreatorA');
    await shows(v, `[data-testid="tile-newUsers"][data-value="${newUsers + 1}"]`);
    await sendMessages('asCreatorA', [
      'Is there a beginner version of the sleep program?',
      'Yes: start with the 7-day wind-down.',
    ]);
    await shows(v, `[data-testid="tile-messages"][data-value="${messages + 2}"]`);
    expect(await v.page.getByTestId('tile-newUsers').getAttribute('class')).toContain('flash');

    // Today's metrics: the line moves to the new value, and each update is listed, the
    // per-channel breakdown too (it is listed, not drawn: the chart shows overall values).
    const latest = Number(await v.page.getByTestId('series-messages').getAttribute('data-latest'));
    await recordMetric('asCreatorA', 'messages', latest + 7);
    await shows(v, `[data-testid="series-messages"][data-latest="${latest + 7}"][data-latest-date="${day(0)}"]`);
    await recordMetric('asCreatorA', 'active_users', 5, { channel: 'whatsapp' });
    await recordMetric('asCreatorA', 'new_users', 3);
    await shows(v, `[data-testid="series-new_users"][data-latest="3"][data-latest-date="${day(0)}"]`);
    expect(await updatesListed(v)).toEqual(['new_users=3', 'active_users=5', `messages=${latest + 7}`]);
    // Under the cursor, the list shows that day's values; away from the chart, the latest.
    const chart = (await v.page.getByTestId('engagement-chart').locator('.u-over').boundingBox())!;
    const latestText = v.page.getByTestId('series-messages').locator('.latest');
    const shownDay = (today: boolean) =>
      until(
        async () => ((await latestText.textContent()) ?? '').endsWith(`on ${day(0)}`) === today,
        today ? 'the latest values' : 'the values under the cursor',
      );
    await v.page.mouse.move(chart.x + chart.width / 3, chart.y + chart.height / 2);
    await shownDay(false);
    await v.page.mouse.move(0, 0);
    await shownDay(true);

    await screenshot(v.page, 'dashboard-after-writes');
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      fs.mkdirSync(path.dirname(README_SCREENSHOT), { recursive: true });
      await v.page.screenshot({ path: README_SCREENSHOT, animations: 'disabled' });
    }
    expect(v.problems).toEqual([]);
  });

  test("a write by asCreatorB does not reach asCreatorA's dashboard; A's next write does", async () => {
    const a = await visit();
    const b = await visit();
    await signIn(a, 'asCreatorA');
    await signIn(b, 'asCreatorB');
    const [aUsers, bUsers] = [await tileValue(a.page, 'newUsers'), await tileValue(b.page, 'newUsers')];

    // B's writes reach B's page (so they have been fanned out by the time A writes) ...
    await createUser('asCreatorB');
    await recordMetric('asCreatorB', 'isolation_check', 111);
    await shows(b, `[data-testid="tile-newUsers"][data-value="${bUsers + 1}"]`);
    await shows(b, '[data-testid="series-isolation_check"][data-latest="111"]');
    // ... and A's page, still live, shows A's own and nothing of B's.
    await createUser('asCreatorA');
    await recordMetric('asCreatorA', 'isolation_check', 222);
    await shows(a, `[data-testid="tile-newUsers"][data-value="${aUsers + 1}"]`);
    await shows(a, '[data-testid="series-isolation_check"][data-latest="222"]');
    expect(await updatesListed(a)).toEqual(['isolation_check=222']);
    expect(await a.page.getByTestId('signed-in-as').textContent()).toBe(CREDENTIALS.asCreatorA.companyName);
    expect(await b.page.getByTestId('signed-in-as').textContent()).toBe(CREDENTIALS.asCreatorB.companyName);
    await screenshot(a.page, 'dashboard-isolation-a');
    await screenshot(b.page, 'dashboard-isolation-b');
  });

  test('a wrong password shows the error, and nothing is subscribed', async () => {
    const v = await visit();
    await v.page.getByTestId('email').fill(CREDENTIALS.asCreatorA.email);
    await v.page.getByTestId('password').fill('not-the-password');
    await v.page.getByTestId('sign-in').click();
    const error = v.page.getByTestId('sign-in-error');
    await error.waitFor({ state: 'visible', timeout: WAIT });
    expect(await error.textContent()).toBe('Invalid email or password.');
    expect(await error.getAttribute('data-code')).toBe('UNAUTHENTICATED');
    expect(await v.page.getByTestId('connection-state').getAttribute('data-state')).toBe('signed-out');
    expect(await v.page.locator('#dashboard').isVisible()).toBe(false);
    // One request to the API (the logIn), no WebSocket.
    expect(v.network.requests.filter((url) => new URL(url).pathname === '/graphql')).toHaveLength(1);
    expect(v.sockets).toEqual([]);
    await screenshot(v.page, 'dashboard-wrong-password');
  });

  test('the session outlives its access token: refreshed, it streams on a new socket, and writes still show', async () => {
    const v = await visit();
    await signIn(v, 'asCreatorA');
    // Every connection state the page shows from now on.
    await v.page.evaluate(`(() => {
      const state = document.querySelector('[data-testid="connection-state"]');
      window.statesShown = [];
      new MutationObserver(() => window.statesShown.push(state.dataset.state)).observe(state, { attributeFilter: ['data-state'] });
    })()`);
    // Tokens live 30 s here and are refreshed at 3/4 of that: two refreshes put the first
    // token past its expiry, and use a rotated refresh token once.
    await until(
      async () => Number(await v.page.locator('body').getAttribute('data-session-refreshes')) >= 2,
      'two refreshes of the session',
      90_000,
    );
    await shows(v, '[data-testid="connection-state"][data-state="live"]');
    await recordMetric('asCreatorA', 'after_refresh', 42);
    await shows(v, '[data-testid="series-after_refresh"][data-latest="42"]');
    // A socket per token, the older ones closed once the next one streamed.
    expect(v.sockets.length).toBeGreaterThanOrEqual(3);
    await until(() => v.sockets.filter((s) => !s.isClosed()).length === 1, 'one socket left open');
    // The next socket streams before the old one closes: the page never stopped being live.
    expect((await v.page.evaluate<string[]>('window.statesShown')).filter((state) => state !== 'live')).toEqual([]);
    expect(v.problems).toEqual([]);
  });

  test('the page and its files carry a strict policy; nothing else is served under /dashboard', async () => {
    const page = await fetch(`${origin}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const host = new URL(origin).host;
    expect(page.headers.get('content-security-policy')).toBe(
      `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self' ws://${host} wss://${host}; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
    // No inline script: every script element loads a file of this server, or is the JSON settings block.
    const html = await page.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!.trim());
    expect(scripts).toEqual([
      'type="application/json" id="dashboard-config"',
      'defer src="/dashboard/uplot.js"',
      'defer src="/dashboard/graphql-ws.js"',
      'type="module" src="/dashboard/app.js"',
    ]);

    const head = await fetch(`${origin}/dashboard`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([
      200,
      String(Buffer.byteLength(html)),
      '',
    ]);

    const asset = await fetch(`${origin}/dashboard/uplot.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    const etag = asset.headers.get('etag')!;
    expect((await fetch(`${origin}/dashboard/uplot.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    for (const other of [
      '/dashboard/package.json',
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/package.json',
      '/dashboard/public/app.js',
      '/dashboard/__proto__',
    ]) {
      const response = await fetch(`${origin}${other}`);
      expect([other, response.status]).toEqual([other, 404]);
      expect(
        ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
      ).toBe('NOT_FOUND');
    }
    const post = await fetch(`${origin}/dashboard`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
