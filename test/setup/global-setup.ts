// Starts the suite's PostgreSQL: an embedded throwaway cluster, or the server in
// TEST_DATABASE_URL (a role there must be able to create roles and databases). Then creates the
// roles, migrates a template database, and records where everything is for the workers.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootstrapDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';
import { roleUrl, STATE_FILE, type ClusterState } from './cluster';
import { freePort } from '../helpers/ports';

declare global {
  var __creatorgraphEmbedded: EmbeddedPostgres | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const runId = crypto.randomBytes(4).toString('hex');
  const adminFromEnv = process.env.TEST_DATABASE_URL;
  const roles = {
    owner: { name: 'creatorgraph_test_owner', password: crypto.randomBytes(18).toString('base64url') },
    app: { name: 'creatorgraph_test_app', password: crypto.randomBytes(18).toString('base64url') },
  };
  const templateDatabase = `creatorgraph_template_${runId}`;

  let adminUrl: string;
  let embeddedDir: string | undefined;
  if (adminFromEnv) {
    adminUrl = adminFromEnv;
    await bootstrapDatabase(adminUrl, templateDatabase, roles);
  } else {
    // Under the system temp dir, world-traversable so the postgres OS user can reach it.
    embeddedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-test-pg-'));
    fs.chmodSync(embeddedDir, 0o755);
    const embedded = await startEmbeddedPostgres({
      dataDir: embeddedDir,
      port: await freePort(),
      // The embedded bootstrap's own database; the suite uses the template created below.
      database: 'creatorgraph',
      // A throwaway cluster: durability buys nothing here, speed does.
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    globalThis.__creatorgraphEmbedded = embedded;
    adminUrl = embedded.superUrl;
    // The embedded bootstrap made its own owner/app roles; add the test ones too.
    await bootstrapDatabase(adminUrl, templateDatabase, roles);
  }

  const templateOwnerUrl = roleUrl(adminUrl, roles.owner.name, roles.owner.password, templateDatabase);
  await migrate(templateOwnerUrl);

  const state: ClusterState = {
    adminUrl,
    ownerRole: roles.owner.name,
    ownerPassword: roles.owner.password,
    appRole: roles.app.name,
    appPassword: roles.app.password,
    templateDatabase,
    embeddedDir,
    runId,
  };
  fs.writeFileSync(STATE_FILE, JSON.stringify(state), { mode: 0o600 });
  process.env.CREATORGRAPH_TEST_STATE = STATE_FILE;
  process.env.NODE_ENV = 'test';
  if (process.env.DEBUG_TEST_SETUP) console.log(`\n[test setup] PostgreSQL ready in ${Date.now() - started} ms`);
}
