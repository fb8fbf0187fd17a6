// What the subscription-fairness test files share: WebSockets of graphql-ws's own client on the
// file's server (all closed after the file), subscriptions on them with their outcome, the server's
// count of open operations, and writes and reads as the owner and over HTTP.
import crypto from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { Json } from '../helpers/api';
import type { ServerHarness } from '../helpers/harness';

export const SUMMARY = `subscription { dashboardSummary { date newUsers activeUsers messages conversationsEscalated badgesAwarded enrollmentsCompleted } }`;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Subscription {
  results: Json[];
  errors: Json[][];
  /** The n-th result (1-based), or a rejection after `ms`. */
  nth(n: number, ms?: number): Promise<Json>;
  /** The operation's outcome: its first result (accepted) or its error (refused). */
  outcome(ms?: number): Promise<'accepted' | Json[]>;
  /** Completes the subscription (the client sends `complete`). */
  stop(): void;
}

/** What refused a subscription (its errors' extensions), or `accepted`. */
export const refusal = (outcome: 'accepted' | Json[]) =>
  outcome === 'accepted' ? outcome : outcome.map((e) => e.extensions);

/** Sockets, subscriptions and fixtures on the file's server; call it at the top of the file. */
export function fairnessFixtures(harness: ServerHarness) {
  const sockets: Client[] = [];
  // Registered once the server has started, so that the sockets are closed before it stops.
  beforeAll(() =>
    harness.onTeardown(() => {
      for (const s of sockets) void s.dispose();
    }),
  );

  /** Operations open over the server's sockets (its /metrics gauge). */
  const openOperations = async () =>
    Number(
      /creatorgraph_open_subscriptions\{kind="operations"\} (\d+)/.exec(
        await (await fetch(harness.server.url.replace('/graphql', '/metrics'))).text(),
      )![1],
    );

  /** Runs `end` (a complete or a close), then waits until the server has ended `n` operations. */
  async function ended(n: number, end: () => unknown) {
    const before = await openOperations();
    await end();
    const deadline = Date.now() + 15_000;
    while ((await openOperations()) > before - n) {
      if (Date.now() > deadline) throw new Error(`the server did not end ${n} operations`);
      await sleep(50);
    }
  }
  /** One WebSocket of `token`, on which subscriptions are opened. */
  function openSocket(token: string) {
    const client = createClient({
      url: harness.server.url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
    });
    sockets.push(client);
    return {
      client,
      subscribe(query: string = SUMMARY): Subscription {
        const results: Json[] = [];
        const errors: Json[][] = [];
        let changed: () => void = () => undefined;
        const settled = () => new Promise<void>((r) => (changed = r));
        let next = settled();
        const notify = () => {
          changed();
          next = settled();
        };
        const stop = client.subscribe<Json>(
          { query },
          {
            next: (value) => {
              results.push(value);
              notify();
            },
            error: (error) => {
              errors.push(Array.isArray(error) ? (error as Json[]) : [{ message: String(error) }]);
              notify();
            },
            complete: () => undefined,
          },
        );
        const waitFor = async <T>(ready: () => T | undefined, ms: number, what: string): Promise<T> => {
          const deadline = Date.now() + ms;
          for (;;) {
            const value = ready();
            if (value !== undefined) return value;
            if (Date.now() > deadline)
              throw new Error(
                `timed out waiting for ${what}; results ${JSON.stringify(results).slice(0, 300)} errors ${JSON.stringify(errors).slice(0, 300)}`,
              );
            let timer: NodeJS.Timeout | undefined;
            await Promise.race([next, new Promise((r) => (timer = setTimeout(r, Math.max(1, deadline - Date.now()))))]);
            clearTimeout(timer);
          }
        };
        return {
          results,
          errors,
          stop,
          nth: (n, ms = 15_000) => waitFor(() => results[n - 1], ms, `result ${n}`),
          outcome: (ms = 15_000) =>
            waitFor<'accepted' | Json[]>(
              () => (errors[0] ? errors[0] : results.length > 0 ? 'accepted' : undefined),
              ms,
              'the first result or an error',
            ),
        };
      },
    };
  }
  async function addUser(creatorId: string) {
    await harness.owner.query(`INSERT INTO users (creator_id, external_id, channel) VALUES ($1, $2, 'web')`, [
      creatorId,
      `fair-${crypto.randomUUID()}`,
    ]);
  }

  async function summaryOverHttp(creatorId: string): Promise<Json> {
    const { body } = await harness.server.gql<Json>(
      `{ dashboardSummary { date newUsers activeUsers messages conversationsEscalated badgesAwarded enrollmentsCompleted } }`,
      {},
      { token: harness.server.tokenFor(creatorId) },
    );
    expect(body.errors).toBeUndefined();
    return body.data!.dashboardSummary;
  }

  /** A new creator on the free plan, whose cap of open subscriptions is `cap`. */
  async function freeCreatorWithCap(cap: number): Promise<string> {
    // Only creator C is on the free plan in this file (A is pro, B starter).
    await harness.owner.query(`UPDATE plan_limits SET subscriptions = $1 WHERE tier = 'free'`, [cap]);
    const id = (
      await harness.owner.query(
        `INSERT INTO creators (email, password_hash, first_name) VALUES ($1, 'x', 'C') RETURNING id`,
        [`cap-${crypto.randomUUID().slice(0, 8)}@example.com`],
      )
    ).rows[0].id as string;
    await harness.owner.query(
      `INSERT INTO subscriptions (creator_id, tier, status, current_period_start, current_period_end) VALUES ($1, 'free', 'active', now(), now() + interval '30 days')`,
      [id],
    );
    return id;
  }

  return { sockets, openOperations, ended, openSocket, addUser, summaryOverHttp, freeCreatorWithCap };
}
