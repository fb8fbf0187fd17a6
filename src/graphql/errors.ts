// Expected failures: typed, with stable codes. Each is a GraphQLError (so, thrown from a field
// without `errors`, it still reaches the client with extensions.code and is not masked) and a
// member of the result union of every mutation (the Pothos errors plugin), implementing the
// `Error` interface:  ... on Error { code message }.
import { GraphQLError } from 'graphql';

export type ErrorCode = 'NOT_FOUND' | 'VALIDATION_FAILED' | 'CONFLICT' | 'FORBIDDEN' | 'UNAUTHENTICATED' | 'ACCOUNT_LOCKED';

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

export class AccountLockedError extends AppError {
  constructor(readonly lockedUntil: Date) {
    super('ACCOUNT_LOCKED', 'Too many failed log-ins: the account is locked for a while', { lockedUntil: lockedUntil.toISOString() });
  }
}

/** For fields without a result union (queries): the request lacks a usable credential. */
export function unauthenticated(message = 'Sign in first'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}
