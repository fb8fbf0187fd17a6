// What the explorer page starts with, checked on a small server of this file where the test
// chooses it: the 503 without a build, and pre-filled headers kept as data.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createExplorer } from '../../../src/server/explorer/explorer';
import { describeWithBrowser, launchBrowser, offlineContext, screenshot } from '../../helpers/browser';
import { buildExplorerIfStale, WAIT_MS, until, watch, headersText } from './explorer-fixtures';

jest.setTimeout(120_000);

// What `npm test` does first (pretest), for runs of this file alone: a no-op when current.
beforeAll(buildExplorerIfStale);

/** The explorer alone on a server of this test; POST /graphql records its headers and answers an error. */
async function explorerAlone(options: Parameters<typeof createExplorer>[0]) {
  const explorer = createExplorer(options);
  const graphqlHeaders: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    void explorer.serve(req, res, (req.url ?? '/').split('?')[0]!.toLowerCase()).then((served) => {
      if (served) return;
      graphqlHeaders.push(req.headers);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [{ message: 'no GraphQL on this test server' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, graphqlHeaders, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the explorer page without a build', () => {
  test.each([
    ['nothing built', () => undefined],
    [
      'a manifest naming a file that is not there',
      (dir: string) =>
        fs.writeFileSync(
          path.join(dir, 'manifest.json'),
          JSON.stringify({
            js: 'gone-AAAA.js',
            css: [],
            preload: [],
            workers: { editor: 'e.js', json: 'j.js', graphql: 'g.js' },
          }),
        ),
    ],
  ])('anonymous: %s: 503 naming npm run explorer:build; fetch and curl still reach GraphQL', async (_what, prepare) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-'));
    prepare(dir);
    const alone = await explorerAlone({ initialHeaders: async () => ({}), assetsDir: dir });
    try {
      const page = await fetch(`${alone.origin}/graphql`, {
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect(page.status).toBe(503);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(await page.text()).toContain('npm run explorer:build');
      const head = await fetch(`${alone.origin}/graphql`, { method: 'HEAD', headers: { accept: 'text/html' } });
      expect([head.status, await head.text(), head.headers.get('content-length')]).toEqual([
        503,
        '',
        page.headers.get('content-length'),
      ]);
      expect((await fetch(`${alone.origin}/graphql`, { headers: { accept: 'application/json' } })).status).toBe(200);
      expect(alone.graphqlHeaders).toHaveLength(1);
      expect((await fetch(`${alone.origin}/explorer/gone-AAAA.js`)).status).toBe(404);
    } finally {
      await alone.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithBrowser("the explorer page's own contract", () => {
  test("the header editor starts with the page's headers, kept as data (no script from them), and GraphiQL sends them", async () => {
    const hostile = 'Bearer </script><script>document.title="pwned"</script><!--';
    const alone = await explorerAlone({ initialHeaders: async () => ({ Authorization: hostile }) });
    const browser = await launchBrowser();
    try {
      const page = await (await offlineContext(browser)).newPage();
      const seen = watch(page);
      await page.goto(`${alone.origin}/graphql`);
      await page.locator('.graphiql-execute-button').waitFor({ state: 'visible', timeout: WAIT_MS });
      await until(async () => (await headersText(page)).includes('"Authorization"'), 'the headers in the editor');
      expect(await headersText(page)).toContain('document.title=\\"pwned\\"');
      expect(await page.title()).toBe('creatorgraph explorer');
      // A run sends it as written in the editor. (The schema request goes before the editor
      // exists, without headers: introspection is open outside production.)
      await page.locator('.graphiql-execute-button').click();
      await until(
        () => alone.graphqlHeaders.some((h) => h.authorization === hostile),
        'the header on the request of a run',
      );
      expect(seen.errors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
      await screenshot(page, 'explorer-prefilled-headers');
    } finally {
      await browser.close();
      await alone.close();
    }
  });
});
