// Sign-up and log-in for creators; log-in for platform admins. Refresh and log-out:
// refresh-token.service.ts; issuing a session: session.ts.
//
// Guessing passwords is throttled, never locked out (auth/auth-guard.ts, AuthGuard; server/rate-limit.ts
// implements it):
// - per client address, every log-in, sign-up, refresh and log-out call (AUTH_RATE_PER_SOURCE a
//   minute) and sign-ups (SIGNUP_RATE_PER_SOURCE an hour): past it, 429 RATE_LIMITED with
//   Retry-After, before any work;
// - per account (the email, whether it has an account or not), failed log-ins
//   (AUTH_RATE_PER_ACCOUNT in a sliding minute). Past it the password is not checked and the
//   answer is the same InvalidCredentialsError as a wrong password or an unknown email, after
//   the same password verification (against a dummy hash), so that throttling reveals nothing.
//   A source that logged in to the account in the last 30 days is never throttled for it, so
//   an attack on an account does not keep its owner out; a new source waits at most a minute
//   after the attack stops. The first throttled attempt of a minute is a security event
//   (auth.login_throttled).
// The old 15-minute lock-out let anyone lock anyone out; it is gone (locked_until is no longer set).
// Hashing and verifying go through the bounded PasswordHasher (auth/passwords.ts).
//
// Everything that concerns a known creator runs in a transaction scoped to that creator, so
// row-level security applies to the auth flow itself. Only two steps use the owner connection:
// finding a creator (or admin) by email, before any tenant is known, and recording a failed
// log-in for an email that has no account.
import crypto from 'node:crypto';
import type { AccountGuard } from '../../auth/auth-guard';
import type { PrismaClient } from '../../db/clients';
import { withTenantTransaction } from '../../db/tenant';
import { ConflictError, InvalidCredentialsError } from '../../graphql/errors';
import type { Logger } from '../../logger';
import { securityLog, type RequestOrigin } from '../audit/security-log.service';
import { issueSession, type Session, type SessionDeps } from './session';

/** What sign-up and log-in use. */
export interface AuthDeps extends SessionDeps {
  /** The application client: a known creator's steps run in that creator's transaction. */
  app: PrismaClient;
  /** The sign-in lookups, made before any tenant is known: a narrow view of the owner's client. */
  accounts: Pick<PrismaClient, 'creator' | 'platformAdmin' | 'securityAuditLog'>;
  /** The per-account limits and the bounded password hasher (auth/auth-guard.ts). */
  guard: AccountGuard;
  /** The failed log-ins an account may make in a minute (AUTH_RATE_PER_ACCOUNT), for the record. */
  authPerAccountPerMinute: number;
  log: Logger;
}

export interface SignUpInput {
  email: string;
  password: string;
  firstName?: string | null;
  lastName?: string | null;
  companyName?: string | null;
}

export async function signUp(
  deps: Pick<AuthDeps, 'app' | 'guard' | 'tokens'>,
  origin: RequestOrigin,
  input: SignUpInput,
): Promise<Session> {
  const creatorId = crypto.randomUUID();
  const passwordHash = await deps.guard.passwords.hash(input.password);
  try {
    const session = await withTenantTransaction(deps.app, creatorId, async (tx) => {
      // Explicit columns: the application role may insert only these (plan and billing fields
      // are not its to set), and Prisma's create would send every column that has a default.
      await tx.$executeRaw`
        INSERT INTO creators (id, email, password_hash, first_name, last_name, company_name)
        VALUES (${creatorId}::uuid, ${input.email}, ${passwordHash}, ${input.firstName ?? null}, ${input.lastName ?? null}, ${input.companyName ?? null})`;
      await securityLog(tx, origin, { eventType: 'auth.signed_up' });
      return issueSession(tx, deps, origin, creatorId);
    });
    // The address that created the account knows it, as after a log-in.
    await deps.guard.rememberSource(origin, `creator:${input.email}`);
    return session;
  } catch (error) {
    if (
      /creators_email_key|duplicate key|UniqueConstraintViolation|23505/.test(
        `${(error as Error).message} ${JSON.stringify((error as { meta?: unknown }).meta ?? {})}`,
      )
    ) {
      throw new ConflictError('An account with this email already exists');
    }
    throw error;
  }
}

