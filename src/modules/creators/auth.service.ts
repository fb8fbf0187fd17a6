// Sign-up, log-in, refresh and log-out for creators; log-in for platform admins.
//
// Everything that concerns a known creator runs in a transaction scoped to that creator, so
// row-level security applies to the auth flow itself. Only two steps use the owner connection:
// finding a creator (or admin) by email, before any tenant is known, and recording a failed
// log-in for an email that has no account.
import crypto from 'node:crypto';
import { hashPassword, verifyPassword } from '../../auth/passwords';
import { creatorOfRefreshToken, hashRefreshToken, newRefreshToken, REFRESH_TOKEN_TTL_MS } from '../../auth/refresh-tokens';
import { withTenantTransaction, type TenantTransaction } from '../../db/tenant';
import { AccountLockedError, ConflictError, InvalidCredentialsError } from '../../graphql/errors';
import type { Context } from '../../server/context';

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MS = 15 * 60 * 1000;

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  creatorId: string;
}

type SecurityEvent = { eventType: string; severity?: 'info' | 'low' | 'medium' | 'high' | 'critical'; eventData?: object };

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

async function issueSession(tx: TenantTransaction, ctx: Context, creatorId: string, familyId: string = crypto.randomUUID()): Promise<Session & { tokenId: string }> {
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
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refresh.token, creatorId, tokenId: row.id };
}

export interface SignUpInput {
  email: string;
  password: string;
  firstName?: string | null;
  lastName?: string | null;
  companyName?: string | null;
}

export async function signUp(ctx: Context, input: SignUpInput): Promise<Session> {
  const creatorId = crypto.randomUUID();
  const passwordHash = await hashPassword(input.password);
  try {
    return await withTenantTransaction(ctx.db.app, creatorId, async (tx) => {
      // Explicit columns: the application role may insert only these (plan and billing fields
      // are not its to set), and Prisma's create would send every column that has a default.
      await tx.$executeRaw`
        INSERT INTO creators (id, email, password_hash, first_name, last_name, company_name)
        VALUES (${creatorId}::uuid, ${input.email}, ${passwordHash}, ${input.firstName ?? null}, ${input.lastName ?? null}, ${input.companyName ?? null})`;
      await securityLog(tx, ctx, { eventType: 'auth.signed_up' });
      return issueSession(tx, ctx, creatorId);
    });
  } catch (error) {
    if (/creators_email_key|duplicate key|UniqueConstraintViolation|23505/.test(`${(error as Error).message} ${JSON.stringify((error as { meta?: unknown }).meta ?? {})}`)) {
      throw new ConflictError('An account with this email already exists');
    }
    throw error;
  }
}

export async function logIn(ctx: Context, email: string, password: string): Promise<Session> {
  // Privileged lookup: the tenant is what we are trying to find.
  const creator = await ctx.db.owner.creator.findUnique({
    where: { email },
    select: { id: true, passwordHash: true, lockedUntil: true, isActive: true },
  });
  const passwordOk = await verifyPassword(creator?.passwordHash, password);

  if (!creator || !creator.isActive) {
    await ctx.db.owner.securityAuditLog.create({
      data: {
        creatorId: creator?.id ?? null,
        eventType: 'auth.login_failed',
        severity: 'low',
        eventData: { requestId: ctx.requestId, reason: creator ? 'inactive' : 'unknown_email', emailDomain: email.split('@')[1] ?? '' },
        ipAddress: ctx.client.ip ?? null,
        userAgent: ctx.client.userAgent ?? null,
      },
    });
    throw new InvalidCredentialsError();
  }

  const outcome = await withTenantTransaction(ctx.db.app, creator.id, async (tx) => {
    // Re-read under a row lock, so concurrent attempts count one by one.
    const [row] = await tx.$queryRaw<{ failed_login_attempts: number; locked_until: Date | null }[]>`
      SELECT failed_login_attempts, locked_until FROM creators WHERE id = ${creator.id}::uuid FOR UPDATE`;
    const now = new Date();
    if (row?.locked_until && row.locked_until > now) {
      await securityLog(tx, ctx, { eventType: 'auth.login_blocked', severity: 'medium', eventData: { lockedUntil: row.locked_until } });
      return { kind: 'locked', until: row.locked_until } as const;
    }
    if (!passwordOk) {
      const attempts = (row?.failed_login_attempts ?? 0) + 1;
      if (attempts >= MAX_FAILED_LOGINS) {
        const lockedUntil = new Date(now.getTime() + LOCK_MS);
        await tx.creator.update({ where: { id: creator.id }, data: { failedLoginAttempts: 0, lockedUntil }, select: { id: true } });
        await securityLog(tx, ctx, { eventType: 'auth.login_failed', severity: 'low', eventData: { reason: 'bad_password', attempt: attempts } });
        await securityLog(tx, ctx, { eventType: 'auth.account_locked', severity: 'high', eventData: { attempts, lockedUntil } });
        return { kind: 'locked', until: lockedUntil } as const;
      }
      await tx.creator.update({ where: { id: creator.id }, data: { failedLoginAttempts: attempts }, select: { id: true } });
      await securityLog(tx, ctx, { eventType: 'auth.login_failed', severity: 'low', eventData: { reason: 'bad_password', attempt: attempts } });
      return { kind: 'failed' } as const;
    }
    await tx.creator.update({ where: { id: creator.id }, data: { failedLoginAttempts: 0, lockedUntil: null, lastLoginAt: now }, select: { id: true } });
    await securityLog(tx, ctx, { eventType: 'auth.login_succeeded' });
    return { kind: 'ok', session: await issueSession(tx, ctx, creator.id) } as const;
  });
  if (outcome.kind === 'locked') throw new AccountLockedError(outcome.until);
  if (outcome.kind === 'failed') throw new InvalidCredentialsError();
  return outcome.session;
}

