// No response exceeds MAX_RESPONSE_BYTES, over HTTP or WebSocket.
import { tenantClient } from '../../src/db/tenant';
import type { TestDatabase } from '../helpers/database';
import { connect, type TwoTenants } from '../helpers/fixtures';
import { startTestServer, type TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import { limitsFixtures } from './limits-fixtures';

const harness = useServer(useDatabase());

const { overWebSocket } = limitsFixtures(harness);
let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
beforeAll(() => ({ db, server, tenants } = harness));

describe('no response exceeds MAX_RESPONSE_BYTES', () => {
  const MAX = 4096;
  let small: TestServer;
  let userId: string;
  let otherId: string;
  beforeAll(async () => {
    small = await startTestServer(db, { MAX_RESPONSE_BYTES: String(MAX) });
    const rows = await tenantClient(server.app.db.app, tenants.creatorA).user.findMany({
      select: { id: true },
      take: 2,
      orderBy: { id: 'asc' },
    });
    userId = rows[0]!.id;
    otherId = rows[1]!.id;
    // A user whose preferences alone are twice the bound (written as the owner would; the API caps input at 64 KiB).
    const owner = await connect(db.ownerUrl);
    try {
      await owner.query(
        `UPDATE users SET preferences = jsonb_build_object('notes', repeat('x', $2::int)) WHERE id = $1`,
        [userId, 2 * MAX],
      );
      await owner.query(
        `UPDATE users SET preferences = jsonb_build_object('quotes', repeat('"', $2::int)) WHERE id = $1`,
        [otherId, Math.floor(MAX * 0.75)],
      );
    } finally {
      await owner.end();
    }
  });
  afterAll(async () => {
    await small?.stop();
  });
  const gidOf = (id: string) => Buffer.from(`User:${id}`).toString('base64');
  const BIG = () => `{ node(id: "${gidOf(userId)}") { id ... on User { preferences } } }`;
  const SMALL = () => `{ node(id: "${gidOf(userId)}") { id } }`;

  test('asCreatorA over HTTP: an answer over the bound is refused with 400 RESPONSE_TOO_LARGE, whose own body is small; a small answer passes', async () => {
    const response = await fetch(small.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${small.tokenFor(tenants.creatorA)}` },
      body: JSON.stringify({ query: BIG() }),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(Buffer.byteLength(text)).toBeLessThan(MAX);
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const body = JSON.parse(text) as { data?: unknown; errors: { extensions: Record<string, unknown> }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors[0]!.extensions).toEqual(
      expect.objectContaining({ code: 'RESPONSE_TOO_LARGE', maxBytes: MAX, requestId: expect.any(String) }),
    );
    expect(text).not.toContain('xxxxxxxx');
    const ok = await small.gql(SMALL(), {}, { token: small.tokenFor(tenants.creatorA) });
    expect(ok.status).toBe(200);
    expect(ok.body.errors).toBeUndefined();
    // An answer whose size only shows once serialized (each quote is escaped: twice its length) is refused too.
    const escaped = `{ node(id: "${gidOf(otherId)}") { id ... on User { preferences } } }`;
    const nearBound = await small.gql(escaped, {}, { token: small.tokenFor(tenants.creatorA) });
    expect(nearBound.status).toBe(400);
    expect(nearBound.body.errors?.[0]?.extensions).toEqual(
      expect.objectContaining({ code: 'RESPONSE_TOO_LARGE', requestId: expect.any(String) }),
    );
    expect(await overWebSocket(escaped, {}, small)).toContain('"code":"RESPONSE_TOO_LARGE"');
    // The same answer under the default bound (16 MiB) is sent whole.
    const whole = await server.gql<{ node: { preferences: { notes: string } } }>(
      BIG(),
      {},
      { token: server.tokenFor(tenants.creatorA) },
    );
    expect(whole.body.data?.node.preferences.notes).toHaveLength(2 * MAX);
  });

  test('asCreatorA over WebSocket: the event over the bound is replaced by RESPONSE_TOO_LARGE; a small one passes', async () => {
    const seen = await overWebSocket(BIG(), {}, small);
    expect(seen).toContain('"code":"RESPONSE_TOO_LARGE"');
    expect(seen).not.toContain('xxxxxxxx');
    expect(Buffer.byteLength(seen)).toBeLessThan(MAX);
    const ok = await overWebSocket(SMALL(), {}, small);
    expect(ok).not.toContain('RESPONSE_TOO_LARGE');
    expect(ok).toContain(gidOf(userId));
  });
});
