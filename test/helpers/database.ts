// A fresh, migrated database for one test file: a clone of the run's template database.
import crypto from 'node:crypto';
import pg from 'pg';
import { readClusterState, roleUrl } from '../setup/cluster';

export interface TestDatabase {
  name: string;
  /** Owner role (BYPASSRLS): fixtures and assertions about what is really stored. */
  ownerUrl: string;
  /** Application login role (member of app_user): what the server connects as. */
  appUrl: string;
  /** Superuser or admin: only for what needs it (pg_stat_statements, killing backends). */
  adminUrl: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database (a clone of the template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase(true);
}

/** A fresh database with nothing in it: for testing the migrations themselves. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  return createDatabase(false);
}

async function createDatabase(fromTemplate: boolean): Promise<TestDatabase> {
  const state = readClusterState();
  const name = `creatorgraph_t_${state.runId}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: state.adminUrl });
  await admin.connect();
  try {
    const ident = (s: string) => admin.escapeIdentifier(s);
    // Cloning needs the template to have no other sessions; retry briefly if a clone races.
    for (let attempt = 0; ; attempt++) {
      try {
        const template = fromTemplate ? state.templateDatabase : 'template0';
        await admin.query(`CREATE DATABASE ${ident(name)} TEMPLATE ${ident(template)} OWNER ${ident(state.ownerRole)}`);
        break;
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
    // Database-level privileges are not copied from the template.
    await admin.query(`REVOKE CREATE, TEMPORARY ON DATABASE ${ident(name)} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT ON DATABASE ${ident(name)} TO app_user`);
  } finally {
    await admin.end();
  }
  return {
    name,
    ownerUrl: roleUrl(state.adminUrl, state.ownerRole, state.ownerPassword, name),
    appUrl: roleUrl(state.adminUrl, state.appRole, state.appPassword, name),
    adminUrl: roleUrl(
      state.adminUrl,
      new URL(state.adminUrl).username,
      decodeURIComponent(new URL(state.adminUrl).password),
      name,
    ),
    async drop() {
      const client = new pg.Client({ connectionString: state.adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
