// The only module that reads process.env (the parsers in src/config/ get it from here). Every
// setting is parsed and validated once, at start-up; a bad value fails with a message that
// names the variable, before anything listens or connects.
import path from 'node:path';
import { browserConfig, type BrowserConfig } from './config/browser';
import { fairnessConfig, type FairnessConfig } from './config/fairness';
import { queryLimits, type QueryLimits } from './config/limits';
import { bool, ConfigError, int, oneOf, pem, postgresUrl, secretOf, str, type Env } from './config/parse';

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
  /**
   * Compile nested reads to one SQL statement each (SQL_READS, default on; db/sql-read/). Off
   * sends every read to Prisma, level by level: for measuring (`npm run bench:ablate`).
   */
  sqlReads: boolean;
  /** How long a partner creator's API usage rows wait for its next call before a write of their own (USAGE_LOG_FLUSH_MS). */
  usageLogFlushMs: number;
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
  limits: QueryLimits;
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

export interface MetricsConfig {
  /** METRICS_TOKEN (at least 32 bytes): `Authorization: Bearer <token>` opens /metrics on the API port. */
  token?: string;
  /** METRICS_PORT: a separate listener for /metrics alone, on METRICS_HOST (default 127.0.0.1). */
  port?: number;
  host: string;
  /** Whether anonymous clients may read /metrics on the API port: only outside production, and only with neither of the above set. */
  openOnApiPort: boolean;
}

function metricsConfig(env: Env, production: boolean): MetricsConfig {
  const token = secretOf(env, 'METRICS_TOKEN');
  const port =
    env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? undefined : int(env, 'METRICS_PORT', 0, 0, 65535);
  return {
    token,
    port,
    host: str(env, 'METRICS_HOST') ?? '127.0.0.1',
    openOnApiPort: !production && token === undefined && port === undefined,
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
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      nodeEnv === 'test' ? 'silent' : 'info',
    ),
    databaseUrl,
    databaseOwnerUrl,
    databasePoolMax: int(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
    databaseListenUrl: postgresUrl(env, 'DATABASE_LISTEN_URL'),
    databasePreparedStatements: bool(env, 'DATABASE_PREPARED_STATEMENTS', true),
    sqlReads: bool(env, 'SQL_READS', true),
    usageLogFlushMs: int(env, 'USAGE_LOG_FLUSH_MS', 1_000, 100, 60_000),
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
    limits: queryLimits(env),
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
