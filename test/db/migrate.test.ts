// The migration runner, against empty databases, as the (non-superuser) owner role.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MIGRATIONS_DIR, MigrationError, migrate, pendingMigrations, readMigrations } from '../../src/db/migrate';
import { createEmptyDatabase, type TestDatabase } from '../helpers/database';
import { connect } from '../helpers/fixtures';

// Built by hand: the harness only gives migrated databases; the runner needs empty ones, several per test.
const databases: TestDatabase[] = [];
async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createEmptyDatabase();
  databases.push(db);
  return db;
}

/** A copy of the real migrations that a test may change. */
function copyOfMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'creatorgraph-migrations-'));
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

test('applies every migration in order and records each in _prisma_migrations with its sha256', async () => {
  const db = await emptyDatabase();
  const files = readMigrations();
  expect(files.map((f) => f.name)).toEqual([...files.map((f) => f.name)].sort());

  const first = await migrate(db.ownerUrl);
  expect(first).toEqual({ applied: files.map((f) => f.name), alreadyApplied: [] });

  const client = await connect(db.ownerUrl);
  try {
    const { rows } = await client.query(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count FROM _prisma_migrations ORDER BY started_at, migration_name`,
    );
    expect(rows).toEqual(
      files.map((f) => ({
        migration_name: f.name,
        checksum: crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(MIGRATIONS_DIR, f.name, 'migration.sql')))
          .digest('hex'),
        finished: true,
        applied_steps_count: 1,
      })),
    );
    expect(await pendingMigrations(client)).toEqual([]);
  } finally {
    await client.end();
  }
});

test('is idempotent: a second run applies nothing', async () => {
  const db = await emptyDatabase();
  await migrate(db.ownerUrl);
  const again = await migrate(db.ownerUrl);
  expect(again.applied).toEqual([]);
  expect(again.alreadyApplied).toHaveLength(readMigrations().length);
});

test('reports every migration as pending on an empty database', async () => {
  const db = await emptyDatabase();
  const client = await connect(db.ownerUrl);
  try {
    expect(await pendingMigrations(client)).toEqual(readMigrations().map((f) => f.name));
  } finally {
    await client.end();
  }
});

test('fails loudly when an applied migration was edited, and applies nothing after it', async () => {
  const db = await emptyDatabase();
  const dir = copyOfMigrations();
  const [first] = readMigrations(dir);
  await migrate(db.ownerUrl, { dir });
  fs.appendFileSync(path.join(dir, first!.name, 'migration.sql'), '\n-- an innocent-looking edit\n');
  fs.mkdirSync(path.join(dir, '29991231000000_later'));
  fs.writeFileSync(path.join(dir, '29991231000000_later', 'migration.sql'), 'CREATE TABLE later_table (id int);');

  await expect(migrate(db.ownerUrl, { dir })).rejects.toBeInstanceOf(MigrationError);
  await expect(migrate(db.ownerUrl, { dir })).rejects.toThrow(/20261121000100_init was changed after it was applied/);
  const client = await connect(db.ownerUrl);
  try {
    expect((await client.query(`SELECT to_regclass('public.later_table') AS t`)).rows[0].t).toBeNull();
  } finally {
    await client.end();
  }
});

test('a failing migration rolls back completely and leaves no record, so a fixed file can run', async () => {
  const db = await emptyDatabase();
  const dir = copyOfMigrations();
  const broken = path.join(dir, '29991231000000_broken');
  fs.mkdirSync(broken);
  fs.writeFileSync(path.join(broken, 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT 1 / 0;');

  await expect(migrate(db.ownerUrl, { dir })).rejects.toThrow(
    /29991231000000_broken failed and was rolled back: division by zero/,
  );
  const client = await connect(db.ownerUrl);
  try {
    expect((await client.query(`SELECT to_regclass('public.half_done') AS t`)).rows[0].t).toBeNull();
    expect(
      (
        await client.query(
          `SELECT count(*)::int AS n FROM _prisma_migrations WHERE migration_name = '29991231000000_broken'`,
        )
      ).rows[0].n,
    ).toBe(0);
    // The migrations before it did apply.
    expect((await client.query(`SELECT count(*)::int AS n FROM _prisma_migrations`)).rows[0].n).toBe(
      readMigrations().length,
    );

    fs.writeFileSync(path.join(broken, 'migration.sql'), 'CREATE TABLE half_done (id int);');
    expect((await migrate(db.ownerUrl, { dir })).applied).toEqual(['29991231000000_broken']);
  } finally {
    await client.end();
  }
});

test('refuses a database that has a migration this checkout does not know', async () => {
  const db = await emptyDatabase();
  const dir = copyOfMigrations();
  fs.mkdirSync(path.join(dir, '29991231000000_newer'));
  fs.writeFileSync(path.join(dir, '29991231000000_newer', 'migration.sql'), 'SELECT 1;');
  await migrate(db.ownerUrl, { dir });
  await expect(migrate(db.ownerUrl)).rejects.toThrow(/has migration 29991231000000_newer, which is not in/);
});

test('two runners at once (two instances starting) apply each migration exactly once', async () => {
  const db = await emptyDatabase();
  const [a, b] = await Promise.all([migrate(db.ownerUrl), migrate(db.ownerUrl)]);
  expect([...a.applied, ...b.applied].sort()).toEqual(readMigrations().map((f) => f.name));
  const client = await connect(db.ownerUrl);
  try {
    expect((await client.query(`SELECT count(*)::int AS n FROM _prisma_migrations`)).rows[0].n).toBe(
      readMigrations().length,
    );
  } finally {
    await client.end();
  }
});
