// The GraphiQL explorer as a BrowserPage (../browser-pages.ts): a browser's GET /graphql gets
// the page, and /explorer/<name> the files of its build (bundle.ts). Everything it needs comes
// from this server; the build is scripts/build-explorer.js (npm run explorer:build).
import type http from 'node:http';
import path from 'node:path';
import { prefersHtml, type BrowserPage } from '../browser-pages';
import { openBundle } from './bundle';
import { NOT_BUILT, pageHeaders, renderPage } from './page';

export interface ExplorerOptions {
  /** Headers the header editor starts with, e.g. a demo creator's token in development. */
  initialHeaders: () => Promise<Record<string, string>>;
  /** Where the built bundle is (default: <repo>/dist/explorer). */
  assetsDir?: string;
}

/** An HTML answer; HEAD gets the same headers (length included) and no body. */
function answer(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { ...pageHeaders(req), ...extra, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const DEFAULT_ASSETS = path.resolve(__dirname, '../../../dist/explorer');
const FILES = '/explorer/';

export function createExplorer(options: ExplorerOptions): BrowserPage {
  const bundle = openBundle(options.assetsDir ?? DEFAULT_ASSETS);

  async function servePage(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const build = await bundle.current();
    // GraphQL still answers fetch and curl on this URL when only the page is missing.
    if (!build) return answer(req, res, 503, NOT_BUILT, { 'retry-after': '10' });
    answer(
      req,
      res,
      200,
      renderPage(build.manifest, { headers: await options.initialHeaders(), workers: build.manifest.workers }),
    );
  }

  return {
    async serve(req, res, path) {
      // A browser's navigation to /graphql; fetch and curl (JSON or */*) go on to GraphQL.
      if (path === '/graphql') {
        if (!prefersHtml(req)) return false;
        await servePage(req, res);
        return true;
      }
      if (path.startsWith(FILES) && path.length > FILES.length) {
        await bundle.serveFile(req, res, path.slice(FILES.length));
        return true;
      }
      return false;
    },
  };
}
