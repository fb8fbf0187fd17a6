// Authenticates X-Api-Key: the key's creator, scopes and allowed operations, read through that
// creator's tenant client (the key carries its creator's id; see api-keys.ts), so row-level
// security applies to the lookup itself.
//
// The same statement reads the creator's plan rates when this instance has none for it younger
// than a minute, and the viewer carries them (planRatesOf) to the rate limiter: a partner call
// is then the key's round trip and the operation's, never a third for the rates
// (bench/NOTES.md, issue 21). The key itself is read on every call, so a revoked key fails on
// its very next call.
import { boundedCache } from '../cache';
import type { Database } from '../db/database';
import { tenantClient, tenantRawQuery } from '../db/tenant';
import type { Logger } from '../logger';
import { parseApiKey } from './api-keys';
import type { ApiKeyScope, Viewer } from './viewer';

export type PartnerViewer = Extract<Viewer, { kind: 'partner' }>;

export interface AuthenticatedKey {
  viewer: PartnerViewer;
  /** Operation names the key may run; empty: every partner operation. */
  allowedOperations: readonly string[];
}

/** A plan's rates (graphql/ports RateLimits), as the key lookup read them. */
export interface PlanRates {
  requestsPerMinute: number;
  costPerMinute: number;
}

/** Plan rates and until when they count as fresh (epoch ms). */
export interface FreshPlanRates {
  value: PlanRates;
  expires: number;
}

/** How long plan rates read with a key are used: a plan change takes effect within this. */
export const PLAN_RATES_TTL_MS = 60_000;

/**
 * The plan rates read with (or cached beside) this viewer's key, for the rate limiter to use
 * instead of reading them again. Keyed by the viewer object the gate hands to the context.
 */
const ratesOfViewer = new WeakMap<PartnerViewer, FreshPlanRates>();

export function planRatesOf(viewer: PartnerViewer): FreshPlanRates | undefined {
  return ratesOfViewer.get(viewer);
}

/**
 * Writes that ride along in a key lookup's statement, as a data-modifying WITH in front of it: in
 * the key's creator's tenant scope, behind the same settings, in the same round trip. The usage
 * log (server/usage-log.ts) is the one rider: a creator's waiting rows go with its next call.
 */
export interface LookupRider {
  /** The creator's waiting write, taken (no other lookup carries it), or nothing to write. */
  take(creatorId: string): RiderWrite | undefined;
}

export interface RiderWrite {
  /** One data-modifying statement whose parameters are numbered from $2 ($1 is the key's hash). */
  sql: string;
  values: unknown[];
  /** Called once: whether the write was done. Not done, it is the rider's again. */
  done(written: boolean): void;
}

/** How long no write rides on a key lookup after one failed. */
const RIDE_PAUSE_MS = 10_000;

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
  /** Only in the variant that reads the plan rates too (app.plan_limit: null is no limit; int8 as text). */
  requests?: string | bigint | null;
  cost?: string | bigint | null;
}

const KEY_COLUMNS = `k.id, k.creator_id AS "creatorId", k.scopes, k.allowed_operations AS "allowedOperations", k.revoked_at AS "revokedAt",
       k.expires_at AS "expiresAt", k.last_used_at AS "lastUsedAt", c.is_active AS "creatorActive"`;
const KEY = `SELECT ${KEY_COLUMNS}
  FROM api_keys k JOIN creators c ON c.id = k.creator_id
 WHERE k.key_hash = $1`;
const KEY_AND_RATES = `SELECT ${KEY_COLUMNS},
       app.plan_limit(k.creator_id, 'api_requests_per_minute') AS requests, app.plan_limit(k.creator_id, 'cost_per_minute') AS cost
  FROM api_keys k JOIN creators c ON c.id = k.creator_id
 WHERE k.key_hash = $1`;

/** last_used_at is written at most once a minute per key, by this instance and by any other. */
const TOUCH_INTERVAL_MS = 60_000;

