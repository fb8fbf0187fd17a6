// `npm start` runs the server compiled by scripts/build-server.js (dist/main.js on plain node, no
// tsx). In a copy of the repository (src/, the build script, tsconfig.json and package.json
// copied; prisma/ and node_modules/ linked; dist/explorer linked to this checkout's explorer
// build), the build mirrors src/ and leaves dist/explorer alone, --if-stale rebuilds only what
// changed and drops the outputs of deleted sources, and the compiled entry serves the test
// database: its files found from dist/ (migrations, the partner manifest, the dashboard's page,
// the explorer's build).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTokenService } from '../../src/auth/tokens';
import { useDatabase } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { TEST_JWT, TEST_JWT_SECRET } from '../helpers/server';
import { baseEnv, complaints, kill, ROOT, startEntry, waitReady, type Entry } from './entry';

jest.setTimeout(120_000);

const database = useDatabase();
let copy: string;
const explorerBuild = path.join(ROOT, 'dist', 'explorer');

beforeAll(() => {
  copy = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-compiled-'));
  fs.cpSync(path.join(ROOT, 'src'), path.join(copy, 'src'), { recursive: true });
  fs.mkdirSync(path.join(copy, 'scripts'));
  fs.copyFileSync(path.join(ROOT, 'scripts', 'build-server.js'), path.join(copy, 'scripts', 'build-server.js'));
  for (const file of ['tsconfig.json', 'package.json']) fs.copyFileSync(path.join(ROOT, file), path.join(copy, file));
  for (const dir of ['prisma', 'node_modules']) fs.symlinkSync(path.join(ROOT, dir), path.join(copy, dir));
  fs.mkdirSync(path.join(copy, 'dist'));
  fs.symlinkSync(explorerBuild, path.join(copy, 'dist', 'explorer'));
});
afterAll(() => {
  fs.rmSync(copy, { recursive: true, force: true });
});

/** Runs the build in the copy; its stdout (one line when it built, nothing when current). */
function build(...args: string[]): string {
  return execFileSync(process.execPath, ['scripts/build-server.js', ...args], { cwd: copy, encoding: 'utf8' });
}

const built = /^server: built dist\/ \(\d+ modules, \d+ other files\) in \d+ ms\n$/;

describe('scripts/build-server.js', () => {
  test('mirrors src/ at the same depth, with source maps and the non-TypeScript files, beside dist/explorer', () => {
    expect(build('--if-stale')).toMatch(built);
    const dist = path.join(copy, 'dist');
    for (const file of [
      'main.js',
      'main.js.map',
      'paths.js',
      'server/explorer/explorer.js',
      'db/migrate.js',
      'generated/partner/persisted-documents.json',
      'server/dashboard/public/index.html',
    ])
      expect(fs.existsSync(path.join(dist, file))).toBe(true);
    // The browser client is the explorer build's, and nothing under dist/ is TypeScript.
    expect(fs.existsSync(path.join(dist, 'server/explorer/client'))).toBe(false);
    expect(
      fs
        .readdirSync(dist, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts')),
    ).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(dist, 'server/explorer/explorer.js.map'), 'utf8')).sources).toEqual([
      '../../../src/server/explorer/explorer.ts',
    ]);
    expect(fs.lstatSync(path.join(dist, 'explorer')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dist, 'explorer'))).toBe(explorerBuild);
  });

  test('--if-stale: current twice in a row, and after a touch that changed nothing', () => {
    expect(build('--if-stale')).toBe('');
    expect(build('--if-stale')).toBe('');
    const file = path.join(copy, 'src', 'cache.ts');
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file, later, later);
    expect(build('--if-stale')).toBe('');
    expect(build('--if-stale')).toBe('');
  });

  test('--if-stale rebuilds after a change, and the outputs of a deleted source go with it', () => {
    const added = path.join(copy, 'src', 'db', 'compiled-build-probe.ts');
    fs.writeFileSync(added, 'export const probe = 1;\n');
    expect(build('--if-stale')).toMatch(built);
    expect(fs.existsSync(path.join(copy, 'dist', 'db', 'compiled-build-probe.js'))).toBe(true);
    fs.rmSync(added);
    expect(build('--if-stale')).toMatch(built);
    expect(fs.existsSync(path.join(copy, 'dist', 'db', 'compiled-build-probe.js'))).toBe(false);
    expect(fs.readlinkSync(path.join(copy, 'dist', 'explorer'))).toBe(explorerBuild);
    // Nothing of a build is left beside its output but the stamp.
    expect(fs.readdirSync(path.join(copy, 'dist')).filter((name) => name.startsWith('.build-server'))).toEqual([
      '.build-server.json',
    ]);
  });
});

describe('node dist/main.js', () => {
  let entry: Entry;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    entry = startEntry(
      {
        ...baseEnv(),
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: database.db.appUrl,
        DATABASE_OWNER_URL: database.db.ownerUrl,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'info',
        SEED_ON_START: 'false',
        JOBS_ENABLED: 'false',
        EXPLORER: 'true',
        DASHBOARD: 'true',
      },
      { cwd: copy, args: ['--enable-source-maps', 'dist/main.js'] },
    );
    await waitReady(port, entry);
  });
  afterAll(async () => {
    if (entry?.child.exitCode === null) kill(entry, 'SIGKILL');
    await entry?.exited;
  });

  const gql = async (query: string, token?: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, body: await response.json() };
  };

  test('runs no TypeScript loader: plain node, as npm start runs it', async () => {
    expect(fs.readFileSync(`/proc/${entry.pid}/cmdline`, 'utf8').split('\0').filter(Boolean)).toEqual([
      process.execPath,
      '--enable-source-maps',
      'dist/main.js',
    ]);
    const start = (
      JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
    ).scripts.start;
    expect(start).toBe('node --enable-source-maps dist/main.js');
  });

  test('answers { __typename } and a tenant query', async () => {
    expect(await gql('{ __typename }')).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
    const tokens = createTokenService({ secret: TEST_JWT_SECRET, ...TEST_JWT, accessTokenTtlSeconds: 300 });
    const token = tokens.sign({ sub: database.tenants.creatorA, role: 'creator' }).token;
    const { rows } = await database.owner.query<{ id: string }>(
      'SELECT id FROM programs WHERE creator_id = $1 ORDER BY id',
      [database.tenants.creatorA],
    );
    const answer = await gql('{ me { email } programs(first: 50) { totalCount } }', token);
    expect(answer).toEqual({
      status: 200,
      body: { data: { me: { email: 'ada@demo.creatorgraph.dev' }, programs: { totalCount: rows.length } } },
    });
    expect(rows.length).toBeGreaterThan(0);
  });

  test("serves the dashboard's page (copied beside the output) and the explorer's build (dist/explorer)", async () => {
    const dashboard = await fetch(`${url}/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<html');
    // pretest builds the explorer; without graphiql installed the page is 503 (not built).
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(fs.existsSync(path.join(explorerBuild, 'manifest.json')) ? 200 : 503);
  });

  test('SIGTERM drains and exits 0, with nothing at warn level or above', async () => {
    kill(entry, 'SIGTERM');
    expect(await entry.exited).toBe(0);
    expect(complaints(entry)).toEqual([]);
  });
});
