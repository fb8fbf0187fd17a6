// Pages this server serves to browsers in development (README: Browser clients): the explorer at
// GET /graphql (Accept: text/html) and the live dashboard at /dashboard. Each one answers only its
// own paths, so the router asks them in turn before GraphQL and the probes.
import type http from 'node:http';

export interface BrowserPage {
  /** Answers the request and resolves true when `path` (lower case, no query string) is one of this page's; false otherwise. */
  serve(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<boolean>;
}

/** Whether a GET's Accept header asks for HTML before JSON, as a browser's navigation does (fetch and curl send JSON or *\/*). */
export function prefersHtml(req: http.IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const accept = req.headers.accept ?? '';
  const html = accept.indexOf('text/html');
  if (html === -1) return false;
  const json = accept.search(/application\/(graphql-response\+)?json/);
  return json === -1 || html < json;
}
