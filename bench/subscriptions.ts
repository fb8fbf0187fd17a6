// npm run bench:subscriptions
//
// Latency from a write (sent, then committed) to its delivery over a GraphQL subscription, with 1,000 open
// subscriptions (10 per tenant, over 100 tenants; one WebSocket each, as dashboards open them).
// The floor, measured in the same run: a raw pg client LISTENing on the same channel, which
// hears the NOTIFY without any of our layers (routing, RLS re-read, GraphQL execution, ws).
//
// Everything runs on this machine: a throwaway embedded PostgreSQL, the server in production
// mode, the clients and the writer share its cores, so absolute numbers include that contention;
// the ratio to the floor is the figure to compare between runs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startBenchPostgres } from './database';
import { log, numberSetting, percentile, sleep } from './harness';

const TENANTS = numberSetting('BENCH_TENANTS', 100);
const PER_TENANT = numberSetting('BENCH_SUBSCRIPTIONS_PER_TENANT', 10);
const WRITES = numberSetting('BENCH_WRITES', 400);
const WRITE_INTERVAL_MS = numberSetting('BENCH_WRITE_INTERVAL_MS', 10);
/** Writes before the measured ones (JIT, pool connections opening); not counted. */
const WARMUP = numberSetting('BENCH_WARMUP', 50);

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function main(): Promise<void> {
  const { db: pgServer, stop } = await startBenchPostgres();
  const clients: Client[] = [];
  try {
    const owner = new pg.Client({ connectionString: pgServer.ownerUrl });
    await owner.connect();
    // 100 creators, each with a user and a conversation.
    const creators = (
      await owner.query<{ id: string }>(
        `INSERT INTO creators (email, password_hash) SELECT 'bench' || g || '@bench.test', 'x' FROM generate_series(1, $1) g RETURNING id`,
        [TENANTS],
      )
    ).rows.map((r) => r.id);
    const conversations: string[] = [];
    for (const creatorId of creators) {
      const user = (
        await owner.query<{ id: string }>(
          `INSERT INTO users (creator_id, external_id, channel) VALUES ($1, 'u', 'web') RETURNING id`,
          [creatorId],
        )
      ).rows[0]!.id;
      conversations.push(
        (
          await owner.query<{ id: string }>(
            `INSERT INTO conversations (creator_id, user_id, channel) VALUES ($1, $2, 'web') RETURNING id`,
            [creatorId, user],
          )
        ).rows[0]!.id,
      );
    }

    const app = await startApp(
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: pgServer.appUrl,
        DATABASE_OWNER_URL: pgServer.ownerUrl,
        JWT_SECRET: crypto.randomBytes(32).toString('hex'),
        PORT: '0',
        LOG_LEVEL: 'silent',
        JOBS_ENABLED: 'false',
      }),
      createLogger('silent'),
    );
    const arrivals = new Map<string, number[]>(); // message content -> arrival times
    let ready = 0;
    log(`opening ${TENANTS * PER_TENANT} subscriptions (${PER_TENANT} per tenant over ${TENANTS} tenants)`);
    for (const creatorId of creators) {
      const token = app.tokens.sign({ sub: creatorId, role: 'creator' }, 3600).token;
      for (let i = 0; i < PER_TENANT; i++) {
        const client = createClient({
          url: app.url.replace('http://', 'ws://'),
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${token}` },
          lazy: false,
          retryAttempts: 0,
        });
        clients.push(client);
        client.subscribe<{ messageCreated: { content: string } }>(
          { query: 'subscription { messageCreated { content } }' },
          {
            next: (result) => {
              const content = result.data?.messageCreated?.content;
              if (content) (arrivals.get(content) ?? arrivals.set(content, []).get(content)!).push(performance.now());
            },
            error: () => undefined,
            complete: () => undefined,
          },
        );
        client.on('connected', () => ready++);
      }
    }
    while (ready < clients.length) await sleep(50);
    while (app.listener.hub.subscriberCount < clients.length) await sleep(50);
    log(`${app.listener.hub.subscriberCount} subscriptions open`);

    // The floor: a bare LISTEN on the same channel.
    const floor = new pg.Client({ connectionString: pgServer.appUrl });
    await floor.connect();
    const floorArrivals = new Map<string, number>();
    floor.on('notification', (n) => {
      const id = (JSON.parse(n.payload ?? '{}') as { id?: string }).id;
      if (id) floorArrivals.set(id, performance.now());
    });
    await floor.query('LISTEN creatorgraph_changes');

    const committed = new Map<string, { at: number; id: string }>();
    log(`warming up with ${WARMUP} writes`);
    for (let i = 0; i < WARMUP; i++) {
      const t = i % TENANTS;
      await owner.query(
        `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', $3)`,
        [creators[t], conversations[t], `warmup${i}`],
      );
      await sleep(WRITE_INTERVAL_MS);
    }
    await sleep(1_000);
    log(`writing ${WRITES} messages, one every ${WRITE_INTERVAL_MS} ms, round-robin over tenants`);
    for (let i = 0; i < WRITES; i++) {
      const t = i % TENANTS;
      const content = `m${i}`;
      // Timed from when the write is sent: a NOTIFY can reach a listener before the writer has
      // read its own commit acknowledgement, so "after commit" would make the floor negative.
      const at = performance.now();
      const { rows } = await owner.query<{ id: string }>(
        `INSERT INTO messages (creator_id, conversation_id, sender_type, content) VALUES ($1, $2, 'ai', $3) RETURNING id`,
        [creators[t], conversations[t], content],
      );
      committed.set(content, { at, id: rows[0]!.id });
      await sleep(WRITE_INTERVAL_MS);
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && [...committed.keys()].some((c) => (arrivals.get(c)?.length ?? 0) < PER_TENANT))
      await sleep(50);

    const latencies: number[] = [];
    const floorLatencies: number[] = [];
    let missing = 0;
    for (const [content, { at, id }] of committed) {
      const got = arrivals.get(content) ?? [];
      missing += PER_TENANT - got.length;
      latencies.push(...got.map((t) => t - at));
      const heard = floorArrivals.get(id);
      if (heard !== undefined) floorLatencies.push(heard - at);
    }
    latencies.sort((a, b) => a - b);
    floorLatencies.sort((a, b) => a - b);
    const rows = [
      ['raw LISTEN (floor)', floorLatencies],
      ['GraphQL subscription', latencies],
    ] as const;
    const table = [
      `| path | deliveries | p50 | p99 | p50 / floor | p99 / floor |`,
      `|---|---|---|---|---|---|`,
      ...rows.map(
        ([name, values]) =>
          `| ${name} | ${values.length} | ${fmt(percentile(values, 0.5))} | ${fmt(percentile(values, 0.99))} | ${(percentile(values, 0.5) / percentile(floorLatencies, 0.5)).toFixed(1)}x | ${(percentile(values, 0.99) / percentile(floorLatencies, 0.99)).toFixed(1)}x |`,
      ),
    ].join('\n');
    const summary = `${table}\n\n${TENANTS * PER_TENANT} subscriptions over ${TENANTS} tenants, ${WRITES} measured writes after ${WARMUP} warm-up ones (${WRITES * PER_TENANT} expected deliveries, ${missing} missing), ${os.cpus().length} cores, Node ${process.version}.`;
    log(`\n${summary}\n`);
    const file = path.resolve(__dirname, 'results', `${new Date().toISOString().slice(0, 10)}-subscriptions.md`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      `# Subscription latency, ${new Date().toISOString()}\n\nCommand: \`npm run bench:subscriptions\`\n\n${summary}\n`,
    );
    log(`written to ${path.relative(process.cwd(), file)}`);
    if (missing > 0) process.exitCode = 1;

    await floor.end();
    await owner.end();
    await Promise.all(clients.map(async (c) => c.dispose()));
    await app.stop();
  } finally {
    await stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
