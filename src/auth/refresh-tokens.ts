// Refresh tokens are opaque to clients: "crt_<creator id, 32 hex>_<256 random bits>". The
// creator id lets the server scope the lookup to that tenant (row-level security applies to the
// refresh itself); the random part is what makes it a secret. Only its SHA-256 is stored.
import crypto from 'node:crypto';

export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;

export function newRefreshToken(creatorId: string): { token: string; hash: string } {
  const token = `crt_${creatorId.replace(/-/g, '')}_${crypto.randomBytes(32).toString('base64url')}`;
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

/** The creator id inside a well-formed token, or undefined. */
export function creatorOfRefreshToken(token: string): string | undefined {
  const match = /^crt_([0-9a-f]{32})_[A-Za-z0-9_-]{43}$/.exec(token);
  if (!match) return undefined;
  const hex = match[1]!;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
