// SIGTERM drains connection by connection: a request on an idle keep-alive connection, and
// connections the kernel accepted while the process was busy, get answers, not resets.
import net from 'node:net';
import type { TestDatabase } from '../helpers/database';
import { useDatabase } from '../helpers/harness';
import { startServer, waitReady } from './drain-server';

jest.setTimeout(60_000);

// The servers here are child processes (./drain-server), each started and stopped by its test.
const database = useDatabase({ seed: false });
let db: TestDatabase;
beforeAll(() => ({ db } = database));

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
  const server = await startServer(db);
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
    upgrade.socket.write(
      'GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
    );

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
  const server = await startServer(db);
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
          const socket = net.connect(port, '127.0.0.1', () =>
            socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
          );
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
