// `npm start` with the embedded PostgreSQL, as a new user runs it in a terminal: the real entry
// point in a process group of its own, signalled as a group (Ctrl-C reaches every process of
// the terminal's foreground job). Ctrl-C drains first: readiness turns 503, a request in flight
// gets its real answer, then PostgreSQL stops and the process exits 0 with plain info lines.
// A second instance on the same DATA_DIR is refused plainly; a cluster left behind by a run
// killed hard is taken over. One cluster (one initdb) for the whole file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTokenService } from '../../src/auth/tokens';
import { alive, baseEnv, complaints, kill, postmasterPid, startEntry, waitReady, type Entry } from './entry';
import { freePort, freeQuietPort } from '../helpers/ports';

jest.setTimeout(180_000);

let dataDir: string;
let pgPort: number;
const started: Entry[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-ctrl-c-'));
  fs.chmodSync(dataDir, 0o755);
  pgPort = await freeQuietPort();
});
afterAll(async () => {
  for (const entry of started) if (entry.child.exitCode === null) kill(entry, 'SIGKILL');
  // Whatever happened above, leave no PostgreSQL behind.
  try {
    process.kill(postmasterPid(dataDir), 'SIGQUIT');
  } catch {
    // none running
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function startServer(): Promise<{ entry: Entry; port: number }> {
  const port = await freePort();
  const entry = startEntry({
    ...baseEnv(),
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: String(port),
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
    // The request held on a row lock below must not time out first.
    STATEMENT_TIMEOUT_MS: '120000',
  });
  started.push(entry);
  await waitReady(port, entry);
  return { entry, port };
}

function ownerClient(): pg.Client {
  const credentials = JSON.parse(fs.readFileSync(path.join(dataDir, 'credentials.json'), 'utf8')) as {
    ownerPassword: string;
  };
  return new pg.Client({
    host: '127.0.0.1',
    port: pgPort,
    user: 'creatorgraph_owner',
    password: credentials.ownerPassword,
    database: 'creatorgraph',
  });
}

let first: { entry: Entry; port: number };

test('a second instance on the same DATA_DIR exits 1 with one line naming the other pid; the first keeps serving', async () => {
  first = await startServer();
  const secondPort = await freePort();
  const second = startEntry({
    ...baseEnv(),
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: String(secondPort),
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
  });
  started.push(second);
  // It must end by itself: ready (or still running) when the bound passes is the defect.
  const outcome = await Promise.race([
    second.exited,
    waitReady(secondPort, second).then(
      () => 'ready' as const,
      () => 'exited' as const,
    ),
  ]);
  const code = outcome === 'exited' ? await second.exited : outcome;
  expect(code).toBe(1);
  expect(second.stderr).toMatch(
    new RegExp(
      `^DATA_DIR ${dataDir} is in use: another creatorgraph process \\(pid ${first.entry.pid}\\) runs its embedded PostgreSQL .*: stop it, or set DATA_DIR to another directory\\n$`,
    ),
  );
  expect(second.stderr.split('\n')).toHaveLength(2);
  expect((await fetch(`http://127.0.0.1:${first.port}/readyz`)).status).toBe(200);
});

test('Ctrl-C (SIGINT to the process group) with a request in flight: it gets its real answer, then PostgreSQL stops and the process exits 0 with info lines only', async () => {
  const { entry, port } = first;
  const url = `http://127.0.0.1:${port}/graphql`;
  const secret = fs.readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8').trim();
  const locker = ownerClient();
  const watcher = ownerClient();
  await locker.connect();
  await watcher.connect();
  try {
    const ada = (
      await locker.query<{ id: string }>(`SELECT id FROM creators WHERE email = 'ada@demo.creatorgraph.dev'`)
    ).rows[0]!.id;
    const token = createTokenService({
      secret,
      issuer: 'creatorgraph',
      audience: 'creatorgraph-api',
      accessTokenTtlSeconds: 900,
    }).sign({ sub: ada, role: 'creator' }).token;
    // Hold Ada's row, so that her mutation waits for it: a request in flight for as long as we like.
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM creators WHERE id = $1 FOR UPDATE', [ada]);
    const answer: Promise<{ status: number; body: unknown }> = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query:
          'mutation { updateMe(input: { companyName: "Drained Ltd" }) { ... on UpdateMeSuccess { data { companyName } } ... on Error { code } } }',
      }),
    }).then(
      async (r) => ({ status: r.status, body: await r.json() }),
      (error: Error) => ({ status: 0, body: String((error.cause as Error | undefined)?.message ?? error.message) }),
    );
    let settled = false;
    void answer.then(() => (settled = true));
    // Another role's query text and wait event are hidden from us; whom our lock blocks is not.
    const holder = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    while (
      (await watcher.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [holder]))
        .rowCount === 0
    ) {
      if (settled) throw new Error(`the mutation did not wait for the row: ${JSON.stringify(await answer)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const postgres = postmasterPid(dataDir);

    kill(entry, 'SIGINT');
    while (!/shutting down: draining requests/.test(entry.stdout)) {
      if (entry.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // Draining, not gone: readiness says so while the request runs (the listener stays open).
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      (error: Error) => String(error.cause instanceof Error ? error.cause : error),
    );
    expect(ready).toBe(503);
    await watcher.end();
    await locker.query('COMMIT').catch(() => undefined);
    await locker.end().catch(() => undefined);

    expect(await answer).toEqual({
      status: 200,
      body: { data: { updateMe: { data: { companyName: 'Drained Ltd' } } } },
    });
    expect(await entry.exited).toBe(0);
    expect(alive(postgres)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(complaints(entry)).toEqual([]);
    const afterSignal = entry.stdout.slice(entry.stdout.indexOf('shutting down'));
    expect(afterSignal).not.toMatch(/SELECT|INSERT|UPDATE |"stack"|terminating connection|ECONNREFUSED/);
    expect(afterSignal).toMatch(/stopped cleanly/);
  } finally {
    await watcher.end().catch(() => undefined);
    await locker.end().catch(() => undefined);
  }
});

test('killed hard (SIGKILL to the group): PostgreSQL, in its own session, survives; the next start takes it over, and Ctrl-C then stops both', async () => {
  const killed = await startServer();
  const orphan = postmasterPid(dataDir);
  kill(killed.entry, 'SIGKILL');
  await killed.entry.exited;
  expect(alive(orphan)).toBe(true);

  const next = await startServer();
  expect(next.entry.stdout).toMatch(/left running by an earlier run/);
  const postgres = postmasterPid(dataDir);
  expect(postgres).not.toBe(orphan);
  expect(alive(orphan)).toBe(false);
  kill(next.entry, 'SIGINT');
  expect(await next.entry.exited).toBe(0);
  expect(alive(postgres)).toBe(false);
  expect(complaints(next.entry)).toEqual([]);
});
