// Liveness and readiness for orchestrators.
//   /healthz  the process is alive and serving HTTP (never touches the database);
//   /readyz   the database answers as the app role, and every migration on disk is applied.
import type { Database } from '../db/database';
import { pendingMigrations, readMigrations } from '../db/migrate';

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a probe answers: a status and a JSON body. */
export interface ProbeResult {
  status: number;
  body: Record<string, unknown>;
}

export function healthz(): ProbeResult {
  return { status: 200, body: { status: 'ok' } };
}

export function readyz(db: Database) {
  // The migrations this build ships, read and hashed once: a readiness probe runs every few
  // seconds and must not re-read them from disk each time.
  const shipped = readMigrations();
  return async (): Promise<ProbeResult> => {
    const checks: Record<string, string> = {};
    let ready = true;
    try {
      await withTimeout(db.appPool.query('SELECT 1'), 2_000);
      checks.database = 'ok';
    } catch (error) {
      ready = false;
      checks.database = `unreachable: ${error instanceof Error ? error.message : 'error'}`;
    }
    try {
      const pending = await withTimeout(pendingMigrations(db.ownerPool, shipped), 2_000);
      checks.migrations = pending.length === 0 ? 'ok' : `pending: ${pending.join(', ')}`;
      ready &&= pending.length === 0;
    } catch (error) {
      ready = false;
      checks.migrations = `unknown: ${error instanceof Error ? error.message : 'error'}`;
    }
    return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', checks } };
  };
}
