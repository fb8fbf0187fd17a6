// Authenticates X-Api-Key: the key's creator, scopes and allowed operations, read through that
// creator's tenant client (the key carries its creator's id; see api-keys.ts), so row-level
// security applies to the lookup itself.
import { boundedCache } from '../cache';
import type { Database } from '../db/database';
import { tenantClient } from '../db/tenant';
import type { Logger } from '../logger';
import { parseApiKey } from './api-keys';
import type { ApiKeyScope, Viewer } from './viewer';

export type PartnerViewer = Extract<Viewer, { kind: 'partner' }>;

export interface AuthenticatedKey {
  viewer: PartnerViewer;
  /** Operation names the key may run; empty: every partner operation. */
  allowedOperations: readonly string[];
}

export class ApiKeyRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyRejected';
  }
}

interface KeyRow {
  id: string;
  creatorId: string;
  scopes: string[];
  allowedOperations: string[];
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  creatorActive: boolean;
}

/** last_used_at is written at most once a minute per key, by this instance and by any other. */
const TOUCH_INTERVAL_MS = 60_000;

export function createApiKeyAuthenticator(db: Database, log: Logger) {
  /** Keys this instance wrote last_used_at for in the last TOUCH_INTERVAL_MS. */
  const touched = boundedCache<string, true>({ max: 10_000, ttlMs: TOUCH_INTERVAL_MS });

  function touch(creatorId: string, keyId: string, lastUsedAt: Date | null, now: number) {
    if (lastUsedAt && now - lastUsedAt.getTime() < TOUCH_INTERVAL_MS) return;
    if (touched.has(keyId)) return;
    touched.set(keyId, true);
    // Not awaited: the request does not wait for bookkeeping. The WHERE makes concurrent
    // instances agree on once a minute.
    tenantClient(db.app, creatorId)
      .$executeRaw`UPDATE api_keys SET last_used_at = now() WHERE id = ${keyId}::uuid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`.catch(
      (error: Error) => {
        touched.delete(keyId); // the next call tries again
        log.warn({ err: error.message, keyId }, 'could not record API key use');
      },
    );
  }

  return async function authenticate(key: string): Promise<AuthenticatedKey> {
    const parsed = parseApiKey(key);
    if (!parsed) throw new ApiKeyRejected('Invalid API key');
    // One statement (a Prisma read with the nested creator would be two): every partner request
    // starts here.
    const [row] = await tenantClient(db.app, parsed.creatorId).$queryRaw<KeyRow[]>`
      SELECT k.id, k.creator_id AS "creatorId", k.scopes, k.allowed_operations AS "allowedOperations", k.revoked_at AS "revokedAt",
             k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt", c.is_active AS "creatorActive"
        FROM api_keys k JOIN creators c ON c.id = k.creator_id
       WHERE k.key_hash = ${parsed.hash}`;
    // Row-level security already hides other creators' keys; the comparison states it here too.
    if (!row || row.creatorId !== parsed.creatorId || !row.creatorActive) throw new ApiKeyRejected('Invalid API key');
    if (row.revokedAt) throw new ApiKeyRejected('API key revoked');
    const now = Date.now();
    if (row.expiresAt && row.expiresAt.getTime() <= now) throw new ApiKeyRejected('API key expired');
    touch(parsed.creatorId, row.id, row.lastUsedAt, now);
    return {
      viewer: { kind: 'partner', creatorId: parsed.creatorId, keyId: row.id, scopes: row.scopes as ApiKeyScope[] },
      allowedOperations: row.allowedOperations,
    };
  };
}

export type ApiKeyAuthenticator = ReturnType<typeof createApiKeyAuthenticator>;
