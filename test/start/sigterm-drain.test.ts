// SIGTERM drains: the real entry point (src/main.ts, as `npm start` runs it) stops accepting,
// finishes the requests in flight, closes WebSockets with 1001 (going away), stops, and exits 0
// within its bound.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { seedTwoTenants, type TwoTenants } from '../helpers/fixtures';
import { freePort } from '../helpers/ports';
import { createTokenService } from '../../src/auth/tokens';

jest.setTimeout(60_000);

const SECRET = 'sigterm-test-secret-at-least-32-bytes!!';
let db: TestDatabase;
let tenants: TwoTenants;

beforeAll(async () => {
  db = await createTestDatabase();
  tenants = await seedTwoTenants(db);
});
afterAll(async () => {
  await db?.drop();
});

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited early with ${child.exitCode}`);
    try {
      if ((await fetch(url.replace('/graphql', '/readyz'))).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}

test('SIGTERM with requests in flight: they finish, sockets close with 1001, the process exits 0 within the bound', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, NODE_ENV: 'test', PORT: String(port), DATABASE_URL: db.appUrl, DATABASE_OWNER_URL: db.ownerUrl, JWT_SECRET: SECRET, LOG_LEVEL: 'info', SEED_ON_START: 'false', JOBS_ENABLED: 'true', DATABASE_POOL_MAX: '2' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitReady(url, child);
    const token = createTokenService({ secret: SECRET, issuer: 'creatorgraph', audience: 'creatorgraph-api', accessTokenTtlSeconds: 900 }).sign({ sub: tenants.creatorA, role: 'creator' }).token;

    const closed = new Promise<number>((resolve) => {
      const client = createClient({ url: url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, on: { closed: (e) => resolve((e as { code: number }).code) } });
      client.subscribe({ query: 'subscription { messageCreated { id } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    await new Promise((r) => setTimeout(r, 300));

    // Open the client's connections first (keep-alive), as a busy client would have them: the
    // burst below then goes over connections the server has accepted.
    const post = (query: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { errors?: unknown }, at: Date.now() }));
    await Promise.all(Array.from({ length: 60 }, () => post('{ __typename }')));

    // A burst of real work (through a pool of 2 connections: it queues), then SIGTERM while
    // it is in flight.
    const heavy = `{ users(first: 100) { nodes { id enrollments(first: 10) { nodes { program { name } } } badges(first: 10) { nodes { badge { name } } } } } }`;
    const inFlight = Array.from({ length: 60 }, () => post(heavy));
    await new Promise((r) => setTimeout(r, 100));
    const signalled = Date.now();
    child.kill('SIGTERM');

    const results = await Promise.all(inFlight);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
    }
    // Some were still running when the signal came: the drain waited for them.
    expect(results.filter((r) => r.at > signalled).length).toBeGreaterThan(0);
    expect(await closed).toBe(1001);
    const code = await exited;
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(15_000);
    expect(output).toMatch(/shutting down: draining requests/);
    expect(output).toMatch(/stopped cleanly/);
    // Nothing listens any more.
    await expect(fetch(url.replace('/graphql', '/healthz'))).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
