// The endpoints anyone can call (log-in, sign-up, refresh, log-out): calls per client address per
// minute, sign-ups per client address per hour, and failed log-ins per account per minute
// (FairnessConfig holds those settings), counted in the rate store (store.ts).
import crypto from 'node:crypto';
import type { AuthCaller, AuthGuard } from '../../auth/auth-guard';
import { PasswordHasher } from '../../auth/passwords';
import { boundedCache, firstInWindow } from '../../cache';
import type { FairnessConfig } from '../../config/fairness';
import type { Context } from '../../graphql/context';
import type { RefusalDoor } from '../refusals';
import { rateLimited, retryAfterMs, singleRetryAfter, WINDOW_MS, type RateEntry, type RateStore } from './store';

/** The mutations anyone can call, signed in or not. Each root field counts once. */
export const ANONYMOUS_AUTH_FIELDS: ReadonlySet<string> = new Set([
  'signUp',
  'logIn',
  'adminLogIn',
  'refreshSession',
  'logOut',
]);
const HOUR_MS = 60 * 60_000;
/** How long a source that logged in to an account stays exempt from its failed-log-in throttle. */
export const KNOWN_SOURCE_TTL_MS = 30 * 24 * HOUR_MS;

export function createAuthGuard(options: {
  store: RateStore;
  fairness: FairnessConfig;
  door?: RefusalDoor;
}): AuthGuard<Context> {
  const { store, fairness } = options;
  const passwords = new PasswordHasher(fairness.passwordHashConcurrency, fairness.passwordHashQueue);
  /** The window of each source's or account's last security event. */
  const reported = boundedCache<string, number>({ max: 10_000 });
  const sourceOf = (caller: AuthCaller) => caller.client.ip ?? 'unknown';
  const hashed = (account: string) => crypto.createHash('sha256').update(account).digest('base64url').slice(0, 24);
  const knownKey = (caller: AuthCaller, account: string) => `known:${hashed(account)}:${sourceOf(caller)}`;

  return {
    passwords,
    async admitSource(ctx, fields) {
      const auth = fields.filter((f) => ANONYMOUS_AUTH_FIELDS.has(f.name)).length;
      if (auth === 0) return undefined;
      const signUps = fields.filter((f) => f.name === 'signUp').length;
      const source = sourceOf(ctx);
      const entries: (RateEntry & { what: 'auth' | 'sign_up'; per: string })[] = [
        {
          key: `auth:source:${source}`,
          amount: auth,
          limit: fairness.authPerSourcePerMinute,
          windowMs: WINDOW_MS,
          what: 'auth',
          per: 'a minute',
        },
      ];
      if (signUps > 0)
        entries.push({
          key: `signup:source:${source}`,
          amount: signUps,
          limit: fairness.signUpsPerSourcePerHour,
          windowMs: HOUR_MS,
          what: 'sign_up',
          per: 'an hour',
        });
      const now = Date.now();
      const refused = await store.take(entries, now);
      if (!refused) return undefined;
      const e = entries[refused.index]!;
      const retryAfter = Math.max(1, Math.ceil(retryAfterMs(refused, e.amount, e.limit, now, e.windowMs) / 1000));
      if (firstInWindow(reported, e.key, e.windowMs)) {
        // One security event per source and window: the start of a burst, not every refusal.
        ctx.log.warn({ source, what: e.what, limit: e.limit }, 'auth rate limit reached');
        ctx.db.accounts.securityAuditLog
          .create({
            data: {
              creatorId: null,
              eventType: 'auth.rate_limited',
              severity: 'medium',
              eventData: { requestId: ctx.requestId, what: e.what, limit: e.limit },
              ipAddress: ctx.client.ip ?? null,
              userAgent: ctx.client.userAgent ?? null,
            },
          })
          .catch((error: Error) => ctx.log.warn({ err: error.message }, 'could not record an auth rate-limit event'));
      }
      const what = e.what === 'sign_up' ? 'sign-ups' : 'log-in, sign-up and session calls';
      const message = `Too many ${what} from this address: ${e.limit} are allowed ${e.per}.`;
      // An anonymous address over its limit is refused at the door until Retry-After, whatever
      // it asks (refusals.ts); signed-in requests from it are the tenant's to count.
      const single =
        e.what === 'auth' && ctx.viewer.kind === 'anonymous' ? singleRetryAfter(refused, e.limit, now) : undefined;
      if (single) options.door?.block(`source:${source}`, single, message);
      return rateLimited(`${message} Retry in ${retryAfter} s.`, retryAfter);
    },
    async reserveFailure(caller, account) {
      const none = { throttled: false, release: async () => {} };
      if (await store.marked(knownKey(caller, account))) return none;
      const key = `auth:account:${hashed(account)}`;
      const now = Date.now();
      const refused = await store.take(
        [{ key, amount: 1, limit: fairness.authPerAccountPerMinute, windowMs: WINDOW_MS }],
        now,
      );
      if (refused) return { throttled: true, release: async () => {} };
      return { throttled: false, release: () => store.add(key, WINDOW_MS, now, -1) };
    },
    rememberSource: (caller, account) => store.mark(knownKey(caller, account), KNOWN_SOURCE_TTL_MS),
    firstThrottle: (account) => firstInWindow(reported, `throttle:${account}`, WINDOW_MS),
  };
}
