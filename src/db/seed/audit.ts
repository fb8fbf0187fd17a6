// The demo creator's account history: a past log-in, and the audit trails that mention it, its
// programs and its partner key.
import { DAY, sha256, uuid, type SeedScope } from './scope';
import type { SeedApiKey } from './partners';
import type { SeedProgram } from './programs';

export async function seedAccountHistory(
  { tx, ago }: SeedScope,
  programs: SeedProgram[],
  apiKey: SeedApiKey,
): Promise<void> {
  // A past log-in: a refresh-token family whose first token was rotated.
  const family = uuid();
  const second = uuid();
  await tx.creatorRefreshToken.createMany({
    data: [
      {
        id: uuid(),
        familyId: family,
        tokenHash: sha256(uuid()),
        expiresAt: new Date(ago(3).getTime() + 30 * DAY),
        revokedAt: ago(2),
        revokedReason: 'rotated',
        replacedById: second,
        createdAt: ago(3),
        userAgent: 'Mozilla/5.0 (demo)',
      },
      {
        id: second,
        familyId: family,
        tokenHash: sha256(uuid()),
        expiresAt: new Date(ago(2).getTime() + 30 * DAY),
        createdAt: ago(2),
        userAgent: 'Mozilla/5.0 (demo)',
      },
    ],
  });

  // Audit trails.
  await tx.auditLog.createMany({
    data: programs.map((p) => ({
      tableName: 'programs',
      operation: 'INSERT',
      recordId: p.id,
      newValues: { name: p.name, status: p.status },
      actorType: 'creator',
      actorId: null,
      requestId: `seed-${uuid().slice(0, 8)}`,
      createdAt: p.createdAt,
    })),
  });
  await tx.securityAuditLog.createMany({
    data: [
      {
        eventType: 'auth.login_succeeded',
        severity: 'info',
        eventData: { method: 'password' },
        ipAddress: '198.51.100.7',
        userAgent: 'Mozilla/5.0 (demo)',
        createdAt: ago(1),
      },
      {
        eventType: 'auth.login_failed',
        severity: 'low',
        eventData: { reason: 'bad_password' },
        ipAddress: '198.51.100.7',
        userAgent: 'Mozilla/5.0 (demo)',
        createdAt: ago(1, 1),
      },
      {
        eventType: 'api_key.issued',
        severity: 'medium',
        eventData: { keyId: apiKey.id, keyPrefix: apiKey.prefix, scopes: ['read'] },
        ipAddress: '198.51.100.7',
        createdAt: ago(20),
      },
    ],
  });
}
