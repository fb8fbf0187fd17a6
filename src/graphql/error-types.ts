// The GraphQL side of src/graphql/errors.ts: an `Error` interface and one object type per
// expected failure.
import { builder } from './builder';
import {
  AccountLockedError,
  AppError,
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  InvalidFlowError,
  InvalidTransitionError,
  NotFoundError,
  QuotaExceededError,
  ValidationError,
  type FlowProblem,
} from './errors';

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  values: [
    'NOT_FOUND',
    'VALIDATION_FAILED',
    'CONFLICT',
    'FORBIDDEN',
    'UNAUTHENTICATED',
    'ACCOUNT_LOCKED',
    'INVALID_FLOW',
    'INVALID_TRANSITION',
    'QUOTA_EXCEEDED',
  ] as const,
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

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  description: 'The record does not exist, or belongs to someone else.',
  fields: () => ({}),
});
builder.objectType(ConflictError, {
  name: 'ConflictError',
  interfaces: [ErrorInterface],
  description: 'The change conflicts with existing data (for example a duplicate).',
  fields: () => ({}),
});
builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  interfaces: [ErrorInterface],
  description: 'The caller may not do this.',
  fields: () => ({}),
});
builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});
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

const FlowProblemKindEnum = builder.enumType('FlowProblemKind', {
  values: [
    'INVALID_SHAPE',
    'MISSING_START',
    'UNKNOWN_START',
    'DUPLICATE_STEP',
    'DANGLING_TRANSITION',
    'UNREACHABLE_STEP',
    'NO_END_STEP',
    'DEAD_END',
    'NO_WAY_OUT',
    'END_WITH_TRANSITIONS',
  ] as const,
});
const FlowProblemRef = builder.objectRef<FlowProblem>('FlowProblem').implement({
  description: 'One thing wrong with a flow graph.',
  fields: (t) => ({
    kind: t.field({ type: FlowProblemKindEnum, resolve: (p) => p.kind }),
    stepId: t.exposeString('stepId', { nullable: true }),
    message: t.exposeString('message'),
  }),
});
builder.objectType(InvalidFlowError, {
  name: 'InvalidFlowError',
  interfaces: [ErrorInterface],
  description: 'The flow is not a usable graph; nothing was written.',
  fields: (t) => ({ problems: t.field({ type: [FlowProblemRef], resolve: (e) => e.problems }) }),
});
builder.objectType(InvalidTransitionError, {
  name: 'InvalidTransitionError',
  interfaces: [ErrorInterface],
  description: 'The flow does not allow this move from the current step; nothing was written.',
  fields: (t) => ({
    fromStep: t.exposeString('fromStep', { nullable: true }),
    toStep: t.exposeString('toStep', { nullable: true }),
  }),
});
builder.objectType(QuotaExceededError, {
  name: 'QuotaExceededError',
  interfaces: [ErrorInterface],
  description: "The write would pass a hard limit of the creator's plan; nothing was written.",
  fields: (t) => ({
    limit: t.exposeString('limit', {
      description:
        'A plan limit (users, programs, badges, ai_interactions_per_month, storage_bytes), or a counter that would pass 2^31 - 1 (messages_per_conversation, awards_per_badge, enrollments_per_program, users_per_channel, documents_per_knowledge_base, chunks_per_document).',
    }),
    max: t.exposeFloat('max'),
    used: t.exposeFloat('used'),
  }),
});
