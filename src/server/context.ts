// The one context factory, shared by HTTP and WebSocket: it verifies the credential, yields a
// viewer and a request id, and carries the database handles. The tenant client is not stored
// here: src/graphql/builder.ts derives it from the context (createContextCache).
import crypto from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { TokenService } from '../auth/tokens';
import { InvalidTokenError } from '../auth/tokens';
import { ANONYMOUS, type Viewer } from '../auth/viewer';
import type { Database } from '../db/database';
import type { Logger } from '../logger';

export interface Context {
  requestId: string;
  viewer: Viewer;
  db: Database;
  log: Logger;
}

export interface CredentialInput {
  /** The Authorization header, or connectionParams.authorization on a WebSocket. */
  authorization?: string;
  requestId?: string;
}

export function unauthenticated(message = 'Authentication failed'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

const REQUEST_ID = /^[\w.:-]{8,128}$/;

export function createContextFactory(deps: { tokens: TokenService; db: Database; log: Logger }) {
  return async function buildContext(input: CredentialInput): Promise<Context> {
    const requestId = input.requestId && REQUEST_ID.test(input.requestId) ? input.requestId : crypto.randomUUID();
    const log = deps.log.child({ requestId });
    return { requestId, viewer: viewerFrom(deps.tokens, input.authorization), db: deps.db, log };
  };
}

function viewerFrom(tokens: TokenService, authorization: string | undefined): Viewer {
  if (authorization === undefined || authorization === '') return ANONYMOUS;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(authorization.trim());
  // A credential that is present but wrong is refused outright, never downgraded to anonymous.
  if (!match) throw unauthenticated('Authorization must be "Bearer <token>"');
  try {
    const claims = tokens.verify(match[1]!);
    return claims.role === 'admin'
      ? { kind: 'admin', adminId: claims.sub, expiresAt: claims.exp }
      : { kind: 'creator', creatorId: claims.sub, expiresAt: claims.exp };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticated(error.reason === 'expired' ? 'Token expired' : 'Invalid token');
    throw error;
  }
}
