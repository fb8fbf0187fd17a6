// Issuing a creator session: a refresh token (stored hashed, in a family that one log-in shares)
// and an access token naming that family. Used by sign-up, log-in (auth.service.ts) and refresh
// (refresh-token.service.ts). Not a service on purpose: other modules may not mint sessions.
import crypto from 'node:crypto';
import { newRefreshToken, REFRESH_TOKEN_TTL_MS } from '../../auth/refresh-tokens';
import type { TenantTransaction } from '../../db/tenant';
import type { Context } from '../../graphql/context';

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  creatorId: string;
}

export async function issueSession(
  tx: TenantTransaction,
  ctx: Context,
  creatorId: string,
  familyId: string = crypto.randomUUID(),
): Promise<Session & { tokenId: string }> {
  const refresh = newRefreshToken(creatorId);
  const row = await tx.creatorRefreshToken.create({
    data: {
      familyId,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_MS),
      ipAddress: ctx.client.ip ?? null,
      userAgent: ctx.client.userAgent ?? null,
    },
    select: { id: true },
  });
  const access = ctx.tokens.sign({ sub: creatorId, role: 'creator', sid: familyId });
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.token,
    creatorId,
    tokenId: row.id,
  };
}
