// Each client's turn at the endpoint (TENANT_REQUEST_CONCURRENCY, graphql-endpoint.ts): one
// tenant's requests are served a few at a time, the rest wait with their bodies unread, other
// tenants never wait behind them, and a client that hangs up while waiting gives its turn back.
import http from 'node:http';
import type pg from 'pg';
import { gid, useApiHarness } from '../helpers/api';
import { connect } from '../helpers/fixtures';

const api = useApiHarness({
  env: { TENANT_REQUEST_CONCURRENCY: '1', REQUEST_QUEUE_WAIT_MS: '4000', STATEMENT_TIMEOUT_MS: '20000' },
});

const RENAME = 'mutation($id: ID!) { updateProgram(id: $id, input: { name: "Turns" }) { __typename } }';

describe("a client's turn", () => {
  let locker: pg.Client;
  beforeAll(async () => {
    locker = await connect(api.db.ownerUrl);
  });
  afterAll(() => locker.end());

  test('asCreatorA: while its one turn is taken, asCreatorB is served; a waiting request whose client hangs up gives its turn back', async () => {
    const A = api.tenants.creatorA;
    const token = api.server.tokenFor(A);
    const program = await api.one<{ id: string }>(`SELECT id FROM programs WHERE creator_id = $1 ORDER BY id LIMIT 1`, [
      A,
    ]);
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM programs WHERE id = $1 FOR UPDATE', [program!.id]);
    let stuck: Promise<unknown> | undefined;
    try {
      // A's only turn: a write that waits on the lock.
      stuck = api.server.gql(RENAME, { id: gid('Program', program!.id) }, { token });
      await new Promise((r) => setTimeout(r, 300));
      // A's second request waits for the turn; its client hangs up meanwhile.
      const url = new URL(api.server.url);
      const abandoned = http.request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });
      abandoned.on('error', () => undefined);
      abandoned.end(JSON.stringify({ query: '{ me { id } }' }));
      await new Promise((r) => setTimeout(r, 300));
      abandoned.destroy();
      // asCreatorB is not behind A's turn.
      const other = await api.server.gql<{ me: { id: string } }>(
        '{ me { id } }',
        {},
        { token: api.server.tokenFor(api.tenants.creatorB) },
      );
      expect(other.status).toBe(200);
      expect(other.body.errors).toBeUndefined();
    } finally {
      await locker.query('ROLLBACK');
    }
    await stuck;
    // The abandoned request gave its turn back: A is served, not left waiting until 429.
    const next = await api.server.gql<{ me: { id: string } }>('{ me { id } }', {}, { token });
    expect(next.status).toBe(200);
    expect(next.body.errors).toBeUndefined();
  });

  test('asCreatorA: a burst waits its turns and is served, one at a time', async () => {
    const token = api.server.tokenFor(api.tenants.creatorA);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api.server.gql('{ me { id } programs(first: 5) { totalCount } }', {}, { token })),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
  });
});
