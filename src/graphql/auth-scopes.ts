// Who may call what, declared on the fields (`authScopes` / `t.withAuth`) and checked by
// @pothos/plugin-scope-auth before the resolver runs. Row-level security decides which rows a
// request reaches; these decide whether a field may run at all, with a clear error instead of an
// empty result. A scope that fails is answered by the error the viewer can act on: UNAUTHENTICATED
// for an anonymous caller, FORBIDDEN (a member of the field's result union where it has one)
// saying what is missing for the others.
import { AuthScopeFailureType, type ForbiddenResult } from '@pothos/plugin-scope-auth';
import type { ApiKeyScope } from '../auth/viewer';
import type { Context } from './context';
import { refusal } from './refusal';

/** The scopes a field can require. */
export interface AuthScopes {
  /** A tenant to act for: a creator, a partner key, or an admin acting on one creator. */
  tenant: boolean;
  /** The tenant's account itself (API keys, sessions, privacy requests): never a partner key. */
  accountHolder: boolean;
  /** A platform admin. */
  admin: boolean;
  /**
   * What a partner key must hold for this field: READ for queries, WRITE for mutations (declared
   * on the root types; keys never reach subscriptions). Viewers other than partner keys pass.
   */
  keyScope: ApiKeyScope;
}

/** The context of a field that requires a tenant: its creator id is known. */
export type TenantContext = Context & { tenantId: string };

/** The contexts `t.withAuth(...)` gives a resolver, per scope. */
export interface AuthContexts {
  tenant: TenantContext;
  accountHolder: TenantContext;
  admin: Context;
  keyScope: Context;
}

/** The key scope an operation of this type needs (also what the persisted-operation gate checks). */
export function keyScopeFor(operationType: 'query' | 'mutation' | 'subscription'): ApiKeyScope {
  return operationType === 'query' ? 'read' : 'write';
}

/** The scope initializer: evaluated once per request (cached per context by the plugin). */
export function authScopesOf(ctx: Context) {
  const viewer = ctx.viewer;
  const hasTenant = ctx.tenantId !== undefined;
  return {
    tenant: hasTenant,
    accountHolder: hasTenant && viewer.kind !== 'partner',
    admin: viewer.kind === 'admin',
    keyScope: (scope: ApiKeyScope) => viewer.kind !== 'partner' || viewer.scopes.includes(scope),
  };
}

type Failure = ForbiddenResult['failure'];

/** The first scope that failed, depth first (a field requires one scope; root types add keyScope). */
function failedScope(failure: Failure): { scope: string; parameter: unknown } | undefined {
  if (failure.kind === AuthScopeFailureType.AuthScope) return { scope: failure.scope, parameter: failure.parameter };
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    for (const inner of failure.failures) {
      const found = failedScope(inner);
      if (found) return found;
    }
  }
  return undefined;
}

/** The plugin's unauthorizedError: the refusal of the first failed scope. */
export function unauthorizedError(_parent: unknown, ctx: Context, _info: unknown, result: ForbiddenResult): Error {
  const failed = failedScope(result.failure);
  return refusal(ctx.viewer, failed?.scope ?? '', failed?.parameter);
}
