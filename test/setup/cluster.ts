// Where the test suite's PostgreSQL lives. global-setup.ts writes this file; every test worker
// reads it. One template database is migrated once per run; each test file clones it (a
// CREATE DATABASE ... TEMPLATE takes about 100 ms) and so never sees another file's rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ClusterState {
  /** A role that may create databases and roles (superuser for the embedded cluster). */
  adminUrl: string;
  ownerRole: string;
  ownerPassword: string;
  appRole: string;
  appPassword: string;
  templateDatabase: string;
  /** Present when this run started its own embedded cluster. */
  embeddedDir?: string;
  embeddedPid?: number;
  runId: string;
}

export const STATE_FILE =
  process.env.CREATORGRAPH_TEST_STATE ??
  path.join(os.tmpdir(), `creatorgraph-test-${process.ppid}-${process.pid}.json`);

export function readClusterState(): ClusterState {
  const file = process.env.CREATORGRAPH_TEST_STATE;
  if (!file)
    throw new Error(
      'CREATORGRAPH_TEST_STATE is not set: run the tests through jest (npm test), which starts the database',
    );
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ClusterState;
}

/** The admin URL's server, with another role and database. */
export function roleUrl(adminUrl: string, user: string, password: string, database: string): string {
  const u = new URL(adminUrl);
  u.username = user;
  u.password = encodeURIComponent(password);
  u.pathname = `/${database}`;
  return u.toString();
}
