// The only module that reads process.env. Every setting is parsed and validated here, once,
// at start-up; a bad value fails with a message that names the variable, before anything
// listens or connects.
import path from 'node:path';
import { DEFAULT_LIMITS } from './server/limits';

export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface JwtConfig {
  /** HS256 shared secret (at least 32 bytes). */
  secret?: string;
  /** PEM public key for RS256/ES256 verification. */
  publicKey?: string;
  /** PEM private key for signing when a public key is configured. */
  privateKey?: string;
  issuer: string;
  audience: string;
  /** Access-token lifetime in seconds. */
  accessTokenTtlSeconds: number;
}

export interface Config {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  logLevel: LogLevel;
  /** Login role that is a member of app_user. Unset: start an embedded PostgreSQL. */
  databaseUrl?: string;
  /** Role that owns the schema: migrations and the few privileged paths. */
  databaseOwnerUrl?: string;
  /** Maximum connections in the application pool. */
  databasePoolMax: number;
  /**
   * A direct connection for LISTEN (DATABASE_LISTEN_URL), when DATABASE_URL goes through a
   * transaction-pooling PgBouncer, which cannot hold a LISTEN. Defaults to DATABASE_URL.
   */
  databaseListenUrl?: string;
  /**
   * Prepare each statement text once per connection (DATABASE_PREPARED_STATEMENTS, default on).
   * Off behind a transaction-pooling PgBouncer older than 1.21, or with max_prepared_statements
   * at 0 (its default): it then cannot carry prepared statements between server connections.
   */
  databasePreparedStatements: boolean;
  /** How long a request's resolvers may keep starting work (RESOLVER_BUDGET_MS). */
  resolverBudgetMs: number;
  /** Enforce the plans' request and cost rates (RATE_LIMITS=on|off). */
  rateLimits: boolean;
  /** Longest a statement of a request may run (STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs: number;
  /** Apply pending migrations at start (MIGRATE_ON_START); when off, pending ones stop the start. */
  migrateOnStart: boolean;
  jwt: JwtConfig;
  redisUrl?: string;
  /** Where the embedded PostgreSQL keeps its cluster and generated credentials. */
  dataDir: string;
  /** Port of the embedded PostgreSQL. */
  embeddedPostgresPort: number;
  /** Seed demo data into an empty database on start (default: on, except in production). */
  seedOnStart: boolean;
  /** Run the job queue (rollups, retention) in this process (default: on, except in tests). */
  jobsEnabled: boolean;
  /** Query limits, applied to HTTP and WebSocket operations alike. */
  limits: { maxDepth: number; maxAliases: number; maxCost: number; maxTokens: number; maxDirectives: number };
  /** Resource fairness between tenants and anonymous clients (README: Limits). */
  fairness: FairnessConfig;
  /**
   * Key material for the sealed (encrypted and authenticated) pagination and change-feed cursors
   * (CURSOR_SECRET, at least 32 bytes). Every instance must share it. Unset: derived from
   * JWT_SECRET or JWT_PRIVATE_KEY; with neither, a random key per process (development only).
   */
  cursorSecret?: string;
  /** Who may read the Prometheus metrics (README: Metrics). */
  metrics: MetricsConfig;
  /** Browser clients: CORS, the explorer and the dashboard (README: Browser clients). */
  browser: BrowserConfig;
}

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

export interface MetricsConfig {
  /** METRICS_TOKEN (at least 32 bytes): `Authorization: Bearer <token>` opens /metrics on the API port. */
  token?: string;
  /** METRICS_PORT: a separate listener for /metrics alone, on METRICS_HOST (default 127.0.0.1). */
  port?: number;
  host: string;
  /** Whether anonymous clients may read /metrics on the API port: only outside production, and only with neither of the above set. */
  openOnApiPort: boolean;
}

