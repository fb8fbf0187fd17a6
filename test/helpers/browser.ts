// A real browser for a test file: Debian's chromium, headless, driven by playwright-core through
// its executablePath. Nothing here downloads a browser. .ci/run installs chromium with apt; on a
// machine without it the browser suites are skipped with a notice, except in CI, where a missing
// chromium is a failure.
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';

export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => Boolean(p) && fs.existsSync(p!),
);

if (!CHROMIUM && process.env.CI) throw new Error('chromium is required in CI (apt-get install chromium)');

/** describe() when chromium is installed, describe.skip() with a notice otherwise. */
export const describeWithBrowser: jest.Describe = CHROMIUM
  ? describe
  : (((name: string, fn: () => void) => {
      console.warn(`skipped "${name}": chromium is not installed (apt-get install chromium)`);
      describe.skip(name, fn);
    }) as jest.Describe);

/** Where screenshots go: test artefacts, ignored by git (the README's copy lives in docs/). */
export const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/screenshots');

export async function launchBrowser(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/**
 * Every request a page makes, and every request that failed. A page served by this server must
 * load everything from it: `offMachine()` lists the requests to any other host.
 */
export interface NetworkLog {
  requests: string[];
  failed: { url: string; error: string }[];
  offMachine(): string[];
}

export function recordNetwork(target: Page | BrowserContext): NetworkLog {
  const log: NetworkLog = {
    requests: [],
    failed: [],
    offMachine: () =>
      log.requests.filter((url) => {
        if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') return false;
        const host = new URL(url).hostname;
        return host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]';
      }),
  };
  target.on('request', (request: Request) => log.requests.push(request.url()));
  target.on('requestfailed', (request: Request) =>
    log.failed.push({ url: request.url(), error: request.failure()?.errorText ?? 'failed' }),
  );
  return log;
}

/** Saves a full-page screenshot as a test artefact and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * A browser context whose requests to hosts other than this machine are refused by the browser
 * itself, so that a page that reached for a CDN would fail loudly as well as be recorded.
 */
export async function offlineContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route(/^(?!(https?|wss?):\/\/(127\.0\.0\.1|localhost)[:/]).*$/, (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    return route.abort('internetdisconnected');
  });
  return context;
}
