// Graceful HTTP drain. On stop: /readyz answers 503 (draining) so that load balancers stop
// sending; for ACCEPT_GRACE_MS the listener still accepts, then no new connections; every
// request already received runs to its end and is answered with "Connection: close"; then its
// socket is closed. A keep-alive
// connection that is idle gets IDLE_GRACE_MS to deliver a request its client may already have
// written (it is then answered and closed like the others) before it is ended. Past the bound,
// whatever is left is destroyed.
//
// http.Server.close() would close idle keep-alive connections at once (Node >= 19): a request
// written by the client but not yet read by the server is then reset (ECONNRESET), which a
// client cannot tell from a crash. So the listener is closed with net.Server's close, which
// only stops accepting, and the idle connections are left to the grace period below. Nor does
// the listener close at once: connections the kernel has completed but the process has not yet
// accepted (the listen backlog of a busy process, or a client that connected as the signal
// came) would be reset with it.
import type http from 'node:http';
import net, { type Socket } from 'node:net';

const IDLE_GRACE_MS = 1_000;
const ACCEPT_GRACE_MS = 250;

export interface Drainer {
  /** Whether stop() has begun (readiness then fails). */
  readonly stopping: boolean;
  stop(boundMs?: number): Promise<void>;
}

export function createDrainer(server: http.Server): Drainer {
  const active = new Map<Socket, number>();
  let stopping = false;
  let drained: (() => void) | undefined;

  const settle = () => {
    if (stopping && active.size === 0) drained?.();
  };
  const endIfIdle = (socket: Socket) => {
    if ((active.get(socket) ?? 0) === 0) socket.end();
  };

  server.on('connection', (socket: Socket) => {
    active.set(socket, 0);
    socket.once('close', () => {
      active.delete(socket);
      settle();
    });
    if (stopping) setTimeout(() => endIfIdle(socket), IDLE_GRACE_MS).unref();
  });
  // Ahead of the application's own listener, which may answer before a later listener runs.
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    if (stopping) res.setHeader('connection', 'close');
    res.once('close', () => {
      active.set(socket, Math.max(0, (active.get(socket) ?? 1) - 1));
      if (stopping) endIfIdle(socket);
    });
  });

  return {
    get stopping() {
      return stopping;
    },
    async stop(boundMs = 10_000) {
      stopping = true;
      const started = Date.now();
      for (const socket of active.keys()) setTimeout(() => endIfIdle(socket), IDLE_GRACE_MS).unref();
      await new Promise((resolve) => setTimeout(resolve, ACCEPT_GRACE_MS));
      const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
      const allClosed = new Promise<void>((resolve) => {
        drained = resolve;
      });
      settle();
      const bound = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, boundMs - (Date.now() - started))).unref());
      if ((await Promise.race([allClosed.then(() => 'done' as const), bound])) === 'timeout') {
        for (const socket of active.keys()) socket.destroy();
      }
      await closed;
    },
  };
}
