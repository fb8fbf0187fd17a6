// The GraphQL side of src/graphql/errors.ts: an `Error` interface and one object type per
// expected failure.
import { builder } from './builder';
import { AccountLockedError, AppError, ConflictError, ForbiddenError, InvalidCredentialsError, NotFoundError, ValidationError } from './errors';

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  values: ['NOT_FOUND', 'VALIDATION_FAILED', 'CONFLICT', 'FORBIDDEN', 'UNAUTHENTICATED', 'ACCOUNT_LOCKED'] as const,
});

export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure. `code` is stable; `message` is for people.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (e) => e.code }),
    message: t.exposeString('message'),
  }),
});

const FieldError = builder.objectRef<{ path: string; message: string }>('FieldError').implement({
  description: 'What is wrong with one input field.',
  fields: (t) => ({ path: t.exposeString('path'), message: t.exposeString('message') }),
});

builder.objectType(NotFoundError, { name: 'NotFoundError', interfaces: [ErrorInterface], description: 'The record does not exist, or belongs to someone else.', fields: () => ({}) });
builder.objectType(ConflictError, { name: 'ConflictError', interfaces: [ErrorInterface], description: 'The change conflicts with existing data (for example a duplicate).', fields: () => ({}) });
builder.objectType(ForbiddenError, { name: 'ForbiddenError', interfaces: [ErrorInterface], description: 'The caller may not do this.', fields: () => ({}) });
builder.objectType(InvalidCredentialsError, { name: 'InvalidCredentialsError', interfaces: [ErrorInterface], fields: () => ({}) });
builder.objectType(AccountLockedError, {
  name: 'AccountLockedError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ lockedUntil: t.field({ type: 'DateTime', resolve: (e) => e.lockedUntil }) }),
});
builder.objectType(ValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  description: 'The input is invalid; nothing was written.',
  fields: (t) => ({ fields: t.field({ type: [FieldError], resolve: (e) => e.fields }) }),
});
