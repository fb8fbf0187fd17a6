// Refusals answered at the door. Once a client is refused for its request rate (a tenant, an API
// key, or an anonymous address over its auth calls), every request it sends before its
// Retry-After is refused again before the body is parsed or Apollo sees it, and the answer is
// held back for REFUSAL_DELAY_MS (never past the Retry-After). Every other 429 (a cost rate, a
// tenant's pool share) is held back the same way (graphql-endpoint.ts).
//
// Why (bench/NOTES.md, fairness): a refusal through Apollo still costs parsing, validation,
// pricing and the rate check, about 0.4 CPU-ms. A free tenant whose 45 connections resent each
// refusal at once sent 1,800 a second and took the server's core: another tenant's p99 went from
// 10 ms to 234 ms although nothing of the attacker's was served. At the door a refusal costs a
// map lookup, and held back it comes at most once a second per connection, so a client that
// ignores Retry-After gets nothing from trying harder (refused by its cost rate, which a cheaper
// request may still pass and so is not kept at the door, the same attacker sent 2,500 a second
// until those answers were held back too). A client that honours Retry-After never
// meets the delay: it waits longer than that anyway.
//
// At most MAX_HELD answers are held at once; past that they are sent at once, with
// Connection: close.
import type http from 'node:http';
import type { TokenService } from '../auth/tokens';
import { boundedCache } from '../cache';
import { clientAddress } from './client-address';
import { errorBody, send } from './respond';

const MAX_HELD = 10_000;
const MAX_KEYS = 100_000;

export interface RefusalDoor {
  /** Remembers that `key` is refused until Retry-After (seconds from now), with this message. */
  block(key: string, retryAfterSeconds: number, message: string): void;
  /** Refuses the request if one of `keys` is still blocked; true if it did. */
  refuse(req: http.IncomingMessage, res: http.ServerResponse, keys: string[]): boolean;
  /**
   * Sends a 429 later: after REFUSAL_DELAY_MS, never past `retryAfterMs` (at once when too many
   * are held). For refusals made past the door (a cost rate, a tenant's pool share).
   */
  holdBack(res: http.ServerResponse, answer: (headers: Record<string, string>) => void, retryAfterMs: number): void;
  /** Requests refused at the door since start. */
  readonly refused: number;
}

export function createRefusalDoor(options: { delayMs: number; onRefused?: () => void }): RefusalDoor {
  // Each block expires at its Retry-After; past MAX_KEYS the least recently used goes.
  const blocked = boundedCache<string, { until: number; message: string }>({ max: MAX_KEYS });
  let held = 0;
  let refused = 0;

  function blockOf(keys: string[], now: number): { until: number; message: string } | undefined {
    for (const key of keys) {
      const entry = blocked.get(key);
      if (!entry) continue;
      if (entry.until > now) return entry;
      blocked.delete(key);
    }
    return undefined;
  }

  function holdBack(
    res: http.ServerResponse,
    answer: (headers: Record<string, string>) => void,
    retryAfterMs: number,
  ): void {
    const delay = Math.min(options.delayMs, retryAfterMs);
    if (delay <= 0 || held >= MAX_HELD) return answer(held >= MAX_HELD ? { connection: 'close' } : {});
    held++;
    let waiting = true;
    const release = () => {
      if (!waiting) return false;
      waiting = false;
      held--;
      return true;
    };
    const timer = setTimeout(() => {
      if (release() && !res.destroyed) answer({});
    }, delay);
    // A client that hangs up while held frees its place.
    res.once('close', () => {
      if (release()) clearTimeout(timer);
    });
  }

  return {
    block(key, retryAfterSeconds, message) {
      const ttl = retryAfterSeconds * 1000;
      blocked.set(key, { until: Date.now() + ttl, message }, { ttl });
    },
    refuse(req, res, keys) {
      const now = Date.now();
      const entry = blockOf(keys, now);
      if (!entry) return false;
      refused++;
      options.onRefused?.();
      const retryAfter = Math.max(1, Math.ceil((entry.until - now) / 1000));
      const answer = (headers: Record<string, string>) =>
        send(res, 429, errorBody('RATE_LIMITED', `${entry.message} Retry in ${retryAfter} s.`, { retryAfter }), {
          'retry-after': String(retryAfter),
          ...headers,
        });
      // The body is not needed, but must be read for the connection to carry the next request.
      req.resume();
      holdBack(res, answer, entry.until - now);
      return true;
    },
    holdBack,
    get refused() {
      return refused;
    },
  };
}

/**
 * The door's keys of a request, from its headers alone (no body, no database): the tenant of a
 * bearer token (verified, from the token cache), or the client address of an anonymous request.
 * A partner's keys are known once its API key is checked (graphql-endpoint.ts). A credential that
 * does not verify gives none: the request goes on, and is refused as it always was.
 */
export function doorKeys(tokens: TokenService, trustProxyHops: number): (req: http.IncomingMessage) => string[] {
  return (req) => {
    const authorization = req.headers.authorization;
    if (authorization === undefined || authorization.trim() === '')
      return [`source:${clientAddress(req, trustProxyHops) ?? 'unknown'}`];
    const token = /^Bearer (\S+)$/.exec(authorization.trim())?.[1];
    if (!token) return [];
    try {
      const claims = tokens.verify(token);
      if (claims.role !== 'admin') return [`tenant:${claims.sub}`];
      const actAs = req.headers['x-act-as-creator'];
      return typeof actAs === 'string' ? [`tenant:${actAs.trim().toLowerCase()}`] : [];
    } catch {
      return [];
    }
  };
}
