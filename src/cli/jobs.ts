// npm run jobs -- rollup [--date YYYY-MM-DD]   (default: yesterday, UTC)
// npm run jobs -- usage [--date YYYY-MM-DD]    (usage_tracking of that day)
// npm run jobs -- retention                    (deletes rows past their retention period)
// Enqueues the job on the same Postgres queue the server's schedule uses, and works the queue
// until it is done, so a manual run and a scheduled one are the same job.
import { runOnce } from 'graphile-worker';
import { createPool } from '../db/clients';
import { migrate } from '../db/migrate';
import { jobUtils, taskList } from '../jobs/worker';
import { yesterday } from '../jobs/rollup';
import { runCli, withConfiguredDatabase } from './database';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const USAGE = 'usage: npm run jobs -- rollup|usage [--date YYYY-MM-DD] | retention';

runCli(async () => {
  const command = process.argv[2];
  if (command !== 'rollup' && command !== 'usage' && command !== 'retention') throw new Error(USAGE);
  const date = option('date') ?? yesterday();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date must be YYYY-MM-DD\n${USAGE}`);
  await withConfiguredDatabase(async (urls, _config, log) => {
    await migrate(urls.owner);
    const owner = createPool(urls.owner, { max: 2, applicationName: 'creatorgraph-jobs' });
    try {
      const utils = await jobUtils(owner, log);
      if (command === 'retention') await utils.addJob('retention', {}, { jobKey: 'retention', maxAttempts: 3 });
      else await utils.addJob(command, { date }, { jobKey: `${command}:${date}`, maxAttempts: 3 });
      await utils.release();
      await runOnce({ pgPool: owner, taskList: taskList(owner, log), noHandleSignals: true });
    } finally {
      await owner.end();
    }
  });
});
