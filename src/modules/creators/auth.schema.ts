import { UNGUARDED } from '../../auth/auth-guard';
import { tenantClient } from '../../db/tenant';
import { builder } from '../../graphql/builder';
import { AccountLockedError, ConflictError, ForbiddenError, InvalidCredentialsError } from '../../graphql/errors';
import type { Context } from '../../graphql/context';
import { parseInput, z } from '../../graphql/validation';
import type { RequestOrigin } from '../audit/security-log.service';
import { adminLogIn, logIn, signUp, type AuthDeps } from './auth.service';
import { logOut, refreshSession } from './refresh-token.service';
import type { Session } from './session';

const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .email('must be an email address');
const password = z.string().min(10, 'must be at least 10 characters').max(200, 'must be at most 200 characters');
const name = z.string().trim().max(100, 'must be at most 100 characters').nullish();

/**
 * An admin acting on a creator (X-Act-As-Creator) gets no session from that request: sessions
 * are lasting credentials, and the act is for one request only (see api-key.service.ts). A top-
 * level FORBIDDEN, not a union member: these unions predate the rule, and a request that acts on
 * a creator while signing in is never a client's normal flow.
 */
function refuseWhileActing(ctx: Context): void {
  if (ctx.viewer.kind === 'admin' && ctx.viewer.actingAs)
    throw new ForbiddenError(
      'An admin acting on a creator cannot sign in, sign up or refresh a session in the same request: send it without X-Act-As-Creator',
    );
}

/** What the auth services use of the request context. */
function authDeps(ctx: Context): AuthDeps {
  return {
    app: ctx.db.app,
    accounts: ctx.db.accounts,
    tokens: ctx.tokens,
    guard: ctx.authGuard ?? UNGUARDED,
    authPerAccountPerMinute: ctx.fairness.authPerAccountPerMinute,
    // Made when first used, as the context's own logger is.
    get log() {
      return ctx.log;
    },
  };
}

const originOf = (ctx: Context): RequestOrigin => ({ requestId: ctx.requestId, client: ctx.client });

const AuthPayload = builder.objectRef<Session>('AuthPayload').implement({
  description:
    'A signed-in session: a short-lived access token (a JWT for the Authorization header) and a refresh token to rotate it.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    accessTokenExpiresAt: t.field({ type: 'DateTime', resolve: (s) => s.accessTokenExpiresAt }),
    refreshToken: t.exposeString('refreshToken', {
      description:
        'Single use: refreshSession returns a new one. Reusing an old one ends every session of that log-in.',
    }),
    // The payload's own creator, read as that creator (the request itself is not signed in yet).
    creator: t.prismaField({
      type: 'Creator',
      resolve: (query, session, _args, ctx) =>
        tenantClient(ctx.db.app, session.creatorId).creator.findUniqueOrThrow({
          ...query,
          where: { id: session.creatorId },
        }),
    }),
  }),
});

const AdminAuthPayload = builder
  .objectRef<{ accessToken: string; accessTokenExpiresAt: Date }>('AdminAuthPayload')
  .implement({
    fields: (t) => ({
      accessToken: t.exposeString('accessToken'),
      accessTokenExpiresAt: t.field({ type: 'DateTime', resolve: (s) => s.accessTokenExpiresAt }),
    }),
  });

const SignUpInput = builder.inputType('SignUpInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true, description: 'At least 10 characters.' }),
    firstName: t.string(),
    lastName: t.string(),
    companyName: t.string(),
  }),
});

builder.mutationField('signUp', (t) =>
  t.field({
    type: AuthPayload,
    description:
      'Creates a creator account and signs it in. Sign-ups per client address are limited (429 RATE_LIMITED with Retry-After).',
    errors: { types: [ConflictError], directResult: true },
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      refuseWhileActing(ctx);
      const data = parseInput(z.object({ email, password, firstName: name, lastName: name, companyName: name }), input);
      return signUp(authDeps(ctx), originOf(ctx), data);
    },
  }),
);

builder.mutationField('logIn', (t) =>
  t.field({
    type: AuthPayload,
    description:
      'Signs a creator in. Calls per client address are limited (429 RATE_LIMITED with Retry-After). Failed attempts on an account are throttled, never locked out: past the limit the answer is InvalidCredentialsError, as for a wrong password, except from an address that signed in to that account before. AccountLockedError is no longer returned.',
    // AccountLockedError is never returned since throttling replaced the lock-out; it stays in the
    // union so that clients that select it still validate.
    errors: { types: [InvalidCredentialsError, AccountLockedError], directResult: true },
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => {
      refuseWhileActing(ctx);
      const input = parseInput(z.object({ email, password: z.string().min(1, 'is required').max(200) }), args, 'args');
      return logIn(authDeps(ctx), originOf(ctx), input.email, input.password);
    },
  }),
);

builder.mutationField('refreshSession', (t) =>
  t.field({
    type: AuthPayload,
    description: 'Exchanges a refresh token for a new access token and a new refresh token.',
    errors: { types: [InvalidCredentialsError], directResult: true },
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, { refreshToken }, ctx) => {
      refuseWhileActing(ctx);
      return refreshSession(authDeps(ctx), originOf(ctx), refreshToken);
    },
  }),
);

builder.mutationField('logOut', (t) =>
  t.boolean({
    description:
      'Ends the log-in the refresh token belongs to. Access tokens already issued expire on their own (15 minutes).',
    args: { refreshToken: t.arg.string({ required: true }) },
    resolve: (_root, { refreshToken }, ctx) => logOut(authDeps(ctx), originOf(ctx), refreshToken),
  }),
);

builder.mutationField('adminLogIn', (t) =>
  t.field({
    type: AdminAuthPayload,
    description:
      'Signs a platform admin in. Admins list creators and act on one with X-Act-As-Creator and X-Admin-Reason.',
    errors: { types: [InvalidCredentialsError], directResult: true },
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => {
      refuseWhileActing(ctx);
      const input = parseInput(z.object({ email, password: z.string().min(1, 'is required').max(200) }), args, 'args');
      return adminLogIn(authDeps(ctx), originOf(ctx), input.email, input.password);
    },
  }),
);
