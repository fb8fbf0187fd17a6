// npm run db:seed: write the demo data into the configured (or embedded) database. Creators
// that already exist are left alone, so running it twice changes nothing.
import { openDatabase } from '../db/database';
import { migrate } from '../db/migrate';
import { seedDemoData } from '../db/seed/seed';
import { runCli, withConfiguredDatabase } from './database';

runCli(() =>
  withConfiguredDatabase(async (urls, config, log) => {
    await migrate(urls.owner, { log: (message) => log.info(message) });
    const db = openDatabase(urls, { poolMax: 2, log, preparedStatements: config.databasePreparedStatements });
    try {
      const creators = await seedDemoData(db.owner, (message) => log.info(message));
      for (const c of creators) log.info({ email: c.email, password: c.password, created: c.created }, 'demo creator');
    } finally {
      await db.close();
    }
  }),
);
