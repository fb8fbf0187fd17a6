// Graceful HTTP drain. On stop: no new connections; every request already received runs to its
// end and is answered with "Connection: close"; then its socket is closed. A keep-alive
// connection that is idle gets IDLE_GRACE_MS to deliver a request its client may already have
// written (it is then answered and closed like the others) before it is ended. Past the bound,
// whatever is left is destroyed.
//
// http.Server.close() would close idle keep-alive connections at once (Node >= 19): a request
// written by the client but not yet read by the server is then reset (ECONNRESET), which a
// client cannot tell from a crash. So the listener is closed with net.Server's close, which
// only stops accepting, and the idle connections are left to the grace period below.
import type http from 'node:http';
import net, { type Socket } from 'node:net';

const IDLE_GRACE_MS = 1_000;

export interface Drainer {
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
    async stop(boundMs = 10_000) {
      stopping = true;
      const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
      const allClosed = new Promise<void>((resolve) => {
        drained = resolve;
      });
      for (const socket of active.keys()) setTimeout(() => endIfIdle(socket), IDLE_GRACE_MS).unref();
      settle();
      const bound = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), boundMs).unref());
      if ((await Promise.race([allClosed.then(() => 'done' as const), bound])) === 'timeout') {
        for (const socket of active.keys()) socket.destroy();
      }
      await closed;
    },
  };
}
