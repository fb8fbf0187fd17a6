// Refresh and log-out for creators: rotating a refresh token (a reused one revokes its whole
// family) and ending a log-in. Both run in a transaction scoped to the creator the token names,
// so row-level security applies. Sign-up and log-in: auth.service.ts.
import { creatorOfRefreshToken, hashRefreshToken } from '../../auth/refresh-tokens';
import type { PrismaClient } from '../../db/clients';
import { withTenantTransaction } from '../../db/tenant';
import { InvalidCredentialsError } from '../../graphql/errors';
import { securityLog, type RequestOrigin } from '../audit/security-log.service';
import { issueSession, type Session, type SessionDeps } from './session';

/** The application client, to open the transaction of the creator a token names. */
export interface RefreshDeps extends SessionDeps {
  app: PrismaClient;
}

/** Rotates a refresh token. Presenting one that was already rotated revokes its whole family. */
export async function refreshSession(deps: RefreshDeps, origin: RequestOrigin, refreshToken: string): Promise<Session> {
  const creatorId = creatorOfRefreshToken(refreshToken);
  if (!creatorId) throw new InvalidCredentialsError('Invalid refresh token');
  const tokenHash = hashRefreshToken(refreshToken);
  const outcome = await withTenantTransaction(deps.app, creatorId, async (tx) => {
    const token = await tx.creatorRefreshToken.findUnique({ where: { creatorId_tokenHash: { creatorId, tokenHash } } });
    if (!token) return { kind: 'invalid' } as const;
    const now = new Date();
    // Claim the token atomically: of two concurrent refreshes, one wins, the other is a reuse.
    const claimed =
      token.revokedAt === null
        ? await tx.creatorRefreshToken.updateMany({
            where: { id: token.id, revokedAt: null },
            data: { revokedAt: now, revokedReason: 'rotated' },
          })
        : { count: 0 };
    if (claimed.count === 0) {
      // A token ended by log-out (or deactivation) coming back is a stale client, not a theft.
      const current = await tx.creatorRefreshToken.findUniqueOrThrow({
        where: { id: token.id },
        select: { revokedReason: true },
      });
      if (current.revokedReason === 'logout' || current.revokedReason === 'deactivated')
        return { kind: 'invalid' } as const;
      const revoked = await tx.creatorRefreshToken.updateMany({
        where: { familyId: token.familyId, revokedAt: null },
        data: { revokedAt: now, revokedReason: 'reuse' },
      });
      await securityLog(tx, origin, {
        eventType: 'auth.refresh_token_reused',
        severity: 'high',
        eventData: { familyId: token.familyId, tokensRevoked: revoked.count },
      });
      return { kind: 'reused' } as const;
    }
    if (token.expiresAt <= now) return { kind: 'invalid' } as const;
    // A deactivated account keeps no session alive: end the whole log-in.
    const creator = await tx.creator.findUnique({ where: { id: creatorId }, select: { isActive: true } });
    if (!creator?.isActive) {
      await tx.creatorRefreshToken.updateMany({
        where: { familyId: token.familyId, OR: [{ revokedAt: null }, { id: token.id }] },
        data: { revokedAt: now, revokedReason: 'deactivated' },
      });
      return { kind: 'invalid' } as const;
    }
    const session = await issueSession(tx, deps, origin, creatorId, token.familyId);
    await tx.creatorRefreshToken.update({
      where: { id: token.id },
      data: { replacedById: session.tokenId },
      select: { id: true },
    });
    return { kind: 'ok', session } as const;
  });
  // A reuse must revoke the family even though the caller gets an error: commit first, then throw.
  if (outcome.kind === 'ok') return outcome.session;
  throw new InvalidCredentialsError(
    outcome.kind === 'reused'
      ? 'Refresh token was already used: every session of this log-in is revoked'
      : 'Invalid refresh token',
  );
}

/** Ends the log-in the refresh token belongs to (every token of its family). */
export async function logOut(
  deps: Pick<RefreshDeps, 'app'>,
  origin: RequestOrigin,
  refreshToken: string,
): Promise<boolean> {
  const creatorId = creatorOfRefreshToken(refreshToken);
  if (!creatorId) return false;
  return withTenantTransaction(deps.app, creatorId, async (tx) => {
    const token = await tx.creatorRefreshToken.findUnique({
      where: { creatorId_tokenHash: { creatorId, tokenHash: hashRefreshToken(refreshToken) } },
      select: { familyId: true },
    });
    if (!token) return false;
    await tx.creatorRefreshToken.updateMany({
      where: { familyId: token.familyId, revokedAt: null },
      data: { revokedAt: new Date(), revokedReason: 'logout' },
    });
    await securityLog(tx, origin, { eventType: 'auth.logged_out' });
    return true;
  });
}
