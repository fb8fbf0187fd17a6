// Boots the whole server from a validated config: database (embedded when no DATABASE_URL),
// migrations, first-run demo data, the HTTP server. main.ts calls it for `npm start`; the tests
// call it to get a real server on a random port.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTokenService, type TokenService } from './auth/tokens';
import type { Config, JwtConfig } from './config';
import { openDatabase, type Database } from './db/database';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded';
import { migrate, pendingMigrations } from './db/migrate';
import { checkDatabaseSafety, checkDatabasesReachable, UnsafeDatabaseError } from './db/startup-checks';
import { listenError, preflight } from './server/preflight';
import { seedDemoData, type SeededCreator } from './db/seed/seed';
import { schema } from './graphql/schema';
import type { Runner } from 'graphile-worker';
import { prepareJobQueue, startJobs } from './jobs/worker';
import type { Logger } from './logger';
import { createContextFactory } from './server/context';
import { deriveCursorKey } from './server/cursor-key';
import { createHttpServer } from './server/http';
import { createSubscriptionServer } from './server/websocket';
import { startChangeListener, type ChangeListener } from './realtime/listener';
import { createApiKeyAuthenticator } from './auth/partner-auth';
import { createApqCache, type ApqCache } from './server/persisted/apq-cache';
import { knownOperationNames, loadManifest } from './server/persisted/manifest';
import { createUsageRecorder, type UsageRecorder } from './server/usage-log';
import { createMetrics, serveMetrics, type MetricsListener } from './server/metrics';
import { createRefusalDoor, doorKeys } from './server/refusals';
import {
  createAuthGuard,
  createRateStore,
  createTenantRateLimiter,
  type RateStore,
  type TenantRateLimiter,
} from './server/rate-limit';
import { setStatementTimeout } from './db/tenant';
import { createCors } from './server/cors';
import { createBrowserPages } from './server/pages';

export interface App {
  url: string;
  port: number;
  /** The port of the metrics listener, with METRICS_PORT (0 picks a free one). */
  metricsPort?: number;
  db: Database;
  tokens: TokenService;
  /** The change listener of this instance (its hub routes events to subscribers). */
  listener: ChangeListener;
  /** Demo creators, when this start seeded or found them. */
  demo: SeededCreator[];
  /** Stops accepting, drains in-flight requests, closes the pools and the embedded database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * The caller stops the app on SIGINT and SIGTERM (main.ts does). The embedded PostgreSQL then
   * runs in a session of its own, so that the terminal's Ctrl-C reaches only this process, which
   * drains first and stops PostgreSQL last.
   */
  handlesSignals?: boolean;
}

const EMBEDDED_DATABASE = 'creatorgraph';

/** Without a configured key, development uses a random secret kept in the data directory. */
function resolveJwtConfig(config: Config, log: Logger): JwtConfig {
  if (config.jwt.secret || config.jwt.publicKey) return config.jwt;
  const file = path.join(config.dataDir, 'jwt-secret');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(file, crypto.randomBytes(48).toString('base64url'), { mode: 0o600 });
    log.info({ file }, 'JWT_SECRET is not set: generated a development secret');
  }
  return { ...config.jwt, secret: fs.readFileSync(file, 'utf8').trim() };
}

