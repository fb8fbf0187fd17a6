// One log line and one metric per operation over a subscription socket, as over HTTP, when it
// ends (completed, or failed).
import { tenantOf } from '../auth/viewer';
import type { Context } from '../graphql/context';
import type { Metrics } from './metrics';

/** When an operation started, for its log line and metrics. */
export interface OperationStart {
  at: bigint;
  context: Context;
  name: string | null;
  type: string | null;
}

/** Logs and measures the operation `id` of a socket, once: its entry is removed from `started`. */
export function operationFinished(
  started: Map<string, OperationStart> | undefined,
  metrics: Metrics | undefined,
  id: string,
  outcome: 'ok' | 'error',
  errorCodes: string[] = [],
): void {
  const start = started?.get(id);
  if (!start) return;
  started!.delete(id);
  const seconds = Number(process.hrtime.bigint() - start.at) / 1e9;
  const viewer = start.context.viewer;
  metrics?.observeRequest(start.name, outcome, seconds);
  start.context.log.info(
    {
      transport: 'ws',
      viewer: viewer.kind,
      creatorId: tenantOf(viewer) ?? null,
      operationName: start.name,
      operationType: start.type,
      durationMs: Math.round(seconds * 1e5) / 100,
      outcome,
      ...(errorCodes.length ? { errorCodes } : {}),
    },
    'graphql request',
  );
}
