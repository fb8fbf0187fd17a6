// Expected failures: typed, with stable codes. Each is a GraphQLError (so, thrown from a field
// without `errors`, it still reaches the client with extensions.code and is not masked) and a
// member of the result union of every mutation (the Pothos errors plugin), implementing the
// `Error` interface:  ... on Error { code message }.
import { GraphQLError } from 'graphql';

export type ErrorCode =
  | 'NOT_FOUND'
  | 'VALIDATION_FAILED'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'ACCOUNT_LOCKED'
  | 'INVALID_FLOW'
  | 'INVALID_TRANSITION'
  | 'QUOTA_EXCEEDED';

export abstract class AppError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...extensions } });
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Record') {
    super('NOT_FOUND', `${what} not found`);
  }
}

export interface FieldProblem {
  /** Dotted path of the input field, e.g. "input.email". */
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(readonly fields: FieldProblem[]) {
    super('VALIDATION_FAILED', `Invalid input: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, { fields });
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super('FORBIDDEN', message);
  }
}

export class InvalidCredentialsError extends AppError {
  constructor(message = 'Invalid email or password') {
    super('UNAUTHENTICATED', message);
  }
}

/**
 * No longer thrown: the lock-out it reported let anyone lock anyone out. Failed log-ins are
 * throttled instead, with the same answer as a wrong password (auth.service.ts). The type stays
 * in the schema for clients that still select it.
 */
export class AccountLockedError extends AppError {
  constructor(readonly lockedUntil: Date) {
    super('ACCOUNT_LOCKED', 'Too many failed log-ins: the account is locked for a while', {
      lockedUntil: lockedUntil.toISOString(),
    });
  }
}

export type FlowProblemKind =
  | 'INVALID_SHAPE'
  | 'MISSING_START'
  | 'UNKNOWN_START'
  | 'DUPLICATE_STEP'
  | 'DANGLING_TRANSITION'
  | 'UNREACHABLE_STEP'
  | 'NO_END_STEP'
  | 'DEAD_END'
  | 'NO_WAY_OUT'
  | 'END_WITH_TRANSITIONS';

export interface FlowProblem {
  kind: FlowProblemKind;
  /** The step concerned, if any. */
  stepId: string | null;
  message: string;
}

/** A program's flow is not a usable graph (found when publishing). */
export class InvalidFlowError extends AppError {
  constructor(readonly problems: FlowProblem[]) {
    super('INVALID_FLOW', `The flow cannot be published: ${problems.map((p) => p.message).join('; ')}`, { problems });
  }
}

/** An enrollment was asked to move somewhere its flow does not allow from where it is. */
export class InvalidTransitionError extends AppError {
  constructor(
    readonly fromStep: string | null,
    readonly toStep: string | null,
    message: string,
  ) {
    super('INVALID_TRANSITION', message, { fromStep, toStep });
  }
}

/** A write would take the creator past a hard limit of its plan. Nothing was written. */
export class QuotaExceededError extends AppError {
  constructor(
    readonly limit: string,
    readonly max: number,
    /** What the write would have brought the total to. */
    readonly used: number,
  ) {
    // `*_per_*` limits are the 32-bit counters (messages per conversation, awards per badge, ...),
    // the same on every plan; the others are the plan's.
    const what = limit.replace(/_/g, ' ');
    super(
      'QUOTA_EXCEEDED',
      limit.includes('_per_') && !limit.endsWith('_per_month')
        ? `At most ${max} ${what}; this would make ${used}`
        : `The plan allows ${max} ${what}; this would make ${used}`,
      { limit, max, used },
    );
  }
}

/**
 * A new subscription would pass a cap on open subscriptions: per WebSocket
 * (`subscriptions_per_socket`), or the tenant's on this instance (`subscriptions`, its plan's).
 * It did not start; the others keep running, and a completed one frees a slot. (The cap is named
 * in `quota`, not `limit`: the masking reads `limit` as a query-limit code.)
 */
export class SubscriptionLimitError extends AppError {
  constructor(
    readonly quota: 'subscriptions' | 'subscriptions_per_socket',
    readonly max: number,
  ) {
    super(
      'QUOTA_EXCEEDED',
      quota === 'subscriptions'
        ? `This account may hold ${max} open subscriptions at once on this server; complete one first`
        : `A connection may hold ${max} subscriptions at once; complete one or open another connection`,
      { quota, max },
    );
  }
}

/**
 * A concurrent change got in the way (PostgreSQL: serialization failure 40001, deadlock 40P01,
 * lock not available 55P03). Nothing was written; the same request may simply be sent again.
 * Always a top-level error with `retryable: true`, never a union member: no result union lists
 * it, so it is no AppError and its code is not in the schema's ErrorCode enum.
 */
export class TransactionConflictError extends GraphQLError {
  readonly code = 'TRANSACTION_CONFLICT';
  constructor() {
    super('A concurrent change got in the way; nothing was written: send the request again', {
      extensions: { code: 'TRANSACTION_CONFLICT', retryable: true },
    });
  }
}

/** For fields without a result union (queries): the request lacks a usable credential. */
export function unauthenticated(message = 'Sign in first'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

/**
 * Sent instead of an answer over MAX_RESPONSE_BYTES (config.fairness.maxResponseBytes), over
 * HTTP and WebSocket (server/response-size.ts), or by a service that builds a large document
 * itself (the user export). Like TransactionConflictError, never a union member.
 */
export class ResponseTooLargeError extends GraphQLError {
  constructor(bytes: number, maxBytes: number) {
    super(
      `The response would be at least ${bytes} bytes; the limit is ${maxBytes}. Ask for fewer fields, smaller pages or fewer JSON values (a mutation's changes, if any, were made).`,
      {
        extensions: { code: 'RESPONSE_TOO_LARGE', maxBytes },
      },
    );
  }
}
