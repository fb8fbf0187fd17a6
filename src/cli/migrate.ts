// npm run db:migrate: apply pending migrations to the configured (or embedded) database.
import { migrate } from '../db/migrate';
import { runCli, withConfiguredDatabase } from './database';

runCli(() =>
  withConfiguredDatabase(async (urls, _config, log) => {
    const result = await migrate(urls.owner, { log: (message) => log.info(message) });
    log.info({ applied: result.applied, alreadyApplied: result.alreadyApplied.length }, 'migrations up to date');
  }),
);
