// Live subscriptions over WebSocket: programStatsUpdated and dashboardSummary push a first value and
// then move with the writes.
import crypto from 'node:crypto';
import pg from 'pg';
import { toGlobalId } from '../../src/graphql/ids';
import type { TestDatabase } from '../helpers/database';
import type { TwoTenants } from '../helpers/fixtures';
import type { TestServer } from '../helpers/server';
import { useServer, useDatabase } from '../helpers/harness';
import { EVENT_MS, sleep, subscriptionFixtures } from './subscription-fixtures';

jest.setTimeout(60_000);

const harness = useServer(useDatabase());

const { subscribe } = subscriptionFixtures(harness);
let db: TestDatabase;
let server: TestServer;
let tenants: TwoTenants;
let owner: pg.Client;
beforeAll(() => ({ db, server, tenants, owner } = harness));

test('programStatsUpdated pushes the funnel now, then a handful of times for a burst of 1,000 writes', async () => {
  const program = (
    await owner.query(
      `INSERT INTO programs (creator_id, name, status, published_at) VALUES ($1, 'Burst', 'published', now()) RETURNING id`,
      [tenants.creatorA],
    )
  ).rows[0].id;
  const stream = subscribe(
    server,
    server.tokenFor(tenants.creatorA),
    `subscription($p: ID!) { programStatsUpdated(programId: $p) { enrolled completed } }`,
    { p: toGlobalId('Program', program) },
  );
  expect((await stream.nth(1)).data.programStatsUpdated).toEqual({ enrolled: 0, completed: 0 });

  // 1,000 separate writes from 10 connections, as fast as they go.
  const users = (
    await owner.query(
      `INSERT INTO users (creator_id, external_id, channel) SELECT $1, 'burst-' || g, 'web' FROM generate_series(1, 1000) g RETURNING id`,
      [tenants.creatorA],
    )
  ).rows.map((r) => r.id);
  const pool = new pg.Pool({ connectionString: db.ownerUrl, max: 10 });
  try {
    await Promise.all(
      Array.from({ length: 10 }, (_, w) =>
        (async () => {
          for (let i = w; i < users.length; i += 10)
            await pool.query(`INSERT INTO program_enrollments (creator_id, program_id, user_id) VALUES ($1, $2, $3)`, [
              tenants.creatorA,
              program,
              users[i],
            ]);
        })(),
      ),
    );
  } finally {
    await pool.end();
  }
  const deadline = Date.now() + EVENT_MS;
  while (Date.now() < deadline && stream.results.at(-1)?.data.programStatsUpdated.enrolled !== 1000) await sleep(100);
  const pushes = stream.results.length - 1;
  expect(stream.results.at(-1)!.data.programStatsUpdated.enrolled).toBe(1000);
  expect(pushes).toBeGreaterThanOrEqual(1);
  expect(pushes).toBeLessThanOrEqual(10);
});

test('dashboardSummary starts with today and moves when a user arrives', async () => {
  const stream = subscribe(
    server,
    server.tokenFor(tenants.creatorB),
    `subscription { dashboardSummary { newUsers messages } }`,
  );
  const first = (await stream.nth(1)).data.dashboardSummary;
  await owner.query(`INSERT INTO users (creator_id, external_id, channel) VALUES ($1, $2, 'web')`, [
    tenants.creatorB,
    `dash-${crypto.randomUUID()}`,
  ]);
  expect((await stream.nth(2)).data.dashboardSummary.newUsers).toBe(first.newUsers + 1);
});
