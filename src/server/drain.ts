// Graceful HTTP drain. On stop: no new connections (Node also closes idle keep-alive
// connections at once); every request already received runs to its end and is answered with
// "Connection: close"; then its socket is closed. Past the bound, whatever is left is destroyed.
import type http from 'node:http';
import type { Socket } from 'node:net';

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
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
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
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
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
