// Shared by the command-line tools: the configured database, or the embedded one (started for
// the duration of the command, or shared if `npm start` is already running it).
import { loadConfig, type Config } from '../config';
import { startEmbeddedPostgres } from '../db/embedded';
import { createLogger, type Logger } from '../logger';

export async function withConfiguredDatabase<T>(
  fn: (urls: { app: string; owner: string }, config: Config, log: Logger) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const log = createLogger(config.logLevel === 'silent' ? 'silent' : 'info');
  if (config.databaseUrl && config.databaseOwnerUrl) {
    return fn({ app: config.databaseUrl, owner: config.databaseOwnerUrl }, config, log);
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    database: 'creatorgraph',
    onProgress: (message) => log.info(message),
  });
  try {
    return await fn({ app: embedded.appUrl, owner: embedded.ownerUrl }, config, log);
  } finally {
    await embedded.stop();
  }
}

export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
