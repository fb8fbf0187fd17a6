// Who a request acts as. Built once per request (HTTP) or connection (WebSocket) by the
// context factory from a verified credential; resolvers read it, never the raw credential.

export type Viewer =
  | { kind: 'anonymous' }
  | {
      kind: 'creator';
      creatorId: string;
      expiresAt: number;
      /** The log-in it belongs to, if issued by one. */ sessionId?: string;
    }
  | {
      kind: 'admin';
      adminId: string;
      expiresAt: number;
      /** Set when the admin acts on one creator (X-Act-As-Creator), with the stated reason. */
      actingAs?: { creatorId: string; reason: string };
    }
  | {
      /** A partner integration (X-Api-Key): the key's creator, limited by its scopes. */
      kind: 'partner';
      creatorId: string;
      keyId: string;
      scopes: readonly ApiKeyScope[];
    };

export type ApiKeyScope = 'read' | 'write';

export const ANONYMOUS: Viewer = { kind: 'anonymous' };

/** The tenant whose rows this viewer may reach, if any. */
export function tenantOf(viewer: Viewer): string | undefined {
  if (viewer.kind === 'creator' || viewer.kind === 'partner') return viewer.creatorId;
  if (viewer.kind === 'admin') return viewer.actingAs?.creatorId;
  return undefined;
}
