// Graceful HTTP drain. On stop: /readyz answers 503 (draining) so that load balancers stop
// sending, and every response from then on carries "Connection: close". The listener keeps
// accepting for at least ACCEPT_GRACE_MS and for as long as requests are in flight; it closes
// once none are, right after the event loop has polled for I/O and found no new connection.
// Every request already received runs to its end and is answered, then its socket is closed. A
// keep-alive connection that is idle gets IDLE_GRACE_MS to deliver a request its client may
// already have written (it is then answered and closed like the others) before it is ended.
// Past the bound, whatever is left is destroyed.
//
// Why it is built this way (each was a reset seen by a client):
// - http.Server.close() closes idle keep-alive connections at once (Node >= 19): a request the
//   client wrote but the server has not read yet is then reset. So the listener is closed with
//   net.Server's close, which only stops accepting, and idle connections get the grace below.
// - Closing a listening socket resets the connections the kernel has completed but the process
//   has not accepted (the listen backlog). A busy process accepts late: with heavy requests in
//   flight, one turn of the event loop can take hundreds of ms, and a close on a fixed timer
//   (250 ms after the signal, as before) reset 20 requests of a client that had opened new
//   connections for them (test/server/drain.test.ts, machine under load). Node runs timers *before*
//   it polls for I/O in each turn, so a timer-driven close or end() acts on a stale view. Here
//   both happen from setImmediate after a timer (the check phase, which follows the poll): the
//   poll has just accepted whatever the kernel held and read whatever requests had arrived.
//   And the listener closes only when no request is in flight, when turns of the loop are short.
import type http from 'node:http';
import net, { type Socket } from 'node:net';

const IDLE_GRACE_MS = 1_000;
const ACCEPT_GRACE_MS = 250;

export interface Drainer {
  /** Whether stop() has begun (readiness then fails). */
  readonly stopping: boolean;
  stop(boundMs?: number): Promise<void>;
}

/** Resolves in the check phase of a later turn of the event loop, after it has polled for I/O. */
const afterPoll = (delayMs = 0) => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), delayMs));

export function createDrainer(server: http.Server): Drainer {
  /** Open sockets, with the number of requests in progress on each. */
  const active = new Map<Socket, number>();
  /** Responses not yet finished: told "Connection: close" when the drain begins. */
  const responses = new Set<http.ServerResponse>();
  let accepted = 0;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const changed = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };

  const endIfIdle = (socket: Socket) => {
    if ((active.get(socket) ?? 0) === 0) socket.end();
  };
  // After a poll: a request that had reached the socket is read (and counted) before we decide.
  const endIfIdleLater = (socket: Socket, delayMs: number) => void afterPoll(delayMs).then(() => endIfIdle(socket));

  server.on('connection', (socket: Socket) => {
    accepted++;
    active.set(socket, 0);
    socket.once('close', () => {
      active.delete(socket);
      changed();
    });
    if (stopping) endIfIdleLater(socket, IDLE_GRACE_MS);
  });
  // Ahead of the application's own listener, which may answer before a later listener runs.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    responses.add(res);
    if (stopping) res.setHeader('connection', 'close');
    res.once('close', () => {
      responses.delete(res);
      active.set(socket, Math.max(0, (active.get(socket) ?? 1) - 1));
      if (stopping) endIfIdleLater(socket, 0);
      changed();
    });
  });

  const inFlight = () => responses.size;
  /** Waits until `done()` holds or the deadline passes; woken by every request end and socket close. */
  async function until(done: () => boolean, deadline: number): Promise<boolean> {
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.min(left, 100)).unref();
      });
    }
    return true;
  }

  return {
    get stopping() {
      return stopping;
    },
    stop(boundMs = 10_000) {
      stopped ??= drain(boundMs);
      return stopped;
    },
  };

  async function drain(boundMs: number): Promise<void> {
    stopping = true;
    const deadline = Date.now() + boundMs;
    // Responses still to be written tell their client not to reuse the connection.
    for (const res of responses) if (!res.headersSent) res.setHeader('connection', 'close');
    for (const socket of active.keys()) endIfIdleLater(socket, IDLE_GRACE_MS);
    await afterPoll(ACCEPT_GRACE_MS);
    for (;;) {
      if (!(await until(() => inFlight() === 0, deadline))) break;
      const before = accepted;
      await afterPoll();
      if (inFlight() === 0 && accepted === before) break;
    }
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    if (!(await until(() => active.size === 0, deadline))) {
      for (const socket of active.keys()) socket.destroy();
    }
    await closed;
  }
}
