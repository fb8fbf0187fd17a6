// The security audit trail of a tenant (sign-ups, log-ins, key changes, exports), written by
// every module in the caller's tenant transaction. Each event carries the request id and where
// the request came from.
import type { TenantTransaction } from '../../db/tenant';
import type { Context } from '../../graphql/context';

export type SecurityEvent = {
  eventType: string;
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  eventData?: object;
};

export function securityLog(tx: TenantTransaction, ctx: Context, event: SecurityEvent) {
  return tx.securityAuditLog.create({
    data: {
      eventType: event.eventType,
      severity: event.severity ?? 'info',
      eventData: { requestId: ctx.requestId, ...event.eventData },
      ipAddress: ctx.client.ip ?? null,
      userAgent: ctx.client.userAgent ?? null,
    },
  });
}
