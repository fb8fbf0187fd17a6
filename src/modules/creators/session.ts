// Issuing a creator session: a refresh token (stored hashed, in a family that one log-in shares)
// and an access token naming that family. Used by sign-up, log-in (auth.service.ts) and refresh
// (refresh-token.service.ts). Not a service on purpose: other modules may not mint sessions.
import crypto from 'node:crypto';
import { newRefreshToken, REFRESH_TOKEN_TTL_MS } from '../../auth/refresh-tokens';
import type { TokenService } from '../../auth/tokens';
import type { TenantTransaction } from '../../db/tenant';
import type { RequestOrigin } from '../audit/security-log.service';

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  creatorId: string;
}

/** What issuing a session needs besides the creator's transaction: the token signer. */
export interface SessionDeps {
  tokens: Pick<TokenService, 'sign'>;
}

export async function issueSession(
  tx: TenantTransaction,
  deps: SessionDeps,
  origin: RequestOrigin,
  creatorId: string,
  familyId: string = crypto.randomUUID(),
): Promise<Session & { tokenId: string }> {
  const refresh = newRefreshToken(creatorId);
  const row = await tx.creatorRefreshToken.create({
    data: {
      familyId,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
      ipAddress: origin.client.ip ?? null,
      userAgent: origin.client.userAgent ?? null,
    },
    select: { id: true },
  });
  const access = deps.tokens.sign({ sub: creatorId, role: 'creator', sid: familyId });
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.token,
    creatorId,
    tokenId: row.id,
  };
}
