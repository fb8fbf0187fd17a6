// What the explorer's browser tests share: bounded waits, a watch on what a page does, the text of
// GraphiQL's editors, opening the explorer with a query and typing its headers, and the build.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** Bounds on waits for things that should happen (a busy machine is slow, never this slow). */
export const WAIT_MS = 20_000;

export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${WAIT_MS} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the page is doing: console errors (CSP refusals among them), uncaught errors, HTTP errors, socket frames. */
export function watch(page: Page) {
  const seen = {
    errors: [] as string[],
    badResponses: [] as string[],
    framesIn: [] as string[],
    framesOut: [] as string[],
  };
  page.on('console', (m) => m.type() === 'error' && seen.errors.push(m.text()));
  page.on('pageerror', (e) => seen.errors.push(String(e)));
  page.on('response', (r) => r.status() >= 400 && seen.badResponses.push(`${r.status()} ${r.url()}`));
  page.on('websocket', (ws) =>
    ws
      .on('framereceived', (f) => seen.framesIn.push(String(f.payload)))
      .on('framesent', (f) => seen.framesOut.push(String(f.payload))),
  );
  return seen;
}

export const text = (s: string) => s.replace(/\u00a0/g, ' ');
/** The visible text of a Monaco editor: the response pane, or the header editor. */
export const responseText = async (page: Page) =>
  text(await page.locator('.graphiql-response .view-lines').innerText());
export const headersText = async (page: Page) =>
  text(await page.locator('section.graphiql-editor-tool .graphiql-editor:not(.hidden) .view-lines').innerText());

/** A computed style of the first element `selector` finds (evaluated as text: no DOM types here). */
export const styleOf = (page: Page, selector: string, property: string) =>
  page.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(selector)})).${property}`);

/** Opens the explorer with ?query= (and more) and waits until GraphiQL is up with the query in its editor. */
export async function openExplorer(
  page: Page,
  origin: string,
  query: string,
  more: Record<string, string> = {},
): Promise<void> {
  await page.goto(`${origin}/graphql?${new URLSearchParams({ query, ...more })}`);
  await page.locator('.graphiql-execute-button').waitFor({ state: 'visible', timeout: WAIT_MS });
  await until(
    async () => text(await page.locator('.graphiql-query-editor .view-lines').innerText()).includes(query.slice(0, 20)),
    'the query from ?query= in the editor',
  );
}

/** Replaces the header editor's contents, as a person would: select all, type. */
export async function setHeaders(page: Page, headers: Record<string, string>): Promise<void> {
  await page.locator('button[data-name="headers"]').click();
  await page.locator('section.graphiql-editor-tool .graphiql-editor:not(.hidden) .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(JSON.stringify(headers));
  // Monaco closed the brackets and quotes as they were typed: drop what follows the cursor.
  await page.keyboard.press('Shift+ControlOrMeta+End');
  await page.keyboard.press('Delete');
  await until(
    async () => (await headersText(page)).includes(Object.values(headers)[0]?.slice(-12) ?? '{}'),
    'the new headers in the editor',
  );
}

/** Builds the explorer's assets as `npm test` does first (pretest): a no-op when current. */
export function buildExplorerIfStale(): void {
  execFileSync(process.execPath, [path.resolve(__dirname, '../../../scripts/build-explorer.js'), '--if-stale'], {
    stdio: 'inherit',
  });
}
