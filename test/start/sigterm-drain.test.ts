// SIGTERM drains: the real entry point (src/main.ts, as `npm start` runs it) stops accepting,
// finishes the requests in flight, closes WebSockets with 1001 (going away), stops, and exits 0
// within its bound.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
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

async function startServer() {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, NODE_ENV: 'test', PORT: String(port), DATABASE_URL: db.appUrl, DATABASE_OWNER_URL: db.ownerUrl, JWT_SECRET: SECRET, LOG_LEVEL: 'info', SEED_ON_START: 'false', JOBS_ENABLED: 'true', DATABASE_POOL_MAX: '2',
      // This file is about the drain: one tenant's burst may use the whole (small) pool and wait for it.
      TENANT_POOL_SHARE: '2', TENANT_QUEUE_MAX: '10000', TENANT_QUEUE_WAIT_MS: '120000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = { port, child, output: '', exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (d) => (server.output += String(d)));
  child.stderr!.on('data', (d) => (server.output += String(d)));
  return server;
}

test('SIGTERM with requests in flight: they finish, sockets close with 1001, the process exits 0 within the bound', async () => {
  const server = await startServer();
  const { port, child, exited } = server;
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
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { errors?: unknown }, at: Date.now() }),
        // Kept, with when it happened, for the assertion below to show.
        (error: Error) => ({ status: 0, body: { errors: [String((error.cause as NodeJS.ErrnoException | undefined)?.code ?? error.message)] }, at: Date.now() }),
      );
    const warm = await Promise.all(Array.from({ length: 60 }, () => post('{ __typename }')));
    expect(warm.filter((r) => r.status !== 200)).toEqual([]);

    // A burst of real work (through a pool of 2 connections: it queues), then SIGTERM while
    // it is in flight.
    const heavy = `{ users(first: 100) { nodes { id enrollments(first: 10) { nodes { program { name } } } badges(first: 10) { nodes { badge { name } } } } } }`;
    const inFlight = Array.from({ length: 60 }, () => post(heavy));
    await new Promise((r) => setTimeout(r, 100));
    const signalled = Date.now();
    child.kill('SIGTERM');

    const results = await Promise.all(inFlight);
    const failed = results.filter((r) => r.status !== 200 || r.body.errors).map((r) => ({ status: r.status, errors: r.body.errors, msAfterSignal: r.at - signalled }));
    expect(failed).toEqual([]);
    // Some were still running when the signal came: the drain waited for them.
    expect(results.filter((r) => r.at > signalled).length).toBeGreaterThan(0);
    expect(await closed).toBe(1001);
    const code = await exited;
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(15_000);
    expect(server.output).toMatch(/shutting down: draining requests/);
    expect(server.output).toMatch(/stopped cleanly/);
    // Nothing listens any more.
    await expect(fetch(url.replace('/graphql', '/healthz'))).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

/** A keep-alive connection that has been used once and is idle now. */
async function idleConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  const connection = { socket, received: '', closed: new Promise<string>(() => undefined) };
  socket.on('data', (d) => (connection.received += String(d)));
  connection.closed = new Promise<string>((resolve) => {
    socket.once('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
    socket.once('close', () => resolve('closed'));
  });
  socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  while (!/\r\n\r\n[\s\S]*ok/.test(connection.received)) await new Promise((r) => setTimeout(r, 10));
  expect(connection.received).toMatch(/^HTTP\/1.1 200/);
  connection.received = '';
  return connection;
}

test('SIGTERM: a request sent on an idle keep-alive connection just after the signal is answered (Connection: close), not reset; readiness and WebSocket upgrades say draining', async () => {
  const server = await startServer();
  const { port, child, exited } = server;
  try {
    await waitReady(`http://127.0.0.1:${port}/graphql`, child);
    const ready = await idleConnection(port);
    const upgrade = await idleConnection(port);

    // The connections are idle now. Signal, wait until the drain has begun, then use them.
    child.kill('SIGTERM');
    while (!/shutting down: draining requests/.test(server.output)) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    ready.socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    upgrade.socket.write('GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n');

    for (const c of [ready, upgrade]) {
      expect(await c.closed).toBe('closed');
      expect(c.received).toMatch(/^HTTP\/1.1 503/);
      expect(c.received).toMatch(/\{"status":"draining"\}$/);
      expect(c.received.toLowerCase()).toMatch(/\r\nconnection: close\r\n/);
    }
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('SIGTERM: connections the kernel accepted while the process was busy are served, not reset', async () => {
  const server = await startServer();
  const { port, child, exited } = server;
  try {
    await waitReady(`http://127.0.0.1:${port}/graphql`, child);
    // Stopped, the process cannot accept: the connections wait in the listen backlog, their
    // requests written, when the signal comes.
    child.kill('SIGSTOP');
    const answers = Array.from(
      { length: 5 },
      () =>
        new Promise<string>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
          let received = '';
          socket.on('data', (d) => (received += String(d)));
          socket.once('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
          socket.once('close', () => resolve(received.split('\r\n')[0]!));
        }),
    );
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    child.kill('SIGCONT');
    expect(await Promise.all(answers)).toEqual(Array(5).fill('HTTP/1.1 200 OK'));
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
