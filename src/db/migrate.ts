// Applies prisma/migrations/<timestamp>_<name>/migration.sql in order and records each in
// Prisma's own `_prisma_migrations` table, so `prisma migrate deploy` (where its engine can be
// downloaded) and this runner agree about what is applied. Prisma 7's migrate cannot run on
// this offline network, so this is the one path used by `npm start`, the tests and
// `npm run db:migrate`.
//
// Each file is sent as one simple-protocol query: `$$` bodies survive, and PostgreSQL runs a
// multi-statement simple query as one implicit transaction, so a migration applies entirely or
// not at all. A session advisory lock serialises concurrent runners (two instances starting).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** prisma/migrations of this package, found from here whether run from src/ or a build. */
export const MIGRATIONS_DIR = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`prisma/migrations not found above ${__dirname}`);
  }
})();

// Any constant works; it only has to be the same for every runner of this schema.
const MIGRATION_LOCK_KEY = 72_707_369;

export interface MigrationFile {
  name: string;
  checksum: string;
  sql: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

/** Migrations on disk, in the order they apply (their names start with a timestamp). */
export function readMigrations(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedMigrations(client: pg.ClientBase): Promise<Map<string, AppliedRow>> {
  const { rows } = await client.query<AppliedRow>(
    `SELECT id, migration_name, checksum, finished_at, rolled_back_at
       FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );
  return new Map(rows.map((row) => [row.migration_name, row]));
}

function verify(files: MigrationFile[], applied: Map<string, AppliedRow>): void {
  for (const file of files) {
    const row = applied.get(file.name);
    if (!row) continue;
    if (row.finished_at === null) {
      throw new MigrationError(
        `Migration ${file.name} started but never finished. Inspect the database, fix it by hand, then delete its row from _prisma_migrations (or mark it rolled back) and run again.`,
      );
    }
    if (row.checksum !== file.checksum) {
      throw new MigrationError(
        `Migration ${file.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}... in the database, ${file.checksum.slice(0, 12)}... on disk). Applied migrations are immutable: revert the edit and add a new migration instead.`,
      );
    }
  }
  const known = new Set(files.map((f) => f.name));
  for (const name of applied.keys()) {
    if (!known.has(name)) {
      throw new MigrationError(
        `The database has migration ${name}, which is not in ${MIGRATIONS_DIR}. Is this checkout older than the database?`,
      );
    }
  }
}

/** Applies every pending migration. Fails loudly on a changed, missing or half-applied one. */
export async function migrate(
  connectionString: string,
  options: { dir?: string; log?: (message: string) => void } = {},
): Promise<MigrationResult> {
  const log = options.log ?? (() => undefined);
  const files = readMigrations(options.dir);
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(CREATE_TABLE);
    const applied = await appliedMigrations(client);
    verify(files, applied);

    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const file of files) {
      if (applied.has(file.name)) {
        result.alreadyApplied.push(file.name);
        continue;
      }
      const id = crypto.randomUUID();
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
        [id, file.checksum, file.name],
      );
      const started = Date.now();
      try {
        await client.query(file.sql);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // The failed script rolled back as a whole; drop our marker so a fixed file can run.
        await client.query(`DELETE FROM "_prisma_migrations" WHERE id = $1`, [id]);
        throw new MigrationError(`Migration ${file.name} failed and was rolled back: ${message}`);
      }
      await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [
        id,
      ]);
      log(`applied ${file.name} (${Date.now() - started} ms)`);
      result.applied.push(file.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/** Names of migrations on disk that the database has not applied (for readiness checks). */
export async function pendingMigrations(
  client: pg.ClientBase | pg.Pool,
  files: MigrationFile[] = readMigrations(),
): Promise<string[]> {
  const exists = await client.query<{ ok: boolean }>(
    `SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS ok`,
  );
  if (!exists.rows[0]?.ok) return files.map((f) => f.name);
  const { rows } = await client.query<{ migration_name: string; checksum: string }>(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  return files.filter((f) => done.get(f.name) !== f.checksum).map((f) => f.name);
}
