// The limits of the calls anyone can make (log-in, sign-up, refresh, log-out), as the auth flow
// sees them. server/rate-limit.ts implements them over the shared rate store; the request type
// is a parameter so that this layer knows nothing of the graph layer's context. The per-account
// limits need only the caller's address, so the sign-in services call them without a context.
import type { GraphQLError } from 'graphql';
import { PasswordHasher } from './passwords';

/** A caller as the per-account limits know it: its client address. */
export interface AuthCaller {
  client: { ip?: string };
}

export interface AuthGuard<Request> {
  /**
   * Per client address: the auth fields of an operation (AUTH_RATE_PER_SOURCE a minute) and its
   * sign-ups (SIGNUP_RATE_PER_SOURCE an hour), in one atomic step; the refusal (429 with
   * Retry-After) if over, and nothing counted.
   */
  admitSource(request: Request, fields: { name: string }[]): Promise<GraphQLError | undefined>;
  /**
   * Per account (an email, whether it has an account or not): takes one failed log-in from its
   * budget (AUTH_RATE_PER_ACCOUNT a minute) before the password is checked, so that concurrent
   * attempts cannot all slip through; `release` gives it back if the password was right.
   * Throttled: nothing more is counted, and the password must not be checked. A source that
   * signed up or logged in to this account in the last KNOWN_SOURCE_TTL_MS is never throttled
   * for it. Accounts are keyed by a hash of the email: no address is stored in the counters.
   */
  reserveFailure(caller: AuthCaller, account: string): Promise<{ throttled: boolean; release(): Promise<void> }>;
  /** After a successful log-in: this source now knows the account. */
  rememberSource(caller: AuthCaller, account: string): Promise<void>;
  /** True once per account and window: record the throttling as a security event then. */
  firstThrottle(account: string): boolean;
  passwords: PasswordHasher;
}

/** What the sign-in services use of a guard: the per-account limits and the hasher. */
export type AccountGuard = Omit<AuthGuard<never>, 'admitSource'>;

/** Without a guard (a context built by hand): no limits, but still a bounded hasher. */
export const UNGUARDED: AuthGuard<unknown> = {
  passwords: new PasswordHasher(2, 64),
  admitSource: async () => undefined,
  reserveFailure: async () => ({ throttled: false, release: async () => {} }),
  rememberSource: async () => {},
  firstThrottle: () => false,
};
