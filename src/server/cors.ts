// CORS for browser clients on other origins (the admin web app, dashboards): CORS_ORIGINS lists
// the exact origins allowed (config.ts). An allowed origin's preflight is answered here, before
// any rate, body or GraphQL work; its requests get Access-Control-Allow-Origin naming it. A refused
// origin gets no CORS header at all, so the browser keeps the answer from the page.
//
// CSRF protection is unchanged and independent (Apollo's csrfPrevention in http.ts): a request a
// browser may send without a preflight is refused unless it carries a non-simple content type or
// one of the headers that force one, so a refused origin cannot even make the server act.
// No Access-Control-Allow-Credentials: the API authenticates with headers, never cookies.
import type http from 'node:http';
import type { BrowserConfig } from '../config/browser';
import { send, errorBody } from './respond';

/** The headers clients send (README: Browser clients). Everything else is refused by the browser. */
export const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'x-api-key',
  // Apollo's CSRF prevention and client awareness, and the persisted-query operation name.
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  // An admin acting for a creator (README: Admin access).
  'x-act-as-creator',
  'x-admin-reason',
].join(', ');

/** What a page may read of an answer besides the safelisted headers. */
const EXPOSED_HEADERS = 'retry-after, x-request-id';
const METHODS = 'GET, POST, OPTIONS';
/** 10 minutes: a changed CORS_ORIGINS reaches browsers soon; Chromium caps it at 2 hours anyway. */
export const MAX_AGE_SECONDS = 600;

const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

export interface Cors {
  /** Whether a page on this origin may use the API. */
  allows(origin: string): boolean;
  /** Answers an OPTIONS request (preflight or not); true when it did. */
  preflight(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Adds the CORS headers an allowed origin's answer needs (before it is written). */
  decorate(req: http.IncomingMessage, res: http.ServerResponse): void;
  /**
   * Whether a WebSocket handshake may proceed: no Origin (not a browser), this server's own
   * origin, or an allowed one. Browsers do not apply CORS to WebSockets, so the server must.
   */
  allowsUpgrade(req: http.IncomingMessage): boolean;
}

export function createCors(config: Pick<BrowserConfig, 'corsOrigins' | 'corsLoopback'>): Cors {
  const exact = new Set(config.corsOrigins);
  const allows = (origin: string) => exact.has(origin) || (config.corsLoopback && LOOPBACK.test(origin));
  const originOf = (req: http.IncomingMessage) => {
    const origin = req.headers.origin;
    return typeof origin === 'string' && origin !== 'null' ? origin.toLowerCase() : undefined;
  };

  return {
    allows,
    preflight(req, res) {
      if (req.method !== 'OPTIONS') return false;
      const origin = originOf(req);
      const isPreflight = origin !== undefined && req.headers['access-control-request-method'] !== undefined;
      if (!isPreflight) {
        send(res, 204, '', { allow: METHODS });
        return true;
      }
      if (!allows(origin)) {
        // No CORS headers: the browser fails the preflight and never sends the request.
        send(res, 403, errorBody('CORS_ORIGIN_REFUSED', `The origin ${origin} is not in CORS_ORIGINS`), {
          vary: 'Origin',
        });
        return true;
      }
      const headers: Record<string, string> = {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': METHODS,
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': String(MAX_AGE_SECONDS),
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      };
      // Chromium's Private Network Access: a page on a public origin calling this server on a
      // private address asks first. An origin the operator listed may.
      if (req.headers['access-control-request-private-network'] === 'true')
        headers['access-control-allow-private-network'] = 'true';
      send(res, 204, '', headers);
      return true;
    },
    decorate(req, res) {
      const origin = originOf(req);
      if (origin === undefined) return;
      res.setHeader('vary', 'Origin');
      if (!allows(origin)) return;
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    },
    allowsUpgrade(req) {
      const origin = originOf(req);
      if (origin === undefined) return true;
      const host = req.headers.host?.toLowerCase();
      if (host && (origin === `http://${host}` || origin === `https://${host}`)) return true;
      return allows(origin);
    },
  };
}