export async function startApp(config: Config, log: Logger, options: StartOptions = {}): Promise<App> {
  // First: settings, directories and ports that would fail later (and less plainly).
  await preflight(config);
  const tokens = createTokenService(resolveJwtConfig(config, log));
  const operations = loadManifest(schema);
  setStatementTimeout(config.statementTimeoutMs);
  let embedded: EmbeddedPostgres | undefined;
  let urls: { app: string; owner: string };
  if (config.databaseUrl && config.databaseOwnerUrl) {
    urls = { app: config.databaseUrl, owner: config.databaseOwnerUrl };
    await checkDatabasesReachable(urls);
  } else {
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
      database: EMBEDDED_DATABASE,
      onProgress: (message) => log.info(message),
      onLog: (message) => log.debug({ postgres: message }),
      ownSession: options.handlesSignals,
      // A server that shared another's cluster would be left unready once that one stopped it.
      ifRunning: 'refuse',
    });
    urls = { app: embedded.appUrl, owner: embedded.ownerUrl };
    log.info({ port: embedded.port, dataDir: config.dataDir }, 'embedded PostgreSQL running');
  }

  let db: Database | undefined;
  let jobs: Runner | undefined;
  let listener: ChangeListener | undefined;
  let usage: UsageRecorder | undefined;
  let apq: ApqCache | undefined;
  let rateLimiter: TenantRateLimiter | undefined;
  let rateStore: RateStore | undefined;
  let metricsListener: MetricsListener | undefined;
  try {
    if (config.migrateOnStart) {
      const migrations = await migrate(urls.owner, { log: (message) => log.info(message) });
      log.info(
        { applied: migrations.applied.length, alreadyApplied: migrations.alreadyApplied.length },
        'migrations up to date',
      );
    }

    db = openDatabase(urls, {
      poolMax: config.databasePoolMax,
      log,
      preparedStatements: config.databasePreparedStatements,
      sqlReads: config.sqlReads,
      tenantShare: {
        share: config.fairness.tenantPoolShare,
        queueMax: config.fairness.tenantQueueMax,
        waitMs: config.fairness.tenantQueueWaitMs,
      },
    });
    // Refuse to serve on a database where tenant isolation would not hold, or that is behind.
    if (!config.migrateOnStart) {
      const pending = await pendingMigrations(db.ownerPool);
      if (pending.length > 0)
        throw new UnsafeDatabaseError(
          `Migrations are pending (${pending.join(', ')}): run npm run db:migrate, or start with MIGRATE_ON_START=true.`,
        );
    }
    await checkDatabaseSafety(db);
    let demo: SeededCreator[] = [];
    if (config.seedOnStart) {
      const creators = await db.owner.creator.count();
      if (creators === 0) {
        log.info('empty database: seeding demo data');
        demo = await seedDemoData(db.owner, (message) => log.info(message));
      }
    }

    // The queue's schema exists either way: the badge triggers queue evaluations into it.
    if (config.jobsEnabled)
      jobs = await startJobs(db.ownerPool, log, {
        tenant: { app: db.app, badgeEvaluationBudgetMs: config.fairness.badgeEvaluationBudgetMs },
      });
    else await prepareJobQueue(db.ownerPool, log);
    listener = await startChangeListener(config.databaseListenUrl ?? urls.app, log);
    const metrics = createMetrics({
      pools: { app: db.appPool, owner: db.ownerPool },
      hub: listener.hub,
      knownOperations: knownOperationNames(operations),
    });
    // One store of counts (Redis with REDIS_URL) for the plans' rates and the auth limits.
    rateStore = createRateStore({ redisUrl: config.redisUrl, log });
    const door = {
      refusals: createRefusalDoor({
        delayMs: config.fairness.refusalDelayMs,
        onRefused: () => metrics.rateLimited('door'),
      }),
      keysOf: doorKeys(tokens, config.fairness.trustProxyHops),
    };
    rateLimiter = config.rateLimits
      ? createTenantRateLimiter({ metrics, log, store: rateStore, door: door.refusals })
      : undefined;
    const authGuard = createAuthGuard({ store: rateStore, fairness: config.fairness, door: door.refusals });
    const buildContext = createContextFactory({
      tokens,
      db,
      log,
      realtime: { hub: listener.hub },
      operations,
      rateLimiter,
      authGuard,
      fairness: config.fairness,
      cursorKey: deriveCursorKey(config),
    });
    const production = config.nodeEnv === 'production';
    usage = createUsageRecorder(db, log, { flushIntervalMs: config.usageLogFlushMs });
    apq = createApqCache({ redisUrl: config.redisUrl, log });
    const persisted = { manifest: operations, authenticate: createApiKeyAuthenticator(db, log, usage), usage, apq };
    const cors = createCors(config.browser);
    const http = await createHttpServer({
      schema,
      buildContext,
      db,
      production,
      limits: config.limits,
      persisted,
      metrics,
      metricsAccess: config.metrics,
      rateLimiter,
      resolverBudgetMs: config.resolverBudgetMs,
      log,
      fairness: config.fairness,
      door,
      cors,
      pages: createBrowserPages(config.browser, { tokens, db, production }),
    });
    const subscriptions = createSubscriptionServer({
      server: http.server,
      schema,
      buildContext,
      production,
      limits: config.limits,
      log,
      rateLimiter,
      resolverBudgetMs: config.resolverBudgetMs,
      metrics,
      fairness: config.fairness,
      allowsUpgrade: (req) => cors.allowsUpgrade(req),
    });
    metrics.countSubscriptionsWith(() => ({
      sockets: subscriptions.clients(),
      operations: subscriptions.openOperations(),
    }));
    // Before the API port: a metrics port in use stops the start with nothing left listening.
    const metricsPort = config.metrics.port;
    if (metricsPort !== undefined) {
      metricsListener = await serveMetrics(metrics, { ...config.metrics, port: metricsPort }, log);
      log.info({ host: config.metrics.host, port: metricsListener.port }, 'metrics listener running');
    }

    await new Promise<void>((resolve, reject) => {
      // Checked before the start (preflight), but another process may have taken it since.
      http.server.once('error', (error) => reject(listenError(error, config.host, config.port, 'HOST', 'PORT')));
      http.server.listen(config.port, config.host, resolve);
    });
    const port = (http.server.address() as AddressInfo).port;
    const openDb = db;
    const openListener = listener;
    const openUsage = usage;
    const openApq = apq;
    const openLimiter = rateLimiter;
    const openStore = rateStore;
    const openMetrics = metricsListener;

    let stopping: Promise<void> | undefined;
    return {
      url: `http://${config.host}:${port}/graphql`,
      port,
      metricsPort: openMetrics?.port,
      db: openDb,
      tokens,
      listener: openListener,
      demo,
      stop() {
        stopping ??= (async () => {
          // Together: sockets get 1001 (going away) so clients reconnect elsewhere, and HTTP
          // stops accepting and finishes the requests in flight; then Apollo.
          await Promise.all([subscriptions.close(), http.drainer.stop(), openMetrics?.close()]);
          await http.apollo.stop();
          await authGuard.passwords.close();
          await openUsage.stop();
          await openApq.close();
          await openLimiter?.close();
          await openStore.close();
          await openListener.stop();
          // Let running jobs finish (graphile-worker releases their locks), then close the pools.
          await jobs?.stop();
          await openDb.close();
          // The pools' last connections may still be on their way out: let them end.
          await embedded?.stop({ clientsGraceMs: 5_000 });
        })();
        return stopping;
      },
    };
  } catch (error) {
    await metricsListener?.close();
    await usage?.stop();
    await apq?.close();
    await rateLimiter?.close();
    await rateStore?.close();
    await jobs?.stop();
    await listener?.stop();
    await db?.close();
    await embedded?.stop();
    throw error;
  }
}
