// The evaluate_badges jobs the writes queue, as the tests that run a job worker wait for them:
// read from graphile-worker's own tables through the owner connection.
import type { ApiHarness } from './api';

/** The evaluate_badges jobs still to run (matching `where`, on the jobs `j`). */
export const pendingBadgeEvaluations = async (api: ApiHarness, where = 'true', params: unknown[] = []) =>
  (await api.one(
    `SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE t.identifier = 'evaluate_badges' AND j.attempts < j.max_attempts AND ${where}`,
    params,
  ))!.n as number;

/** Waits (generously) until no badge evaluation is queued or running. */
export async function badgeEvaluationsSettled(api: ApiHarness, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await pendingBadgeEvaluations(api);
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} badge evaluations still queued after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
