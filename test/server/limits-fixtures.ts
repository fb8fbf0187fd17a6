// What the query-limit test files share: one operation sent over WebSocket as creator A, answered
// with what the server sent back (its events, or its error) as text.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestServer } from '../helpers/server';
import type { ServerHarness } from '../helpers/harness';

/** Sends `query` over WebSocket as creator A (to `target`, by default the file's server). */
export function limitsFixtures(harness: ServerHarness) {
  async function overWebSocket(
    query: string,
    variables: Record<string, unknown> = {},
    target: TestServer = harness.server,
  ): Promise<string> {
    const client = createClient({
      url: target.url.replace('http://', 'ws://'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${target.tokenFor(harness.tenants.creatorA)}` },
      retryAttempts: 0,
    });
    try {
      return await new Promise<string>((resolve) => {
        const seen: unknown[] = [];
        client.subscribe(
          { query, variables },
          {
            next: (r) => seen.push(r),
            error: (e) => resolve(JSON.stringify(e)),
            complete: () => resolve(JSON.stringify(seen)),
          },
        );
      });
    } finally {
      await client.dispose();
    }
  }
  return { overWebSocket };
}
