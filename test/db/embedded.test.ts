// The first of the two commands, without npm: no DATABASE_URL, so startApp creates an
// embedded cluster in a fresh data directory, migrates, seeds demo data on the first run
// only, serves, and stops PostgreSQL when it stops. Slow-ish (a cluster init), so one file.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { freePort } from '../helpers/ports';

jest.setTimeout(120_000);

let dataDir: string;
let pgPort: number;

async function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function start(): Promise<App> {
  const config = loadConfig({
    NODE_ENV: 'development',
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(pgPort),
  });
  return startApp(config, createLogger('silent'));
}

async function meAs(app: App, creatorId: string) {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${app.tokens.sign({ sub: creatorId, role: 'creator' }).token}`,
    },
    body: JSON.stringify({ query: '{ me { email } }' }),
  });
  return response.json();
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-start-'));
  fs.chmodSync(dataDir, 0o755);
  pgPort = await freePort();
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('first run: creates the cluster, migrates, seeds both demo creators, and is ready', async () => {
  const app = await start();
  try {
    expect(app.demo.map((c) => [c.email, c.created])).toEqual([
      ['ada@demo.creatorgraph.dev', true],
      ['grace@demo.creatorgraph.dev', true],
    ]);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    const ready = await fetch(app.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(200);
    expect(await meAs(app, app.demo[0]!.id)).toEqual({ data: { me: { email: 'ada@demo.creatorgraph.dev' } } });
  } finally {
    await app.stop();
  }
  expect(await portOpen(pgPort)).toBe(false);
});

test('second run: reuses the cluster and its data, does not seed again, keeps the signing secret', async () => {
  const app = await start();
  try {
    expect(app.demo).toEqual([]);
    const creators = await app.db.owner.creator.findMany({
      select: { id: true, email: true },
      orderBy: { email: 'asc' },
    });
    expect(creators.map((c) => c.email)).toEqual(['ada@demo.creatorgraph.dev', 'grace@demo.creatorgraph.dev']);
    expect(await meAs(app, creators[1]!.id)).toEqual({ data: { me: { email: 'grace@demo.creatorgraph.dev' } } });
  } finally {
    await app.stop();
  }
});

test('after a run that was killed with SIGKILL, the next start takes over the orphaned PostgreSQL', async () => {
  // A separate process starts the cluster, then dies without any chance to stop it.
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
    const { startEmbeddedPostgres } = require(${JSON.stringify(path.resolve(__dirname, '../../src/db/embedded'))});
    startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${pgPort}, database: 'creatorgraph' }).then(() => console.log('up'));
  `,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.resolve(__dirname, '../..') },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('up') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  expect(await portOpen(pgPort)).toBe(true); // the orphan still holds the port and the data

  const app = await start();
  try {
    expect((await fetch(app.url.replace('/graphql', '/readyz'))).status).toBe(200);
  } finally {
    await app.stop();
  }
  expect(await portOpen(pgPort)).toBe(false);
});
