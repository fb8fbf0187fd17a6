// Who a request acts as. Built once per request (HTTP) or connection (WebSocket) by the
// context factory from a verified credential; resolvers read it, never the raw credential.

export type Viewer =
  | { kind: 'anonymous' }
  | { kind: 'creator'; creatorId: string; expiresAt: number }
  | { kind: 'admin'; adminId: string; expiresAt: number };

export const ANONYMOUS: Viewer = { kind: 'anonymous' };

/** The tenant whose rows this viewer may reach, if any. */
export function tenantOf(viewer: Viewer): string | undefined {
  return viewer.kind === 'creator' ? viewer.creatorId : undefined;
}
