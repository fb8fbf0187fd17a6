// SIGTERM drains: the real entry point (src/main.ts, as `npm start` runs it) stops accepting,
// finishes the requests in flight, closes WebSockets with 1001 (going away), stops, and exits 0
// within its bound. The drain holds on a busy machine too: no request is reset.
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestDatabase } from '../helpers/database';
import { connect, type TwoTenants } from '../helpers/fixtures';
import { useDatabase } from '../helpers/harness';
import { createTokenService } from '../../src/auth/tokens';
import { SECRET, startServer, waitReady } from './drain-server';

jest.setTimeout(60_000);

// The servers here are child processes (./drain-server), each started and stopped by its test.
const database = useDatabase();
let db: TestDatabase;
let tenants: TwoTenants;
beforeAll(() => ({ db, tenants } = database));

test('SIGTERM with requests in flight: they finish, sockets close with 1001, the process exits 0 within the bound', async () => {
  const server = await startServer(db);
  const { port, child, exited } = server;
  const url = `http://127.0.0.1:${port}/graphql`;
  try {
    await waitReady(url, child);
    const token = createTokenService({
      secret: SECRET,
      issuer: 'creatorgraph',
      audience: 'creatorgraph-api',
      accessTokenTtlSeconds: 900,
    }).sign({ sub: tenants.creatorA, role: 'creator' }).token;

    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url: url.replace('http', 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        on: { closed: (e) => resolve((e as { code: number }).code) },
      });
      client.subscribe(
        { query: 'subscription { messageCreated { id } }' },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      );
    });
    await new Promise((r) => setTimeout(r, 300));

    // Open the client's connections first (keep-alive), as a busy client would have them: the
    // burst below then goes over connections the server has accepted.
    const post = (query: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { errors?: unknown }, at: Date.now() }),
        // Kept, with when it happened, for the assertion below to show.
        (error: Error) => ({
          status: 0,
          body: { errors: [String((error.cause as NodeJS.ErrnoException | undefined)?.code ?? error.message)] },
          at: Date.now(),
        }),
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
    const failed = results
      .filter((r) => r.status !== 200 || r.body.errors)
      .map((r) => ({ status: r.status, errors: r.body.errors, msAfterSignal: r.at - signalled }));
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

/** A new connection with one request on it: its status line, or how it failed. */
function oneRequest(
  port: number,
  request = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
): Promise<string> {
  return new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.on('data', (d) => (received += String(d)));
    socket.once('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code}`));
    socket.once('close', () => resolve(received.split('\r\n')[0] || 'closed without an answer'));
  });
}

test('SIGTERM on a machine under CPU load: no request is reset, and connections opened while requests are in flight are served', async () => {
  // A busy loop per core, for the whole test: the server gets a fraction of a core, and one turn
  // of its event loop can take hundreds of ms. Each loop also ends once this process is gone.
  const spin =
    'const parent = process.ppid; for (;;) { for (let i = 0; i < 1e7; i++); if (process.ppid !== parent) process.exit(); }';
  const burners = Array.from({ length: os.availableParallelism() }, () =>
    spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }),
  );
  const server = await startServer(db, {
    DATABASE_POOL_MAX: '4',
    STATEMENT_TIMEOUT_MS: '120000',
    REQUEST_QUEUE_WAIT_MS: '120000',
    RESOLVER_BUDGET_MS: '120000',
  });
  const { port, child, exited } = server;
  const url = `http://127.0.0.1:${port}/graphql`;
  const owner = await connect(db.ownerUrl);
  try {
    await waitReady(url, child);
    const tokens = createTokenService({
      secret: SECRET,
      issuer: 'creatorgraph',
      audience: 'creatorgraph-api',
      accessTokenTtlSeconds: 900,
    });
    const post = (creator: string, query: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${tokens.sign({ sub: creator, role: 'creator' }).token}`,
        },
        body: JSON.stringify({ query }),
      }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as { data?: unknown; errors?: unknown } }),
        (error: Error) => ({
          status: 0,
          body: { errors: [String((error.cause as NodeJS.ErrnoException | undefined)?.code ?? error.message)] },
        }),
      );

    // A request kept in flight for as long as the test needs: A's mutation waits on A's row.
    await owner.query('BEGIN');
    await owner.query('SELECT 1 FROM creators WHERE id = $1 FOR UPDATE', [tenants.creatorA]);
    const held = post(
      tenants.creatorA,
      'mutation { updateMe(input: { companyName: "Under load" }) { ... on UpdateMeSuccess { data { companyName } } ... on Error { code } } }',
    );
    const watcher = await connect(db.ownerUrl);
    try {
      let settled = false;
      void held.then(() => (settled = true));
      // Another role's query text and wait event are hidden from us; whom our lock blocks is not.
      const holder = (await owner.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      while (
        (await watcher.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [holder]))
          .rowCount === 0
      ) {
        if (settled) throw new Error(`the mutation did not wait for the row: ${JSON.stringify(await held)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await watcher.end();
    }
    // Some keep-alive connections, then a burst of real work that needs more of them.
    expect(
      (await Promise.all(Array.from({ length: 5 }, () => post(tenants.creatorB, '{ __typename }')))).map(
        (r) => r.status,
      ),
    ).toEqual(Array(5).fill(200));
    const heavy = `{ users(first: 100) { nodes { id enrollments(first: 10) { nodes { program { name } } } badges(first: 10) { nodes { badge { name } } } } } }`;
    const burst = Array.from({ length: 10 }, () => post(tenants.creatorB, heavy));

    // The signal, then new connections one after another, each with a request on it.
    child.kill('SIGTERM');
    const fresh: string[] = [];
    for (let i = 0; i < 20; i++) {
      fresh.push(await oneRequest(port));
      await new Promise((r) => setTimeout(r, 25));
    }
    // Only now does the held request get its row: until then it is in flight.
    await owner.query('COMMIT');

    const failed = (await Promise.all(burst)).filter((r) => r.status !== 200 || r.body.errors);
    expect(failed).toEqual([]);
    expect(fresh).toEqual(Array(20).fill('HTTP/1.1 200 OK'));
    expect(await held).toEqual({ status: 200, body: { data: { updateMe: { data: { companyName: 'Under load' } } } } });
    expect(await exited).toBe(0);
    expect(server.output).toMatch(/stopped cleanly/);
  } finally {
    for (const burner of burners) burner.kill('SIGKILL');
    await owner.query('ROLLBACK').catch(() => undefined);
    await owner.end();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 180_000);
