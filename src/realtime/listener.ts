// One LISTEN connection per server instance. Every instance hears every committed change, so a
// write through instance A reaches subscribers on instance B with PostgreSQL alone. If the
// connection drops, it reconnects with backoff and tells every subscriber to resync, since
// changes made while it was away were not heard.
import pg from 'pg';
import type { Logger } from '../logger';
import { Hub, parseChange } from './hub';

export const CHANNEL = 'creatorgraph_changes';

export interface ChangeListener {
  hub: Hub;
  /** The backend pid of the current LISTEN connection (tests use it to cut the connection). */
  backendPid(): number | undefined;
  connected(): boolean;
  stop(): Promise<void>;
}

export async function startChangeListener(connectionString: string, log: Logger): Promise<ChangeListener> {
  const hub = new Hub();
  let client: pg.Client | undefined;
  let pid: number | undefined;
  let stopped = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString, application_name: 'creatorgraph-listener', keepAlive: true });
    c.on('notification', (message) => {
      const event = parseChange(message.payload);
      if (event) hub.publish(event);
    });
    const lost = (reason: string) => {
      if (client !== c) return;
      client = undefined;
      pid = undefined;
      c.removeAllListeners('end');
      c.end().catch(() => undefined);
      if (!stopped) {
        log.warn({ reason }, 'change listener lost its connection: reconnecting');
        schedule();
      }
    };
    c.on('error', (error) => lost(error.message));
    c.on('end', () => lost('connection ended'));
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    client = c;
    attempt = 0;
  };

  const schedule = () => {
    const delay = Math.min(5_000, 100 * 2 ** attempt++);
    timer = setTimeout(() => {
      connect().then(
        () => {
          log.info('change listener reconnected');
          hub.resyncAll();
        },
        (error: Error) => {
          log.warn(
            { err: error.message, retryInMs: Math.min(5_000, 100 * 2 ** attempt) },
            'change listener could not reconnect',
          );
          if (!stopped) schedule();
        },
      );
    }, delay);
    timer.unref();
  };

  await connect();
  return {
    hub,
    backendPid: () => pid,
    connected: () => client !== undefined,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
