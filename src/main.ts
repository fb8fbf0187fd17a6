// Entry point for `npm start`: config -> database -> servers -> graceful shutdown.
import { startApp, type App } from './app';
import { loadConfig, type Config } from './config';
import { ConfigError } from './config/parse';
import { StartupError } from './db/startup-checks';
import { DEMO_CREATORS } from './db/seed/demo-content';
import { DEMO_ADMIN } from './db/seed/seed';
import { createLogger, type Logger } from './logger';

const SHUTDOWN_BOUND_MS = 15_000;

async function printWelcome(app: App, config: Config): Promise<void> {
  const lines = [
    ``,
    `  creatorgraph is serving GraphQL on ${app.url}`,
    `  health: ${app.url.replace('/graphql', '/healthz')}  readiness: ${app.url.replace('/graphql', '/readyz')}`,
  ];
  if (config.browser.explorer) lines.push(`  explorer: open ${app.url} in a browser`);
  if (config.browser.dashboard) lines.push(`  live dashboard: ${app.url.replace('/graphql', '/dashboard')}`);
  if (config.nodeEnv !== 'production') {
    const demo = await app.db.owner.creator.findMany({
      where: { email: { in: DEMO_CREATORS.map((d) => d.email) } },
      select: { id: true, email: true },
    });
    if (demo.length > 0) {
      lines.push(``, `  Demo creators (development only). A token valid for 8 hours for each:`);
      for (const creator of demo) {
        const password = DEMO_CREATORS.find((d) => d.email === creator.email)?.password;
        const { token } = app.tokens.sign({ sub: creator.id, role: 'creator' }, 8 * 3600);
        lines.push(``, `  ${creator.email}  (password: ${password})`, `  Authorization: Bearer ${token}`);
      }
      lines.push(
        ``,
        `  Or sign in: mutation { logIn(email: "...", password: "...") { ... on AuthPayload { accessToken } } }`,
        `  Platform admin: ${DEMO_ADMIN.email} (password: ${DEMO_ADMIN.password}) with adminLogIn`,
        ``,
        `  Try it:`,
        `  curl -s ${app.url} -H 'content-type: application/json' \\`,
        `    -H "authorization: Bearer <token from above>" -d '{"query":"{ me { email companyName } }"}'`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

/**
 * SIGINT (Ctrl-C) and SIGTERM drain: readiness turns 503, requests in flight get their answers,
 * then the queue, the pools and PostgreSQL stop (app.stop()), and the process exits 0. Installed
 * before the start, so that a signal during the start stops the app as soon as it is up rather
 * than killing the process halfway (the embedded PostgreSQL runs in its own session and would
 * be left behind).
 */
function installShutdown(log: Logger): { started(app: App): void } {
  let app: App | undefined;
  let firstSignalAt = 0;
  let firstSignal: NodeJS.Signals = 'SIGTERM';
  const stop = (running: App, signal: NodeJS.Signals) => {
    log.info({ signal }, 'shutting down: draining requests');
    const timer = setTimeout(() => {
      log.error(`shutdown took longer than ${SHUTDOWN_BOUND_MS} ms: exiting`);
      process.exit(1);
    }, SHUTDOWN_BOUND_MS);
    timer.unref();
    running.stop().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt) {
      // Ctrl-C reaches us twice (the terminal signals the whole process group, and npm relays
      // it too): only a signal sent well after the first one means "stop waiting".
      if (Date.now() - firstSignalAt < 3_000) return;
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    firstSignalAt = Date.now();
    firstSignal = signal;
    if (app) stop(app, signal);
    else log.info({ signal }, 'stopping as soon as the start completes');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal closing: without this, node dies at once and PostgreSQL, in its own session,
  // would be left running (until the next start takes it over).
  process.on('SIGHUP', onSignal);
  return {
    started(running) {
      app = running;
      if (firstSignalAt) stop(running, firstSignal);
    },
  };
}

/** A mistake the operator can fix: one plain line on stderr, no stack, exit 1. */
function refuseToStart(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) refuseToStart(error.message);
    throw error;
  }
  const log = createLogger(config.logLevel);
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
  const shutdown = installShutdown(log);
  let app: App;
  try {
    app = await startApp(config, log, { handlesSignals: true });
  } catch (error) {
    if (error instanceof StartupError) refuseToStart(error.message);
    log.fatal({ err: error }, error instanceof Error ? error.message : 'failed to start');
    process.exit(1);
  }
  // The welcome reads the database: print it before a pending signal stops the app.
  await printWelcome(app, config);
  shutdown.started(app);
}

void main();
