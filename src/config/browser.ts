// Browser clients (README: Browser clients): CORS origins, the explorer and the dashboard.
import { bool, ConfigError, str, type Env } from './parse';

export interface BrowserConfig {
  /**
   * CORS_ORIGINS: the exact origins (scheme://host[:port]) whose pages may call the API and open
   * its WebSocket. Unset: none in production; in development and tests, any port of localhost,
   * 127.0.0.1 and [::1] (`loopback`). `none` allows no other origin.
   */
  corsOrigins: string[];
  /** Whether any http origin on this machine's loopback names is allowed (development default). */
  corsLoopback: boolean;
  /** EXPLORER: GET /graphql with Accept: text/html serves the explorer (default: on, except in production). */
  explorer: boolean;
  /** DASHBOARD: /dashboard serves the live analytics page (default: on, except in production). */
  dashboard: boolean;
}

/** An origin as browsers send it: scheme, host and port only, lower case, default port omitted. */
function origin(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `has "${value}", which is not an origin (scheme://host[:port])`);
  }
  // What a browser sends in Origin: no path, no trailing slash, no default port, no wildcard.
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    url.origin !== value.toLowerCase() ||
    value.includes('*')
  ) {
    throw new ConfigError(
      name,
      `has "${value}", which is not an exact origin: write it as a browser sends it, scheme://host[:port] with no path, trailing slash, default port or wildcard (e.g. https://admin.example.com)`,
    );
  }
  return url.origin;
}

export function browserConfig(env: Env, production: boolean): BrowserConfig {
  const raw = str(env, 'CORS_ORIGINS');
  const listed =
    raw === undefined || raw.toLowerCase() === 'none'
      ? []
      : raw
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean);
  return {
    corsOrigins: [...new Set(listed.map((o) => origin('CORS_ORIGINS', o)))],
    corsLoopback: raw === undefined && !production,
    explorer: bool(env, 'EXPLORER', !production),
    dashboard: bool(env, 'DASHBOARD', !production),
  };
}
