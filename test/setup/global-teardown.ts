import fs from 'node:fs';
import pg from 'pg';
import { readClusterState, STATE_FILE } from './cluster';

export default async function globalTeardown(): Promise<void> {
  const state = readClusterState();
  const embedded = globalThis.__creatorgraphEmbedded;
  if (embedded) {
    await embedded.stop();
    if (state.embeddedDir) fs.rmSync(state.embeddedDir, { recursive: true, force: true });
  } else {
    // A shared server: remove this run's databases (test files drop their own; this catches
    // any left by a crashed worker).
    const client = new pg.Client({ connectionString: state.adminUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
        [`creatorgraph_t_${state.runId}_%`, state.templateDatabase],
      );
      for (const { datname } of rows)
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
  fs.rmSync(STATE_FILE, { force: true });
}
