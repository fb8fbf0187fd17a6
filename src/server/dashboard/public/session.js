// The signed-in session: logIn, then refreshSession before the access token expires (15 minutes
// by default), for as long as the page is open. The refresh token is single use: each refresh
// returns the next one, and presenting a used one again ends every session of the log-in, so
// there is never more than one refresh in flight. Tokens live in memory only (not in storage
// that scripts of other pages of this origin could read): a reload signs in again.
import { ApiError, LOG_IN, LOG_OUT, REFRESH_SESSION, request } from './api.js';

/** Refresh once this share of the token's lifetime has passed. */
const REFRESH_AT = 0.75;
/** Waits between attempts when a refresh fails for a reason that may pass (network, 429). */
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 20_000];

/** A sign-in the server refused: the union member's typename, code and message. */
export class SignInError extends Error {
  constructor(typename, code, message) {
    super(message);
    this.typename = typename;
    this.code = code;
  }
}

/**
 * The token's lifetime by its own claims (exp - iat, both on the server's clock), so that a
 * client clock that is off does not move the refresh; the expiry instant otherwise.
 */
function lifetimeMs(accessToken, expiresAt) {
  try {
    const claims = JSON.parse(atob(accessToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    if (Number.isFinite(claims.exp) && Number.isFinite(claims.iat) && claims.exp > claims.iat)
      return (claims.exp - claims.iat) * 1000;
  } catch {
    // Not a token whose claims we can read: fall back on the expiry the server sent.
  }
  return Math.max(0, Date.parse(expiresAt) - Date.now());
}

function payloadOf(result) {
  if (result.__typename === 'AuthPayload') return result;
  const fields =
    result.fields && result.fields.length ? `: ${result.fields.map((f) => `${f.path} ${f.message}`).join('; ')}` : '';
  throw new SignInError(result.__typename, result.code, `${result.message}${fields}`);
}

export class Session {
  /**
   * @param {{ onToken(token: string): void, onEnded(reason: string): void }} handlers
   *   onToken: a fresh access token (after a refresh); onEnded: the session is over.
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.current = null;
    this.refreshing = null;
    this.timer = undefined;
    this.refreshes = 0;
    document.addEventListener('visibilitychange', () => {
      // Timers of hidden tabs are throttled: catch up as soon as the page is seen again.
      if (document.visibilityState === 'visible' && this.current && Date.now() >= this.current.refreshAt)
        void this.refresh();
    });
  }

  get accessToken() {
    return this.current ? this.current.accessToken : null;
  }

  get creator() {
    return this.current ? this.current.creator : null;
  }

  /** Signs in; throws SignInError (the server said no) or ApiError (429, network). */
  async logIn(email, password) {
    const { logIn } = await request(LOG_IN, { email, password });
    this.adopt(payloadOf(logIn));
    return this.current.creator;
  }

  adopt(payload) {
    const lifetime = lifetimeMs(payload.accessToken, payload.accessTokenExpiresAt);
    const now = Date.now();
    this.current = { ...payload, refreshAt: now + lifetime * REFRESH_AT, validUntil: now + lifetime };
    this.schedule(this.current.refreshAt - now);
  }

  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.max(0, ms));
  }

  /** Rotates the tokens (once at a time); resolves with the new access token, or null once ended. */
  refresh() {
    if (!this.current) return Promise.resolve(null);
    if (!this.refreshing) this.refreshing = this.rotate().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  async rotate(attempt = 0) {
    const used = this.current;
    try {
      const { refreshSession } = await request(REFRESH_SESSION, { refreshToken: used.refreshToken });
      if (this.current !== used) return this.accessToken; // signed out or in again meanwhile
      this.adopt(payloadOf(refreshSession));
      this.refreshes += 1;
      this.handlers.onToken(this.current.accessToken);
      return this.current.accessToken;
    } catch (error) {
      if (this.current !== used) return this.accessToken;
      // The server refused the refresh token (expired, revoked, already used): over.
      if (error instanceof SignInError) return this.end(`Your session ended: ${error.message}. Sign in again.`);
      const retryMs =
        error instanceof ApiError && error.retryAfterSeconds
          ? error.retryAfterSeconds * 1000
          : RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      // Worth another try while the refresh token is good (30 days); the access token may lapse
      // meanwhile, and the live view shows "reconnecting" until a refresh gets through.
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      if (this.current !== used) return this.accessToken;
      return this.rotate(attempt + 1);
    }
  }

  /** Ends the log-in on the server too (best effort: the page forgets the tokens either way). */
  async logOut() {
    const ending = this.current;
    this.forget();
    if (ending) await request(LOG_OUT, { refreshToken: ending.refreshToken }).catch(() => undefined);
  }

  end(reason) {
    this.forget();
    this.handlers.onEnded(reason);
    return null;
  }

  forget() {
    clearTimeout(this.timer);
    this.current = null;
  }
}
