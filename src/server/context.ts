// The one context factory, shared by HTTP and WebSocket: it verifies the credential, yields a
// viewer and a request id, and builds the graph layer's request context (graphql/context.ts)
// with the process-wide handles and ports.
import crypto from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { AuthGuard } from '../auth/auth-guard';
import type { TokenService } from '../auth/tokens';
import { InvalidTokenError } from '../auth/tokens';
import { ANONYMOUS, tenantOf, type Viewer } from '../auth/viewer';
import type { Database } from '../db/database';
import { dataAccess } from '../graphql/data-access';
import type { Logger } from '../logger';
import type { PartnerViewer } from '../auth/partner-auth';
import { setAuditActor, type AuditActor } from '../db/audit-context';
import type { FairnessConfig } from '../config/fairness';
import type { ClientInfo, Context, TenantRateUsage } from '../graphql/context';
import type { ChangeFeed, OperationManifest } from '../graphql/ports';

export interface CredentialInput {
  /** The Authorization header, or connectionParams.authorization on a WebSocket. */
  authorization?: string;
  requestId?: string;
  /** X-Act-As-Creator: for admin tokens, the creator to act on. */
  actAsCreator?: string;
  /** X-Admin-Reason: why the admin acts on that creator (required with actAsCreator). */
  adminReason?: string;
  client?: ClientInfo;
  /** A partner whose API key and operation the HTTP gate has already checked. */
  partner?: PartnerViewer;
  /** The resolver time budget of this operation, in ms (none: no budget). */
  budgetMs?: number;
}

function httpError(code: string, status: number, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status } } });
}

/** A credential was sent and is wrong: the whole request is refused with HTTP 401. */
function credentialRejected(message: string): GraphQLError {
  return httpError('UNAUTHENTICATED', 401, message);
}

const BASE_LOG = Symbol('baseLog');
const CHILD_LOG = Symbol('log');
interface LazyLog {
  [BASE_LOG]: Logger;
  [CHILD_LOG]?: Logger;
}
/**
 * The request's logger, made when first read: most requests log nothing below the configured
 * level, and a child logger costs. On the prototype, not an own getter: Apollo copies the
 * context's own properties into a fresh object per operation (cloneObject, Object.assign),
 * which would run an own getter on every request.
 */
const contextPrototype = Object.defineProperty({}, 'log', {
  get(this: LazyLog & { requestId: string }): Logger {
    return (this[CHILD_LOG] ??= this[BASE_LOG].child({ requestId: this.requestId }));
  },
});

const REQUEST_ID = /^[\w.:-]{8,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createContextFactory(deps: {
  tokens: TokenService;
  db: Database;
  log: Logger;
  realtime: { hub: ChangeFeed };
  operations: OperationManifest;
  rateLimiter?: TenantRateUsage;
  authGuard?: AuthGuard<Context>;
  fairness: FairnessConfig;
  cursorKey: Buffer;
}) {
  const data = dataAccess(deps.db);
  return async function buildContext(input: CredentialInput): Promise<Context> {
    const requestId = input.requestId && REQUEST_ID.test(input.requestId) ? input.requestId : crypto.randomUUID();
    let viewer: Viewer = input.partner ?? viewerFrom(deps.tokens, input.authorization);
    if (input.actAsCreator !== undefined) viewer = await actAs(deps.db, viewer, input, requestId);
    const fields: Omit<Context, 'log'> & LazyLog = {
      requestId,
      viewer,
      tenantId: tenantOf(viewer),
      db: data,
      tokens: deps.tokens,
      client: input.client ?? {},
      realtime: deps.realtime,
      operations: deps.operations,
      rateLimiter: deps.rateLimiter,
      authGuard: deps.authGuard,
      fairness: deps.fairness,
      cursorKey: deps.cursorKey,
      [BASE_LOG]: deps.log,
      ...(input.budgetMs ? { deadline: Date.now() + input.budgetMs } : {}),
    };
    const context = Object.assign(Object.create(contextPrototype) as Context, fields);
    setAuditActor(auditActorOf(context));
    return context;
  };
}

/** Who the audit trail records for changes made by this request. */
export function auditActorOf(ctx: Pick<Context, 'viewer' | 'requestId'>): AuditActor {
  const v = ctx.viewer;
  if (v.kind === 'admin')
    return { actorType: 'admin', actorId: v.adminId, requestId: ctx.requestId, reason: v.actingAs?.reason ?? null };
  if (v.kind === 'partner') return { actorType: 'partner', actorId: v.keyId, requestId: ctx.requestId, reason: null };
  if (v.kind === 'creator')
    return { actorType: 'creator', actorId: v.creatorId, requestId: ctx.requestId, reason: null };
  return { actorType: 'system', actorId: null, requestId: ctx.requestId, reason: null };
}

function viewerFrom(tokens: TokenService, authorization: string | undefined): Viewer {
  if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization.trim());
  // A credential that is present but wrong is refused outright, never downgraded to anonymous.
  if (!match) throw credentialRejected('Authorization must be "Bearer <token>"');
  try {
    const claims = tokens.verify(match[1]!);
    return claims.role === 'admin'
      ? { kind: 'admin', adminId: claims.sub, expiresAt: claims.exp }
      : {
          kind: 'creator',
          creatorId: claims.sub,
          expiresAt: claims.exp,
          ...(claims.sid ? { sessionId: claims.sid } : {}),
        };
  } catch (error) {
    if (error instanceof InvalidTokenError)
      throw credentialRejected(error.reason === 'expired' ? 'Token expired' : 'Invalid token');
    throw error;
  }
}

/**
 * An admin acts on one creator for this request: the creator must exist and a reason must be
 * given, and the act is recorded (admin id, reason, request id) before anything runs.
 */
async function actAs(db: Database, viewer: Viewer, input: CredentialInput, requestId: string): Promise<Viewer> {
  if (viewer.kind !== 'admin') throw httpError('FORBIDDEN', 403, 'Only platform admins may act on another creator');
  const creatorId = input.actAsCreator!.trim().toLowerCase();
  const reason = (input.adminReason ?? '').trim();
  if (!UUID.test(creatorId)) throw httpError('VALIDATION_FAILED', 400, 'X-Act-As-Creator must be a creator id');
  if (reason.length < 5 || reason.length > 500)
    throw httpError(
      'VALIDATION_FAILED',
      400,
      'X-Admin-Reason is required (5 to 500 characters) when acting on a creator',
    );
  // The owner connection: the admin is not yet scoped to any tenant, and this is the record
  // of why it will be.
  const creator = await db.owner.creator.findUnique({ where: { id: creatorId }, select: { id: true } });
  if (!creator) throw httpError('NOT_FOUND', 404, 'Creator not found');
  await db.owner.securityAuditLog.create({
    data: {
      creatorId,
      eventType: 'admin.acted_as_creator',
      severity: 'medium',
      eventData: { adminId: viewer.adminId, reason, requestId },
      ipAddress: input.client?.ip ?? null,
      userAgent: input.client?.userAgent ?? null,
    },
  });
  return { ...viewer, actingAs: { creatorId, reason } };
}