export function createApiKeyAuthenticator(db: Database, log: Logger, rider?: LookupRider) {
  /** Keys this instance wrote last_used_at for in the last TOUCH_INTERVAL_MS. */
  const touched = boundedCache<string, true>({ max: 10_000, ttlMs: TOUCH_INTERVAL_MS });
  /** Each creator's plan rates, as last read with one of its keys. */
  const rates = boundedCache<string, FreshPlanRates>({ max: 10_000 });

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

  /** The lookup texts with a rider's WITH in front, made once per (rider statement, lookup). */
  const riding = new Map<string, string>();
  /** After a ride fails, none for a while (the database refusing writes must not cost every call two statements). */
  let rideAgainAt = 0;

  /**
   * The key's row, with the creator's waiting rider write in the same statement. A ride that
   * fails, for whatever reason (a bad row, the database refusing writes, a lock wait past the
   * statement timeout), goes back to the rider and the key is read alone: logging never fails a
   * call. If the database itself is down, that read fails on its own.
   */
  async function lookUp(creatorId: string, text: string, hash: string): Promise<KeyRow[]> {
    const ride = Date.now() < rideAgainAt ? undefined : rider?.take(creatorId);
    if (!ride) return tenantRawQuery<KeyRow>(db.app, creatorId, text, [hash]);
    const key = `${ride.sql}\u0000${text}`;
    let withRide = riding.get(key);
    if (!withRide) riding.set(key, (withRide = `WITH ridden AS (${ride.sql})\n${text}`));
    try {
      const rows = await tenantRawQuery<KeyRow>(db.app, creatorId, withRide, [hash, ...ride.values]);
      ride.done(true);
      return rows;
    } catch (error) {
      ride.done(false);
      rideAgainAt = Date.now() + RIDE_PAUSE_MS;
      log.warn(
        { err: (error as Error).message, creatorId, pauseMs: RIDE_PAUSE_MS },
        'a write riding on a key lookup failed; the key is read alone',
      );
      return tenantRawQuery<KeyRow>(db.app, creatorId, text, [hash]);
    }
  }

  return async function authenticate(key: string): Promise<AuthenticatedKey> {
    const parsed = parseApiKey(key);
    if (!parsed) throw new ApiKeyRejected('Invalid API key');
    let known = rates.get(parsed.creatorId);
    const readRates = !known || known.expires <= Date.now();
    // One statement (a Prisma read with the nested creator would be two): every partner request
    // starts here. Two texts, two prepared statements: the plan rates (two function calls) are
    // read at most once a minute per creator, not on every call. Sent as a compiled read is,
    // outside Prisma's query interpreter (tenantRawQuery).
    // A write of the creator's (its usage log) may ride along: see lookUp.
    const [row] = await lookUp(parsed.creatorId, readRates ? KEY_AND_RATES : KEY, parsed.hash);
    // Row-level security already hides other creators' keys; the comparison states it here too.
    if (!row || row.creatorId !== parsed.creatorId || !row.creatorActive) throw new ApiKeyRejected('Invalid API key');
    const now = Date.now();
    if (readRates) {
      known = {
        value: {
          requestsPerMinute: row.requests == null ? Infinity : Number(row.requests),
          costPerMinute: row.cost == null ? Infinity : Number(row.cost),
        },
        expires: now + PLAN_RATES_TTL_MS,
      };
      rates.set(parsed.creatorId, known);
    }
    if (row.revokedAt) throw new ApiKeyRejected('API key revoked');
    if (row.expiresAt && row.expiresAt.getTime() <= now) throw new ApiKeyRejected('API key expired');
    touch(parsed.creatorId, row.id, row.lastUsedAt, now);
    const viewer: PartnerViewer = {
      kind: 'partner',
      creatorId: parsed.creatorId,
      keyId: row.id,
      scopes: row.scopes as ApiKeyScope[],
    };
    if (known) ratesOfViewer.set(viewer, known);
    return { viewer, allowedOperations: row.allowedOperations };
  };
}

export type ApiKeyAuthenticator = ReturnType<typeof createApiKeyAuthenticator>;
