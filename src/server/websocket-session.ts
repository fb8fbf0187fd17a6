// Who may hold a subscription socket open, and for how long (websocket.ts calls it on
// connection_init).
//
// * The credential arrives in connectionParams.authorization and is verified by the same context
//   factory as HTTP. A missing or bad one closes the socket with 4403, and so does the access
//   token's expiry, and so does the end of the log-in the token came from (log-out,
//   refresh-token reuse, deactivation): a revoked or expired session never keeps streaming.
import type http from 'node:http';
import { CloseCode } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { tenantClient } from '../db/tenant';
import type { Context } from '../graphql/context';
import { RESYNC } from '../graphql/ports';
import { clientAddress } from './client-address';
import type { CredentialInput } from './context';

/**
 * What a socket keeps of its connection: its credential, and the timers that may end it. A type,
 * not an interface: graphql-ws wants its `extra` indexable.
 */
export type SocketSession = {
  socket: WebSocket;
  request: http.IncomingMessage;
  credential?: CredentialInput;
  expiry?: NodeJS.Timeout;
  /** Stops watching the connection's session for revocation. */
  unwatch?: () => void;
};

/** A connection parameter by name, in any case: GraphiQL-style clients send their header editor's `Authorization` as is. */
const param = (params: Record<string, unknown> | undefined | null, name: string) => {
  if (!params) return undefined;
  let value = Object.hasOwn(params, name) ? params[name] : undefined;
  if (value === undefined) {
    const key = Object.keys(params).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : params[key];
  }
  return typeof value === 'string' ? value : undefined;
};

/**
 * Whether the log-in behind a creator's token still stands: a refresh token of its family is
 * unrevoked and unexpired, and the creator is active. Tokens not issued by a log-in (none carry
 * a session id) are judged by their signature and expiry alone.
 */
async function sessionLive(context: Context): Promise<boolean> {
  const viewer = context.viewer;
  if (viewer.kind !== 'creator' || !viewer.sessionId) return true;
  const db = tenantClient(context.db.app, viewer.creatorId);
  const [creator, liveTokens] = await Promise.all([
    db.creator.findUnique({ where: { id: viewer.creatorId }, select: { isActive: true } }),
    db.creatorRefreshToken.count({
      where: { familyId: viewer.sessionId, revokedAt: null, expiresAt: { gt: new Date() } },
    }),
  ]);
  return Boolean(creator?.isActive) && liveTokens > 0;
}

/**
 * connection_init: whether the socket may open (false closes it with 4403 Forbidden). On success
 * the credential is kept for each operation's context, and the token's expiry and the log-in's
 * end are set to close the socket.
 */
export async function openSession(
  connectionParams: Record<string, unknown> | undefined,
  extra: SocketSession,
  buildContext: (input: CredentialInput) => Promise<Context>,
  trustProxyHops: number,
): Promise<boolean> {
  const credential: CredentialInput = {
    authorization: param(connectionParams, 'authorization'),
    actAsCreator: param(connectionParams, 'x-act-as-creator'),
    adminReason: param(connectionParams, 'x-admin-reason'),
    client: {
      ip: clientAddress(extra.request, trustProxyHops),
      userAgent: extra.request.headers['user-agent']?.slice(0, 500),
    },
  };
  if (!credential.authorization) return false; // 4403 Forbidden
  let context: Context;
  try {
    context = await buildContext(credential);
  } catch {
    return false; // 4403 Forbidden
  }
  // Partner keys are for persisted operations over HTTP only.
  if (context.viewer.kind === 'anonymous' || context.viewer.kind === 'partner') return false;
  if (!(await sessionLive(context))) return false;
  extra.credential = credential;
  const msLeft = context.viewer.expiresAt * 1000 - Date.now();
  extra.expiry = setTimeout(() => extra.socket.close(CloseCode.Forbidden, 'Token expired'), Math.max(0, msLeft));
  extra.expiry.unref();
  // A token issued by a log-in streams only while that log-in stands: its revocation
  // (log-out, refresh-token reuse) or the creator's deactivation closes the socket now.
  const viewer = context.viewer;
  if (viewer.kind === 'creator' && viewer.sessionId) {
    const sessionId = viewer.sessionId;
    extra.unwatch = context.realtime.hub.subscribe(viewer.creatorId, (event) => {
      const concerned =
        event === RESYNC ||
        (event.entity === 'creator_refresh_tokens' && event.parent === sessionId) ||
        event.entity === 'creators';
      if (!concerned) return;
      // A refresh revokes the old token and issues its successor in one transaction, so
      // the log-in is still live; only a log-in with no live token left ends the socket.
      sessionLive(context).then(
        (live) => live || extra.socket.close(CloseCode.Forbidden, 'Session ended'),
        (error: unknown) => context.log.warn({ err: error }, 'could not check a WebSocket session'),
      );
    });
  }
  return true;
}
