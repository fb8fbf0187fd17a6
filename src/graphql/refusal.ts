// What a viewer is told when it lacks a scope (auth-scopes.ts), or the owner's client
// (data-access.ts): the error it can act on.
import { tenantOf, type Viewer } from '../auth/viewer';
import { ForbiddenError, unauthenticated } from './errors';

/** Why `viewer` lacks `scope`, as the error the caller can act on. */
export function refusal(viewer: Viewer, scope: string, parameter?: unknown): Error {
  if (viewer.kind === 'anonymous') return unauthenticated();
  switch (scope) {
    case 'tenant':
    case 'accountHolder':
      if (viewer.kind === 'partner') return new ForbiddenError('An API key cannot manage the account');
      if (viewer.kind === 'admin' && tenantOf(viewer) === undefined)
        return new ForbiddenError('Choose a creator to act on (X-Act-As-Creator header and X-Admin-Reason)');
      return new ForbiddenError('This needs a creator to act for');
    case 'admin':
      return new ForbiddenError('Only platform admins may do this');
    case 'keyScope':
      return new ForbiddenError(`This API key lacks the ${String(parameter).toUpperCase()} scope`);
    default:
      return new ForbiddenError('Not allowed');
  }
}
