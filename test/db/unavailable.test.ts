// PostgreSQL goes away under load and comes back: requests fail fast with SERVICE_UNAVAILABLE
// (HTTP 503) instead of hanging, /readyz turns 503, the process stays up, and within seconds of
// the database returning requests succeed again and subscriptions resume. Its own cluster (the
// shared test cluster cannot be stopped), so one file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createPool } from '../../src/db/clients';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded';
import { createLogger } from '../../src/logger';
import { freePort } from '../helpers/ports';

jest.setTimeout(120_000);

let dataDir: string;
let port: number;
let pg: EmbeddedPostgres | undefined;
let app: App | undefined;

const startPostgres = () => startEmbeddedPostgres({ dataDir, port, database: 'restart', settings: { fsync: 'off' } });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-restart-'));
  port = await freePort();
  pg = await startPostgres();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: pg.appUrl,
    DATABASE_OWNER_URL: pg.ownerUrl,
    JWT_SECRET: 'restart-test-secret-at-least-32-bytes!!',
    SEED_ON_START: 'true',
  });
  app = await startApp(config, createLogger('silent'));
});
afterAll(async () => {
  await app?.stop();
  await pg?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function me(token: string): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  const response = await fetch(app!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ me { email } programs(first: 1) { totalCount } }' }),
  });
  return { status: response.status, body: await response.json(), ms: Date.now() - started };
}

test('the database restarts under load: fail fast, 503, no crash, recovery, subscriptions resume', async () => {
  const creator = app!.demo[0]!;
  const token = app!.tokens.sign({ sub: creator.id, role: 'creator' }).token;
  expect((await me(token)).status).toBe(200);

  // A live subscription before the outage.
  const received: unknown[] = [];
  const client = createClient({
    url: app!.url.replace('http', 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  client.subscribe(
    { query: 'subscription { messageCreated { id content } }' },
    { next: (v) => received.push(v), error: () => undefined, complete: () => undefined },
  );
  await new Promise((r) => setTimeout(r, 500));

  // Load in flight while PostgreSQL stops.
  const load = Array.from({ length: 20 }, (_, i) => new Promise((r) => setTimeout(r, i * 20)).then(() => me(token)));
  await pg!.stop();
  const during = await Promise.all([...load, me(token), me(token)]);
  // Nothing hangs, nothing crashes: each answer is data (before the stop) or a quick 503.
  for (const r of during) {
    expect(r.ms).toBeLessThan(5_000);
    if (r.status !== 200) {
      expect(r.status).toBe(503);
      expect(r.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(r.body)).not.toMatch(/ECONNREFUSED|postgres|5432|127\.0\.0\.1/i);
    }
  }
  expect(during.at(-1)!.status).toBe(503);
  const ready = await fetch(app!.url.replace('/graphql', '/readyz'));
  expect(ready.status).toBe(503);
  expect((await fetch(app!.url.replace('/graphql', '/healthz'))).status).toBe(200);

  // PostgreSQL returns; the server recovers by itself.
  pg = await startPostgres();
  const back = Date.now();
  let recovered = false;
  while (Date.now() - back < 15_000 && !recovered) {
    recovered = (await me(token)).status === 200;
    if (!recovered) await new Promise((r) => setTimeout(r, 250));
  }
  expect(recovered).toBe(true);
  expect(Date.now() - back).toBeLessThan(10_000);
  expect((await fetch(app!.url.replace('/graphql', '/readyz'))).status).toBe(200);

  // The subscription resumes: a new message reaches it once the listener has reconnected.
  const owner = createPool(pg.ownerUrl, { max: 1, applicationName: 'restart-test' });
  try {
    const [conversation] = (
      await owner.query(`SELECT id FROM conversations WHERE creator_id = $1 LIMIT 1`, [creator.id])
    ).rows;
    const deadline = Date.now() + 15_000;
    let attempt = 0;
    while (Date.now() < deadline && !received.some((v) => JSON.stringify(v).includes('after the restart'))) {
      await owner.query(
        `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'creator', $3)`,
        [creator.id, conversation.id, `after the restart ${attempt++}`],
      );
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(received.some((v) => JSON.stringify(v).includes('after the restart'))).toBe(true);
  } finally {
    await owner.end();
    await client.dispose();
  }
});