export interface FairnessConfig {
  /** Connections of the application pool one tenant may hold at once (TENANT_POOL_SHARE). */
  tenantPoolShare: number;
  /** A tenant's operations that may wait for its share (TENANT_QUEUE_MAX); past it: RATE_LIMITED. */
  tenantQueueMax: number;
  /** How long one of them may wait (TENANT_QUEUE_WAIT_MS); past it: RATE_LIMITED. */
  tenantQueueWaitMs: number;
  /** Proxies in front of the server whose X-Forwarded-For is trusted (TRUST_PROXY, hops; 0: none). */
  trustProxyHops: number;
  /** Anonymous auth calls (log-in, sign-up, refresh) per client address per minute (AUTH_RATE_PER_SOURCE). */
  authPerSourcePerMinute: number;
  /** Failed log-ins per account per minute before the account is throttled (AUTH_RATE_PER_ACCOUNT). */
  authPerAccountPerMinute: number;
  /** Sign-ups per client address per hour (SIGNUP_RATE_PER_SOURCE). */
  signUpsPerSourcePerHour: number;
  /** Password hashes computed at once, off the event loop (PASSWORD_HASH_CONCURRENCY). */
  passwordHashConcurrency: number;
  /** Password hashes that may wait (PASSWORD_HASH_QUEUE); past it: RATE_LIMITED. */
  passwordHashQueue: number;
  /** The largest response body, in bytes (MAX_RESPONSE_BYTES); past it: RESPONSE_TOO_LARGE. */
  maxResponseBytes: number;
  /** Subscriptions one WebSocket may hold (MAX_SUBSCRIPTIONS_PER_SOCKET). */
  maxSubscriptionsPerSocket: number;
  /** Subscriptions one tenant may hold on this instance when its plan sets none (MAX_SUBSCRIPTIONS_PER_TENANT). */
  maxSubscriptionsPerTenant: number;
  /** How long one badge evaluation may run, in ms (BADGE_EVALUATION_BUDGET_MS). */
  badgeEvaluationBudgetMs: number;
  /** How long a refusal at the door is held back, in ms (REFUSAL_DELAY_MS; server/refusals.ts). */
  refusalDelayMs: number;
  /** Requests of one client (tenant or anonymous address) served at once over HTTP (TENANT_REQUEST_CONCURRENCY). */
  requestConcurrency: number;
  /** How long a request may wait for its client's turn, in ms (REQUEST_QUEUE_WAIT_MS); past it: RATE_LIMITED. */
  requestQueueWaitMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = str(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = str(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number (got "${value}")`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${n})`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = str(env, name);
  if (value === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(name, `must be true or false (got "${value}")`);
}

function postgresUrl(env: Env, name: string): string | undefined {
  const value = str(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, 'must be a postgres:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must be a postgres:// URL (got protocol "${url.protocol}")`);
  }
  if (url.pathname.length <= 1) throw new ConfigError(name, 'must name a database');
  return value;
}

function pem(env: Env, name: string): string | undefined {
  const value = str(env, name);
  if (value === undefined) return undefined;
  // Allow keys passed on one line with literal \n, as many secret stores require.
  const text = value.replace(/\\n/g, '\n');
  if (!text.includes('-----BEGIN ')) throw new ConfigError(name, 'must be a PEM-encoded key');
  return text;
}

function secretOf(env: Env, name: string): string | undefined {
  const value = str(env, name);
  if (value !== undefined && Buffer.byteLength(value, 'utf8') < 32) throw new ConfigError(name, 'must be at least 32 bytes');
  return value;
}

function metricsConfig(env: Env, production: boolean): MetricsConfig {
  const token = secretOf(env, 'METRICS_TOKEN');
  const port = env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? undefined : int(env, 'METRICS_PORT', 0, 0, 65535);
  return { token, port, host: str(env, 'METRICS_HOST') ?? '127.0.0.1', openOnApiPort: !production && token === undefined && port === undefined };
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
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value.toLowerCase() || value.includes('*')) {
    throw new ConfigError(name, `has "${value}", which is not an exact origin: write it as a browser sends it, scheme://host[:port] with no path, trailing slash, default port or wildcard (e.g. https://admin.example.com)`);
  }
  return url.origin;
}

function browserConfig(env: Env, production: boolean): BrowserConfig {
  const raw = str(env, 'CORS_ORIGINS');
  const listed = raw === undefined || raw.toLowerCase() === 'none' ? [] : raw.split(',').map((o) => o.trim()).filter(Boolean);
  return {
    corsOrigins: [...new Set(listed.map((o) => origin('CORS_ORIGINS', o)))],
    corsLoopback: raw === undefined && !production,
    explorer: bool(env, 'EXPLORER', !production),
    dashboard: bool(env, 'DASHBOARD', !production),
  };
}

function fairnessConfig(env: Env): FairnessConfig {
  const poolMax = int(env, 'DATABASE_POOL_MAX', 10, 1, 1000);
  return {
    // A quarter of the pool by default, at least one connection.
    tenantPoolShare: int(env, 'TENANT_POOL_SHARE', Math.max(1, Math.ceil(poolMax / 4)), 1, poolMax),
    tenantQueueMax: int(env, 'TENANT_QUEUE_MAX', 64, 0, 100_000),
    tenantQueueWaitMs: int(env, 'TENANT_QUEUE_WAIT_MS', 2_000, 0, 600_000),
    trustProxyHops: int(env, 'TRUST_PROXY', 0, 0, 10),
    authPerSourcePerMinute: int(env, 'AUTH_RATE_PER_SOURCE', 30, 1, 1_000_000),
    authPerAccountPerMinute: int(env, 'AUTH_RATE_PER_ACCOUNT', 5, 1, 1_000_000),
    signUpsPerSourcePerHour: int(env, 'SIGNUP_RATE_PER_SOURCE', 20, 1, 1_000_000),
    passwordHashConcurrency: int(env, 'PASSWORD_HASH_CONCURRENCY', 1, 1, 64),
    passwordHashQueue: int(env, 'PASSWORD_HASH_QUEUE', 16, 0, 10_000),
    maxResponseBytes: int(env, 'MAX_RESPONSE_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxSubscriptionsPerSocket: int(env, 'MAX_SUBSCRIPTIONS_PER_SOCKET', 25, 1, 10_000),
    maxSubscriptionsPerTenant: int(env, 'MAX_SUBSCRIPTIONS_PER_TENANT', 500, 1, 1_000_000),
    badgeEvaluationBudgetMs: int(env, 'BADGE_EVALUATION_BUDGET_MS', 1_000, 10, 60_000),
    refusalDelayMs: int(env, 'REFUSAL_DELAY_MS', 1_000, 0, 10_000),
    requestConcurrency: int(env, 'TENANT_REQUEST_CONCURRENCY', 2, 1, 10_000),
    requestQueueWaitMs: int(env, 'REQUEST_QUEUE_WAIT_MS', 10_000, 0, 600_000),
  };
}

/**
 * Reads and validates the whole configuration. `overrides` lets the embedded bootstrap and the
 * tests supply values (for example generated database URLs) without touching process.env.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'test', 'production'] as const, 'development');
  const production = nodeEnv === 'production';

  const databaseUrl = postgresUrl(env, 'DATABASE_URL');
  const databaseOwnerUrl = postgresUrl(env, 'DATABASE_OWNER_URL');
  if (databaseOwnerUrl && !databaseUrl) {
    throw new ConfigError('DATABASE_URL', 'must be set when DATABASE_OWNER_URL is set');
  }
  if (databaseUrl && !databaseOwnerUrl) {
    throw new ConfigError(
      'DATABASE_OWNER_URL',
      'must be set with DATABASE_URL: DATABASE_URL is the non-owner login role the server queries as (a member of app_user), DATABASE_OWNER_URL the role that owns the schema and runs migrations',
    );
  }
  if (production && !databaseUrl) {
    throw new ConfigError('DATABASE_URL', 'is required in production (the embedded database is for development)');
  }

  const secret = str(env, 'JWT_SECRET');
  const publicKey = pem(env, 'JWT_PUBLIC_KEY');
  const privateKey = pem(env, 'JWT_PRIVATE_KEY');
  if (secret !== undefined && Buffer.byteLength(secret, 'utf8') < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 bytes');
  }
  if (secret && publicKey) {
    throw new ConfigError('JWT_PUBLIC_KEY', 'and JWT_SECRET are mutually exclusive; set one');
  }
  if (privateKey && !publicKey) {
    throw new ConfigError('JWT_PRIVATE_KEY', 'requires JWT_PUBLIC_KEY');
  }
  if (production && !secret && !publicKey) {
    throw new ConfigError('JWT_SECRET', 'or JWT_PUBLIC_KEY is required in production');
  }

  const config: Config = {
    nodeEnv,
    host: str(env, 'HOST') ?? '127.0.0.1',
    port: int(env, 'PORT', 4000, 0, 65535),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, nodeEnv === 'test' ? 'silent' : 'info'),
    databaseUrl,
    databaseOwnerUrl,
    databasePoolMax: int(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
    databaseListenUrl: postgresUrl(env, 'DATABASE_LISTEN_URL'),
    databasePreparedStatements: bool(env, 'DATABASE_PREPARED_STATEMENTS', true),
    statementTimeoutMs: int(env, 'STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000),
    rateLimits: oneOf(env, 'RATE_LIMITS', ['on', 'off'] as const, 'on') === 'on',
    resolverBudgetMs: int(env, 'RESOLVER_BUDGET_MS', 10_000, 1, 600_000),
    migrateOnStart: bool(env, 'MIGRATE_ON_START', true),
    jwt: {
      secret,
      publicKey,
      privateKey,
      issuer: str(env, 'JWT_ISSUER') ?? 'creatorgraph',
      audience: str(env, 'JWT_AUDIENCE') ?? 'creatorgraph-api',
      accessTokenTtlSeconds: int(env, 'JWT_ACCESS_TTL_SECONDS', 15 * 60, 30, 24 * 60 * 60),
    },
    redisUrl: str(env, 'REDIS_URL'),
    dataDir: path.resolve(str(env, 'DATA_DIR') ?? '.data'),
    embeddedPostgresPort: int(env, 'EMBEDDED_PG_PORT', 54329, 1024, 65535),
    seedOnStart: bool(env, 'SEED_ON_START', !production),
    jobsEnabled: bool(env, 'JOBS_ENABLED', nodeEnv !== 'test'),
    limits: {
      maxDepth: int(env, 'MAX_QUERY_DEPTH', DEFAULT_LIMITS.maxDepth, 2, 100),
      maxAliases: int(env, 'MAX_QUERY_ALIASES', DEFAULT_LIMITS.maxAliases, 0, 1000),
      maxCost: int(env, 'MAX_QUERY_COST', DEFAULT_LIMITS.maxCost, 100, Number.MAX_SAFE_INTEGER),
      maxTokens: int(env, 'MAX_QUERY_TOKENS', DEFAULT_LIMITS.maxTokens, 100, 1_000_000),
      maxDirectives: int(env, 'MAX_QUERY_DIRECTIVES', DEFAULT_LIMITS.maxDirectives, 0, 1000),
    },
    fairness: fairnessConfig(env),
    cursorSecret: secretOf(env, 'CURSOR_SECRET'),
    metrics: metricsConfig(env, production),
    browser: browserConfig(env, production),
    ...overrides,
  };
  if (config.redisUrl && !/^rediss?:\/\//.test(config.redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }
  return config;
}
