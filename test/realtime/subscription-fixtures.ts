// What the subscription test files share: a graphql-ws client per subscription, as a dashboard
// would use it, with waits for its results, its registration on the server's hub, its first answer
// and its close (all bounded well inside jest's 60 s for these files).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from '../helpers/server';
import type { Json } from '../helpers/api';
import type { ServerHarness } from '../helpers/harness';

export const wsUrl = (s: TestServer) => s.url.replace('http://', 'ws://');

export interface Stream {
  results: Json[];
  errors: unknown[];
  /** Resolves with the n-th result (1-based), or rejects after `ms`. */
  nth(n: number, ms?: number): Promise<Json>;
  /**
   * Resolves once the server's hub has `listeners` more than when this stream was opened: the
   * subscription is registered, so a write from now on reaches it. (A fixed sleep stood in for
   * this and lost the race on a busy machine.)
   */
  registered(listeners?: number): Promise<void>;
  /** Resolves with the first thing the server answered (a result, an error or a close). */
  answered(): Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Bounds on waits for events that should come (well inside jest's 60 s for these files). */
export const EVENT_MS = 20_000;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const MESSAGES = `subscription { messageCreated { id content conversation { id } } }`;

/**
 * Subscriptions as creator or anonymous on a server of the file (`subscribe`), each client closed
 * after the file; waits, and a conversation of a creator as stored.
 */
export function subscriptionFixtures(harness: ServerHarness) {
  const clients: Client[] = [];
  // Registered once the server has started, so that the clients are closed before it stops.
  beforeAll(() =>
    harness.onTeardown(() => {
      for (const c of clients) void c.dispose();
    }),
  );

  function subscribe(target: TestServer, token: string | undefined, query: string, variables: Json = {}): Stream {
    const hub = target.app.listener.hub;
    const listenersBefore = hub.subscriberCount;
    let closedResolve: (v: { code: number; reason: string }) => void;
    const closed = new Promise<{ code: number; reason: string }>((r) => (closedResolve = r));
    const client = createClient({
      url: wsUrl(target),
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: false,
      on: {
        closed: (event) =>
          closedResolve({
            code: (event as { code: number }).code,
            reason: String((event as { reason: string }).reason),
          }),
      },
    });
    clients.push(client);
    const results: Json[] = [];
    const errors: unknown[] = [];
    const waiters: { n: number; resolve: (v: Json) => void }[] = [];
    client.subscribe<Json>(
      { query, variables },
      {
        next: (value) => {
          results.push(value);
          for (const w of waiters.filter((w) => results.length >= w.n)) w.resolve(results[w.n - 1]!);
        },
        error: (error) => errors.push(error),
        complete: () => undefined,
      },
    );
    return {
      results,
      errors,
      closed,
      nth(n, ms = EVENT_MS) {
        if (results.length >= n) return Promise.resolve(results[n - 1]!);
        return new Promise((resolve, reject) => {
          waiters.push({ n, resolve });
          setTimeout(
            () =>
              reject(
                new Error(
                  `timed out waiting for result ${n}; got ${results.length}: ${JSON.stringify(results).slice(0, 300)} errors ${JSON.stringify(errors).slice(0, 300)}`,
                ),
              ),
            ms,
          ).unref();
        });
      },
      async registered(listeners = 1) {
        await until(
          () => hub.subscriberCount >= listenersBefore + listeners,
          `${listeners} hub listener(s) for ${query.slice(0, 60)}`,
        );
      },
      async answered() {
        let closedYet = false;
        void closed.then(() => (closedYet = true));
        await until(() => closedYet || results.length + errors.length > 0, `an answer to ${query.slice(0, 60)}`);
      },
    };
  }

  async function until(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + EVENT_MS;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not within ${EVENT_MS} ms: ${what}`);
      await sleep(20);
    }
  }
  async function conversationOf(creatorId: string): Promise<string> {
    return (
      await harness.owner.query(`SELECT id FROM conversations WHERE creator_id = $1 ORDER BY id LIMIT 1`, [creatorId])
    ).rows[0].id;
  }
  return { subscribe, until, conversationOf };
}
