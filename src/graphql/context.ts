// The request context: what a resolver knows of the request it serves. It belongs to the graph
// layer and knows no transport; server/context.ts builds it for HTTP and WebSocket alike. The
// tenant client is not stored here: graphql/tenant.ts derives it from the context
// (createContextCache).
import type { AuthGuard } from '../auth/auth-guard';
import type { TokenService } from '../auth/tokens';
import type { Viewer } from '../auth/viewer';
import type { FairnessConfig } from '../config/fairness';
import type { Logger } from '../logger';
import type { DataAccess } from './data-access';
import type { ChangeFeed, OperationManifest, RateUsage } from './ports';

/** Where the request came from, for audit rows and per-source limits. */
export interface ClientInfo {
  ip?: string;
  userAgent?: string;
}

/** The request and cost rates of tenants, as the usage fields read them (server/rate-limit.ts). */
export interface TenantRateUsage {
  /** This minute's (sliding) requests and cost of a tenant, and its limits. */
  usage(ctx: Context, creatorId: string): Promise<RateUsage>;
}

export interface Context {
  requestId: string;
  viewer: Viewer;
  /** The tenant this request acts for (tenantOf(viewer)): fields that need one declare it. */
  tenantId: string | undefined;
  /** The ways to reach data (data-access.ts); the owner connection is not among them. */
  db: DataAccess;
  tokens: TokenService;
  client: ClientInfo;
  /** Live change events, for subscriptions. */
  realtime: { hub: ChangeFeed };
  /** The partner operations (persisted, by hash). */
  operations: OperationManifest;
  /** The request and cost rates of tenants (for the usage fields). */
  rateLimiter?: TenantRateUsage;
  /** The limits of log-in, sign-up and session calls, and the bounded password hasher. */
  authGuard?: AuthGuard<Context>;
  /** When the resolver time budget runs out (epoch ms); none for subscription events. */
  deadline?: number;
  /** The fairness limits (config/fairness.ts). */
  fairness: FairnessConfig;
  /** Seals and opens cursors (src/graphql/sealed-cursors.ts); the same on every instance. */
  cursorKey: Buffer;
  log: Logger;
}
