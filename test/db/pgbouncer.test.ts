// The server runs unchanged behind PgBouncer in transaction pooling mode (LISTEN needs a direct
// connection: DATABASE_LISTEN_URL), and tenant isolation holds under concurrent mixed-tenant
// load, with a handful of server connections passed from tenant to tenant.
import { uuidOf, type Json } from '../helpers/api';
import { useDatabase, useServer } from '../helpers/harness';
import { describeWithPgBouncer, startPgBouncer, type PgBouncer } from '../helpers/pgbouncer';

describeWithPgBouncer('behind PgBouncer (transaction pooling)', () => {
  const database = useDatabase();
  let bouncer: PgBouncer;
  beforeAll(async () => {
    bouncer = await startPgBouncer([database.db.appUrl], 3);
    database.onTeardown(() => bouncer.stop());
  });
  // PgBouncer 1.18 cannot carry prepared statements between server connections (1.21 can).
  const api = useServer(database, {
    env: () => ({
      DATABASE_URL: bouncer.url(database.db.appUrl),
      DATABASE_LISTEN_URL: database.db.appUrl,
      DATABASE_POOL_MAX: '20',
      DATABASE_PREPARED_STATEMENTS: 'false',
    }),
  });

  test("concurrent mixed-tenant reads and writes: every answer is its own tenant's", async () => {
    const owner = api.owner;
    const ownerOf = async (table: string, ids: string[]) =>
      (await owner.query(`SELECT DISTINCT creator_id FROM ${table} WHERE id = ANY($1::uuid[])`, [ids])).rows.map(
        (r) => r.creator_id,
      );
    const who = [api.tenants.creatorA, api.tenants.creatorB];
    const tasks = Array.from({ length: 120 }, async (_, i) => {
      const creatorId = who[i % 2]!;
      const token = api.server.tokenFor(creatorId);
      if (i % 3 === 0) {
        const r = await api.server.gql<Json>(
          `mutation($n: String!) { createBadge(input: { name: $n, criteria: {} }) { ... on CreateBadgeSuccess { data { id } } } }`,
          { n: `bouncer ${i}` },
          { token },
        );
        return { creatorId, kind: 'badges', ids: [uuidOf(r.body.data!.createBadge.data.id)], errors: r.body.errors };
      }
      const r = await api.server.gql<Json>(
        `{ me { id } users(first: 20) { nodes { id } } programs(first: 20) { nodes { id } } }`,
        {},
        { token },
      );
      return {
        creatorId,
        kind: 'mixed',
        me: r.body.data?.me?.id,
        users: r.body.data?.users.nodes.map((n: Json) => uuidOf(n.id)),
        programs: r.body.data?.programs.nodes.map((n: Json) => uuidOf(n.id)),
        errors: r.body.errors,
      };
    });
    const results = await Promise.all(tasks);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      if (r.kind === 'badges') {
        expect(await ownerOf('badges', r.ids!)).toEqual([r.creatorId]);
      } else {
        expect(uuidOf(r.me)).toBe(r.creatorId);
        expect(await ownerOf('users', r.users)).toEqual([r.creatorId]);
        expect(await ownerOf('programs', r.programs)).toEqual([r.creatorId]);
      }
    }
    // The audit trail recorded each write for its own tenant and actor, through the pool.
    const audit = await owner.query(
      `SELECT creator_id, actor_id FROM audit_log WHERE table_name = 'badges' AND new_values->>'name' LIKE 'bouncer %'`,
    );
    expect(audit.rows).toHaveLength(40);
    for (const row of audit.rows) expect(row.actor_id).toBe(row.creator_id);
  });

  test('with no tenant set, a pooled server connection shows nothing', async () => {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: bouncer.url(api.db.appUrl) });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM users`);
      expect(rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});
