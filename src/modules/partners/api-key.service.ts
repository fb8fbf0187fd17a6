// Issuing, changing and revoking partner API keys. Each write and its security_audit_logs
// record commit together.
import { issueApiKey } from '../../auth/api-keys';
import type { ApiKeyScope, Viewer } from '../../auth/viewer';
import type { PrismaClient } from '../../db/clients';
import { withTenantTransaction } from '../../db/tenant';
import { ForbiddenError, NotFoundError, ValidationError, type FieldProblem } from '../../graphql/errors';
import { securityLog, type RequestOrigin } from '../audit/security-log.service';

/** The partner operations, by name, that a key's rules name (the manifest). */
export type PartnerOperations = ReadonlyMap<string, { type: string }>;

export interface ApiKeyDeps {
  /** The application client, to open the tenant's transaction on. */
  app: PrismaClient;
  operations: PartnerOperations;
}

/** Who manages the keys: the viewer, the creator it acts for, and where the request came from. */
export interface KeyHolder extends RequestOrigin {
  viewer: Viewer;
  creatorId: string;
}

export interface ApiKeyRules {
  name?: string;
  scopes?: ApiKeyScope[];
  /** Operation names from the partner manifest; empty: all of them. */
  allowedOperations?: string[];
  /** null: never expires. */
  expiresAt?: Date | null;
}

/** Scopes and operations must agree with the manifest: a mutation needs the write scope. */
export function checkRules(operations: PartnerOperations, rules: ApiKeyRules, path = 'input'): void {
  const problems: FieldProblem[] = [];
  const scopes = rules.scopes;
  if (scopes && scopes.length === 0) problems.push({ path: `${path}.scopes`, message: 'must name at least one scope' });
  (rules.allowedOperations ?? []).forEach((name, i) => {
    const operation = operations.get(name);
    if (!operation)
      problems.push({ path: `${path}.allowedOperations.${i}`, message: `"${name}" is not a partner operation` });
    else if (scopes && operation.type === 'mutation' && !scopes.includes('write'))
      problems.push({
        path: `${path}.allowedOperations.${i}`,
        message: `"${name}" writes data and needs the WRITE scope`,
      });
  });
  if (rules.expiresAt && rules.expiresAt.getTime() <= Date.now())
    problems.push({ path: `${path}.expiresAt`, message: 'must be in the future' });
  if (problems.length > 0) throw new ValidationError(problems);
}

/**
 * A key is a lasting credential: only the creator issues or changes its own. An admin acting on
 * it (X-Act-As-Creator) is there for one request, with a reason; a key it could mint, or extend,
 * would outlive both. Revoking stays allowed to the admin.
 */
export function refuseActingAdmin(viewer: Viewer): void {
  if (viewer.kind === 'admin')
    throw new ForbiddenError(
      "An admin acting on a creator cannot issue or change the creator's API keys (it may revoke them): the creator does that itself",
    );
}

export async function createApiKey(
  deps: ApiKeyDeps,
  holder: KeyHolder,
  input: Required<Pick<ApiKeyRules, 'name' | 'scopes'>> & ApiKeyRules,
) {
  refuseActingAdmin(holder.viewer);
  checkRules(deps.operations, input);
  const issued = issueApiKey(holder.creatorId);
  const id = await withTenantTransaction(deps.app, holder.creatorId, async (tx) => {
    const key = await tx.apiKey.create({
      data: {
        name: input.name,
        keyPrefix: issued.prefix,
        keyHash: issued.hash,
        scopes: input.scopes,
        allowedOperations: [...new Set(input.allowedOperations ?? [])],
        expiresAt: input.expiresAt ?? null,
      },
      select: { id: true },
    });
    await securityLog(tx, holder, {
      eventType: 'api_key.issued',
      severity: 'medium',
      eventData: { keyId: key.id, keyPrefix: issued.prefix, scopes: input.scopes },
    });
    return key.id;
  });
  return { id, secret: issued.secret };
}

export async function updateApiKey(deps: ApiKeyDeps, holder: KeyHolder, id: string, input: ApiKeyRules) {
  refuseActingAdmin(holder.viewer);
  await withTenantTransaction(deps.app, holder.creatorId, async (tx) => {
    const current = await tx.apiKey.findUnique({ where: { id }, select: { scopes: true, allowedOperations: true } });
    if (!current) throw new NotFoundError('API key');
    // The key's operations, old or new, are checked against the scopes it will have. (Kept
    // operation names that have left the manifest are tolerated: they match nothing.)
    const scopes = input.scopes ?? (current.scopes as ApiKeyScope[]);
    checkRules(deps.operations, { ...input, scopes });
    if (input.allowedOperations === undefined) {
      const kept = current.allowedOperations.filter((name) => deps.operations.has(name));
      checkRules(deps.operations, { scopes, allowedOperations: kept }, 'input.scopes');
    }
    await tx.apiKey.update({
      where: { id },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
        ...(input.allowedOperations !== undefined ? { allowedOperations: [...new Set(input.allowedOperations)] } : {}),
        ...(input.expiresAt !== undefined ? { expiresAt: input.expiresAt } : {}),
      },
      select: { id: true },
    });
    await securityLog(tx, holder, {
      eventType: 'api_key.updated',
      severity: 'medium',
      eventData: { keyId: id, changed: Object.keys(input).filter((k) => input[k as keyof ApiKeyRules] !== undefined) },
    });
  });
}

/** Revoking is final and idempotent: a second call changes nothing and logs nothing. */
export async function revokeApiKey(deps: Pick<ApiKeyDeps, 'app'>, holder: Omit<KeyHolder, 'viewer'>, id: string) {
  await withTenantTransaction(deps.app, holder.creatorId, async (tx) => {
    const revoked = await tx.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (revoked.count === 0) {
      if (!(await tx.apiKey.findUnique({ where: { id }, select: { id: true } }))) throw new NotFoundError('API key');
      return;
    }
    await securityLog(tx, holder, { eventType: 'api_key.revoked', severity: 'medium', eventData: { keyId: id } });
  });
}