export async function logIn(deps: AuthDeps, origin: RequestOrigin, email: string, password: string): Promise<Session> {
  const guard = deps.guard;
  const account = `creator:${email}`;
  // Taken before the password is checked, so that concurrent guesses cannot all get through.
  const attempt = await guard.reserveFailure(origin, account);
  let creator: { id: string; passwordHash: string; isActive: boolean } | null;
  let passwordOk: boolean;
  try {
    // Privileged lookup: the tenant is what we are trying to find.
    creator = await deps.accounts.creator.findUnique({
      where: { email },
      select: { id: true, passwordHash: true, isActive: true },
    });
    // Throttled: the same work as a check, and the same answer as a wrong password.
    passwordOk = attempt.throttled
      ? await guard.passwords.dummyVerify(password)
      : await guard.passwords.verify(creator?.passwordHash, password);
  } catch (error) {
    await attempt.release(); // refused for load (RATE_LIMITED) or the database is away: not a failed attempt
    throw error;
  }

  if (attempt.throttled) {
    if (guard.firstThrottle(account)) {
      deps.log.warn({ creatorId: creator?.id ?? null }, 'log-in throttled for an account');
      await deps.accounts.securityAuditLog.create({
        data: {
          creatorId: creator?.id ?? null,
          eventType: 'auth.login_throttled',
          severity: 'medium',
          eventData: {
            requestId: origin.requestId,
            limitPerMinute: deps.authPerAccountPerMinute,
            ...(creator ? {} : { emailDomain: email.split('@')[1] ?? '' }),
          },
          ipAddress: origin.client.ip ?? null,
          userAgent: origin.client.userAgent ?? null,
        },
      });
    }
    throw new InvalidCredentialsError();
  }

  if (!creator || !creator.isActive) {
    await deps.accounts.securityAuditLog.create({
      data: {
        creatorId: creator?.id ?? null,
        eventType: 'auth.login_failed',
        severity: 'low',
        eventData: {
          requestId: origin.requestId,
          reason: creator ? 'inactive' : 'unknown_email',
          emailDomain: email.split('@')[1] ?? '',
        },
        ipAddress: origin.client.ip ?? null,
        userAgent: origin.client.userAgent ?? null,
      },
    });
    throw new InvalidCredentialsError();
  }

  const outcome = await withTenantTransaction(deps.app, creator.id, async (tx) => {
    // Re-read under a row lock, so concurrent attempts count one by one.
    const [row] = await tx.$queryRaw<{ failed_login_attempts: number }[]>`
      SELECT failed_login_attempts FROM creators WHERE id = ${creator.id}::uuid FOR UPDATE`;
    const now = new Date();
    if (!passwordOk) {
      // Counted for the record (and reset by the next success); it locks nothing.
      const attempts = (row?.failed_login_attempts ?? 0) + 1;
      await tx.creator.update({
        where: { id: creator.id },
        data: { failedLoginAttempts: attempts },
        select: { id: true },
      });
      await securityLog(tx, origin, {
        eventType: 'auth.login_failed',
        severity: 'low',
        eventData: { reason: 'bad_password', attempt: attempts },
      });
      return { kind: 'failed' } as const;
    }
    await tx.creator.update({
      where: { id: creator.id },
      data: { failedLoginAttempts: 0, lockedUntil: null, lastLoginAt: now },
      select: { id: true },
    });
    await securityLog(tx, origin, { eventType: 'auth.login_succeeded' });
    return { kind: 'ok', session: await issueSession(tx, deps, origin, creator.id) } as const;
  });
  if (outcome.kind === 'failed') throw new InvalidCredentialsError();
  // A success is not a failed attempt, and this source now knows the account.
  await attempt.release();
  await guard.rememberSource(origin, account);
  return outcome.session;
}
export async function adminLogIn(
  deps: Pick<AuthDeps, 'accounts' | 'guard' | 'tokens' | 'authPerAccountPerMinute'>,
  origin: RequestOrigin,
  email: string,
  password: string,
): Promise<{ accessToken: string; accessTokenExpiresAt: Date }> {
  const guard = deps.guard;
  const account = `admin:${email}`;
  const attempt = await guard.reserveFailure(origin, account);
  let admin: { id: string; passwordHash: string; disabledAt: Date | null } | null;
  let ok: boolean;
  try {
    admin = await deps.accounts.platformAdmin.findUnique({
      where: { email },
      select: { id: true, passwordHash: true, disabledAt: true },
    });
    ok = attempt.throttled
      ? await guard.passwords.dummyVerify(password)
      : await guard.passwords.verify(admin?.passwordHash, password);
  } catch (error) {
    await attempt.release();
    throw error;
  }
  const succeeded = ok && !!admin && !admin.disabledAt;
  // Every attempt is recorded, except throttled ones past the first of their minute.
  if (!attempt.throttled || guard.firstThrottle(account)) {
    await deps.accounts.securityAuditLog.create({
      data: {
        creatorId: null,
        eventType: attempt.throttled
          ? 'admin.login_throttled'
          : succeeded
            ? 'admin.login_succeeded'
            : 'admin.login_failed',
        severity: succeeded ? 'medium' : 'high',
        eventData: {
          requestId: origin.requestId,
          adminId: admin?.id ?? null,
          ...(attempt.throttled ? { limitPerMinute: deps.authPerAccountPerMinute } : {}),
        },
        ipAddress: origin.client.ip ?? null,
        userAgent: origin.client.userAgent ?? null,
      },
    });
  }
  if (!succeeded || !admin) throw new InvalidCredentialsError();
  await attempt.release();
  await guard.rememberSource(origin, account);
  const access = deps.tokens.sign({ sub: admin.id, role: 'admin' });
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt };
}
