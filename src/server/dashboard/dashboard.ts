// The live analytics dashboard (README: Browser clients): a reference client for analytics
// dashboards, served at /dashboard. It signs in with logIn, reads history with engagementMetrics
// and subscribes to dashboardSummary and engagementMetricUpdated over the public API only, like
// any third-party dashboard. Everything it loads comes from this server: its own files
// (./public) and two npm packages' browser builds (uPlot, graphql-ws). No build step.
//
// * Files are named by a fixed map and read once, here: a request's path is only ever a key
//   into that map, never joined into a filesystem path.
// * The page runs under a strict Content-Security-Policy: scripts and styles from this origin
//   only (no inline script: the page's settings travel in a JSON data block), and connections to
//   this origin, its WebSocket origin included (CSP 'self' does not cover ws: in every browser).
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { BrowserPage } from '../browser-pages';
import { send, sendError } from '../respond';

export interface DashboardOptions {
  /** Pre-filled sign-in (development: a demo creator's email and password); absent in production. */
  demoSignIn?: { email: string; password: string };
}

const ROOT = '/dashboard';
const PUBLIC = path.join(__dirname, 'public');
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Every asset the page may load, by the name in its URL (lower case: the router lower-cases paths). */
function assetFiles(): Map<string, string> {
  const uplot = packageDir('uplot');
  const graphqlWs = packageDir('graphql-ws');
  return new Map([
    ['app.js', path.join(PUBLIC, 'app.js')],
    ['api.js', path.join(PUBLIC, 'api.js')],
    ['session.js', path.join(PUBLIC, 'session.js')],
    ['live.js', path.join(PUBLIC, 'live.js')],
    ['view.js', path.join(PUBLIC, 'view.js')],
    ['chart.js', path.join(PUBLIC, 'chart.js')],
    ['app.css', path.join(PUBLIC, 'app.css')],
    ['panels.css', path.join(PUBLIC, 'panels.css')],
    ['favicon.svg', path.join(PUBLIC, 'favicon.svg')],
    ['uplot.js', path.join(uplot, 'dist', 'uPlot.iife.min.js')],
    ['uplot.css', path.join(uplot, 'dist', 'uPlot.min.css')],
    ['graphql-ws.js', path.join(graphqlWs, 'umd', 'graphql-ws.min.js')],
  ]);
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function readAsset(file: string): Asset {
  const body = fs.readFileSync(file);
  const type = TYPES[path.extname(file)];
  if (!type) throw new Error(`dashboard: no content type for ${file}`);
  return { body, type, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * The settings as a JSON data block's text. `<` is escaped so that no value (a password that
 * contains "</script>") can end the block; U+2028/2029 are escaped for old parsers.
 */
function configJson(options: DashboardOptions): string {
  const config = { graphqlPath: '/graphql', demoSignIn: options.demoSignIn ?? null };
  return JSON.stringify(config)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A Host header that is a plain host[:port] (a name, IPv4 or bracketed IPv6), safe inside a CSP. */
const PLAIN_HOST = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The page's policy. connect-src names the WebSocket origin of the host the browser asked for:
 * CSP Level 3 lets 'self' match ws:/wss: of the same host, but older browsers (Safari before
 * 15.4) do not. A Host header that is not a plain host[:port] gets 'self' alone.
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    // The form is handled by script; without it, nothing may be submitted (no password in a URL).
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const COMMON_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

export function createDashboard(options: DashboardOptions): BrowserPage {
  const assets = new Map([...assetFiles()].map(([name, file]) => [name, readAsset(file)]));
  const template = fs.readFileSync(path.join(PUBLIC, 'index.html'), 'utf8');
  if (!template.includes('{{config}}')) throw new Error('dashboard: index.html has no {{config}} block');
  const html = template.replace('{{config}}', () => configJson(options));

  function page(req: http.IncomingMessage, res: http.ServerResponse): void {
    send(
      res,
      200,
      html,
      {
        ...COMMON_HEADERS,
        'content-security-policy': contentSecurityPolicy(req.headers.host),
        'x-frame-options': 'DENY',
        // It may carry the demo sign-in; and a new server's page must not be served from a cache.
        'cache-control': 'no-store',
      },
      'text/html; charset=utf-8',
    );
  }

  function asset(req: http.IncomingMessage, res: http.ServerResponse, found: Asset): void {
    // Revalidated on every load (the names carry no version), answered 304 when unchanged.
    const headers = { ...COMMON_HEADERS, etag: found.etag, 'cache-control': 'no-cache' };
    if (req.headers['if-none-match'] === found.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': found.type, 'content-length': found.body.length });
    res.end(found.body);
  }

  return {
    async serve(req, res, requestPath) {
      if (requestPath !== ROOT && !requestPath.startsWith(`${ROOT}/`)) return false;
      const name = requestPath === ROOT ? undefined : requestPath.slice(ROOT.length + 1);
      const found = name === undefined ? undefined : assets.get(name);
      if (name !== undefined && !found) {
        sendError(res, 404, 'NOT_FOUND', `Not found: the dashboard is at ${ROOT}`);
        return true;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendError(res, 405, 'METHOD_NOT_ALLOWED', `${requestPath} answers GET only`, { allow: 'GET, HEAD' });
        return true;
      }
      if (found) asset(req, res, found);
      else page(req, res);
      return true;
    },
  };
}