/** Rotates a refresh token. Presenting one that was already rotated revokes its whole family. */
export async function refreshSession(ctx: Context, refreshToken: string): Promise<Session> {
  const creatorId = creatorOfRefreshToken(refreshToken);
  if (!creatorId) throw new InvalidCredentialsError('Invalid refresh token');
  const tokenHash = hashRefreshToken(refreshToken);
  const outcome = await withTenantTransaction(ctx.db.app, creatorId, async (tx) => {
    const token = await tx.creatorRefreshToken.findUnique({ where: { creatorId_tokenHash: { creatorId, tokenHash } } });
    if (!token) return { kind: 'invalid' } as const;
    const now = new Date();
    // Claim the token atomically: of two concurrent refreshes, one wins, the other is a reuse.
    const claimed = token.revokedAt === null ? await tx.creatorRefreshToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: now, revokedReason: 'rotated' } }) : { count: 0 };
    if (claimed.count === 0) {
      // A token ended by log-out (or deactivation) coming back is a stale client, not a theft.
      const current = await tx.creatorRefreshToken.findUniqueOrThrow({ where: { id: token.id }, select: { revokedReason: true } });
      if (current.revokedReason === 'logout' || current.revokedReason === 'deactivated') return { kind: 'invalid' } as const;
      const revoked = await tx.creatorRefreshToken.updateMany({ where: { familyId: token.familyId, revokedAt: null }, data: { revokedAt: now, revokedReason: 'reuse' } });
      await securityLog(tx, ctx, { eventType: 'auth.refresh_token_reused', severity: 'high', eventData: { familyId: token.familyId, tokensRevoked: revoked.count } });
      return { kind: 'reused' } as const;
    }
    if (token.expiresAt <= now) return { kind: 'invalid' } as const;
    // A deactivated account keeps no session alive: end the whole log-in.
    const creator = await tx.creator.findUnique({ where: { id: creatorId }, select: { isActive: true } });
    if (!creator?.isActive) {
      await tx.creatorRefreshToken.updateMany({ where: { familyId: token.familyId, OR: [{ revokedAt: null }, { id: token.id }] }, data: { revokedAt: now, revokedReason: 'deactivated' } });
      return { kind: 'invalid' } as const;
    }
    const session = await issueSession(tx, ctx, creatorId, token.familyId);
    await tx.creatorRefreshToken.update({ where: { id: token.id }, data: { replacedById: session.tokenId }, select: { id: true } });
    return { kind: 'ok', session } as const;
  });
  // A reuse must revoke the family even though the caller gets an error: commit first, then throw.
  if (outcome.kind === 'ok') return outcome.session;
  throw new InvalidCredentialsError(outcome.kind === 'reused' ? 'Refresh token was already used: every session of this log-in is revoked' : 'Invalid refresh token');
}

/** Ends the log-in the refresh token belongs to (every token of its family). */
export async function logOut(ctx: Context, refreshToken: string): Promise<boolean> {
  const creatorId = creatorOfRefreshToken(refreshToken);
  if (!creatorId) return false;
  return withTenantTransaction(ctx.db.app, creatorId, async (tx) => {
    const token = await tx.creatorRefreshToken.findUnique({ where: { creatorId_tokenHash: { creatorId, tokenHash: hashRefreshToken(refreshToken) } }, select: { familyId: true } });
    if (!token) return false;
    await tx.creatorRefreshToken.updateMany({ where: { familyId: token.familyId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: 'logout' } });
    await securityLog(tx, ctx, { eventType: 'auth.logged_out' });
    return true;
  });
}

export async function adminLogIn(ctx: Context, email: string, password: string): Promise<{ accessToken: string; accessTokenExpiresAt: Date }> {
  const admin = await ctx.db.owner.platformAdmin.findUnique({ where: { email }, select: { id: true, passwordHash: true, disabledAt: true } });
  const ok = await verifyPassword(admin?.passwordHash, password);
  await ctx.db.owner.securityAuditLog.create({
    data: {
      creatorId: null,
      eventType: ok && admin && !admin.disabledAt ? 'admin.login_succeeded' : 'admin.login_failed',
      severity: ok ? 'medium' : 'high',
      eventData: { requestId: ctx.requestId, adminId: admin?.id ?? null },
      ipAddress: ctx.client.ip ?? null,
      userAgent: ctx.client.userAgent ?? null,
    },
  });
  if (!admin || !ok || admin.disabledAt) throw new InvalidCredentialsError();
  const access = ctx.tokens.sign({ sub: admin.id, role: 'admin' });
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt };
}
