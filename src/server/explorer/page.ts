// The explorer's HTML and the headers that guard it. Security boundary: the page carries a
// working token (the header editor's), so it is never cached, never framed, never sent as a
// referrer, and its Content-Security-Policy lets it load code only from this server and talk
// only to this server. No inline script: the page config travels in a JSON script element,
// which the browser does not run, so script-src needs no 'unsafe-inline'.
import type http from 'node:http';
import type { Manifest } from './bundle';

/** What the browser code reads (client/explorer.jsx, PageConfig). */
export interface PageConfig {
  headers: Record<string, string>;
  workers: Manifest['workers'];
}

/**
 * A host that may appear in the policy as the WebSocket origin. The Host header is the
 * client's to choose: anything that is not plainly a host name or address (with a port) is
 * left out rather than let it write policy ("x; script-src *").
 */
const PLAIN_HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Monaco writes <style> elements at run time and React sets style attributes; there is no
    // nonce hook for either.
    "style-src 'self' 'unsafe-inline'",
    // GraphiQL's icon font is a data: URL inside its stylesheet; Monaco's is a file of the build.
    "font-src 'self' data:",
    "img-src 'self' data:",
    // HTTP to /graphql, and the subscriptions' socket (older browsers do not count ws: as 'self').
    `connect-src 'self'${sockets}`,
    // Monaco's language workers, files of the build.
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers of every explorer page answer (the page itself, and the 503 without a build). */
export function pageHeaders(req: http.IncomingMessage): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': contentSecurityPolicy(req.headers.host),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    // GET /graphql answers HTML or JSON depending on Accept.
    vary: 'Accept',
  };
}

/**
 * JSON that stays data inside a <script> element: no `</script>` or `<!--` can close or
 * change it, and U+2028/2029 cannot end a line in older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
const asset = (name: string) => `/explorer/${attribute(encodeURIComponent(name))}`;

export function renderPage(manifest: Manifest, config: PageConfig): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>creatorgraph explorer</title>
<link rel="icon" href="data:,">
${manifest.css.map((name) => `<link rel="stylesheet" href="${asset(name)}">`).join('\n')}
${manifest.preload.map((name) => `<link rel="modulepreload" href="${asset(name)}">`).join('\n')}
<script type="module" src="${asset(manifest.js)}"></script>
<script type="application/json" id="explorer-config">${jsonForScript(config)}</script>
</head>
<body>
<div id="explorer"></div>
<noscript>The explorer needs JavaScript. GraphQL itself answers POST and GET on this URL.</noscript>
</body>
</html>
`;
}

/** The answer when dist/explorer/ holds no complete build. */
export const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>creatorgraph explorer: not built</title></head>
<body>
<h1>The explorer is not built</h1>
<p>Run <code>npm run explorer:build</code> (it needs the dev dependencies) and reload this page.
GraphQL itself is unaffected: it answers POST and GET on this URL.</p>
</body>
</html>
`;
