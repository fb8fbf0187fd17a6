// The security audit trail of a tenant (sign-ups, log-ins, key changes, exports), written by
// every module in the caller's tenant transaction. Each event carries the request id and where
// the request came from.
import type { TenantTransaction } from '../../db/tenant';

export type SecurityEvent = {
  eventType: string;
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
  eventData?: object;
};

/** The request an event comes from: its id, and the client's address and user agent. */
export interface RequestOrigin {
  requestId: string;
  client: { ip?: string; userAgent?: string };
}

export function securityLog(tx: TenantTransaction, origin: RequestOrigin, event: SecurityEvent) {
  return tx.securityAuditLog.create({
    data: {
      eventType: event.eventType,
      severity: event.severity ?? 'info',
      eventData: { requestId: origin.requestId, ...event.eventData },
      ipAddress: origin.client.ip ?? null,
      userAgent: origin.client.userAgent ?? null,
    },
  });
}
