// The fuzz's own harness: like useApiHarness (a throwaway database with the two demo tenants, a
// real server over HTTP), but the server's pino log goes to a sink the fuzz reads, so that an
// error-level line is a finding just like a 500. It also issues the credentials the actors use:
// creator tokens, an admin token, and a partner key of tenant A.
import type pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../helpers/database';
import { connect, seedTwoTenants } from '../../helpers/fixtures';
import { startTestServer, type TestServer } from '../../helpers/server';
import { FUZZ_SERVER_ENV } from './config';

export interface LogLine {
  level: string;
  msg?: string;
  requestId?: string;
  err?: { type?: string; message?: string };
  [key: string]: unknown;
}

/** Every line the server logs, parsed; the fuzz looks at error and fatal ones. */
export class LogSink {
  readonly lines: LogLine[] = [];
  write(chunk: string): void {
    for (const text of chunk.split('\n')) {
      if (!text.trim()) continue;
      try {
        this.lines.push(JSON.parse(text) as LogLine);
      } catch {
        this.lines.push({ level: 'unparsed', msg: text });
      }
    }
  }
  /** Error and fatal lines from index `from` on. */
  errorsSince(from: number): LogLine[] {
    return this.lines.slice(from).filter((l) => l.level === 'error' || l.level === 'fatal');
  }
}

export interface FuzzWorld {
  db: TestDatabase;
  server: TestServer;
  owner: pg.Client;
  log: LogSink;
  creators: { A: string; B: string };
  tokens: { A: string; B: string; admin: string };
  /** Tenant A's partner key (READ and WRITE, every operation). */
  partnerKey: string;
  stop(): Promise<void>;
}

const CREATE_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ... on CreateApiKeySuccess { data { secret } } ... on Error { code message } } }`;

export async function startFuzzWorld(): Promise<FuzzWorld> {
  const db = await createTestDatabase();
  const tenants = await seedTwoTenants(db);
  const log = new LogSink();
  const server = await startTestServer(db, FUZZ_SERVER_ENV, { logDestination: log });
  const owner = await connect(db.ownerUrl);
  const admin = (await owner.query<{ id: string }>(`SELECT id FROM platform_admins ORDER BY created_at LIMIT 1`))
    .rows[0];
  if (!admin) throw new Error('the demo seed has no platform admin');
  const tokens = {
    A: server.tokenFor(tenants.creatorA),
    B: server.tokenFor(tenants.creatorB),
    admin: server.tokenFor(admin.id, 'admin'),
  };
  // One key per tenant: A's is the partner actor's credential; B's is a row for A to aim at.
  const keys: string[] = [];
  for (const token of [tokens.A, tokens.B]) {
    const { body } = await server.gql<{ createApiKey: { __typename: string; data?: { secret: string } } }>(
      CREATE_KEY,
      { input: { name: 'fuzz', scopes: ['READ', 'WRITE'] } },
      { token },
    );
    const secret = body.data?.createApiKey.data?.secret;
    if (!secret) throw new Error(`could not issue an API key: ${JSON.stringify(body)}`);
    keys.push(secret);
  }
  return {
    db,
    server,
    owner,
    log,
    creators: { A: tenants.creatorA, B: tenants.creatorB },
    tokens,
    partnerKey: keys[0]!,
    async stop() {
      await owner.end();
      await server.stop();
      await db.drop();
    },
  };
}

/**
 * A fingerprint of everything tenant A owns, for "B and anonymous changed nothing of A's".
 * Left out: the logs that A's own account legitimately gains when someone fails to sign in as
 * A (security_audit_logs, api_usage_logs, audit_log), refresh tokens, and the creators row
 * (its failed-log-in bookkeeping).
 */
export async function fingerprintOf(owner: pg.Client, creatorId: string): Promise<Record<string, string>> {
  const { rows } = await owner.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'creator_id'
        AND table_name NOT IN ('security_audit_logs', 'api_usage_logs', 'audit_log', 'creator_refresh_tokens', 'creators')
      ORDER BY table_name`,
  );
  const out: Record<string, string> = {};
  for (const { table_name: table } of rows) {
    const { rows: sums } = await owner.query<{ n: number; sum: string | null }>(
      `SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS sum FROM ${owner.escapeIdentifier(table)} t WHERE creator_id = $1`,
      [creatorId],
    );
    out[table] = `${sums[0]!.n}:${sums[0]!.sum ?? '-'}`;
  }
  return out;
}
