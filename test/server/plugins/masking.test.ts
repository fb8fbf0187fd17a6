// Unexpected errors never reach a client as text, however they were wrapped on the way.
import { Writable } from 'node:stream';
import { PothosSchemaError, PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { mapDatabaseError } from '../../../src/graphql/database-errors';
import { TransactionConflictError } from '../../../src/graphql/errors';
import { createLogger } from '../../../src/logger';
import { formatError, isExpected, maskingPlugin } from '../../../src/server/plugins/masking';

const internal = new Error('Invalid `prisma.message.findUnique()` invocation: connection to db-internal:5432 refused');

test.each([
  [
    'thrown by a resolver (graphql-js wraps it with a path)',
    new GraphQLError(internal.message, { originalError: internal, path: ['messages'] }),
  ],
  [
    'from a subscription source (graphql-ws wraps it without a path)',
    new GraphQLError(internal.message, { originalError: internal }),
  ],
  [
    'from context creation (Apollo wraps it without a path)',
    new GraphQLError(`Context creation failed: ${internal.message}`, { originalError: internal }),
  ],
])('an internal error %s is masked', (_how, error) => {
  expect(isExpected(error)).toBe(false);
  const formatted = formatError(error.toJSON(), error);
  expect(formatted).toEqual({
    message: 'Internal server error',
    path: error.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
  expect(JSON.stringify(formatted)).not.toMatch(/prisma|db-internal/);
});

test('expected errors keep their message and code, even when wrapped', () => {
  const notFound = new GraphQLError('Program not found', { extensions: { code: 'NOT_FOUND' } });
  const wrapped = new GraphQLError(notFound.message, { originalError: notFound, path: ['publishProgram'] });
  expect(isExpected(wrapped)).toBe(true);
  expect(formatError(wrapped.toJSON(), wrapped)).toMatchObject({
    message: 'Program not found',
    extensions: { code: 'NOT_FOUND' },
  });
  const validation = new GraphQLError('Cannot query field "nope" on type "Query".');
  expect(isExpected(validation)).toBe(true);
});

test("a variable the client sent wrong stays the client's error (BAD_USER_INPUT), over HTTP or WebSocket", () => {
  const typeError = new TypeError('JSONObject must be an object');
  const fromGraphqlJs = new GraphQLError(
    'Variable "$input" got invalid value "x" at "input.settings"; JSONObject must be an object',
    { originalError: typeError },
  );
  expect(formatError(fromGraphqlJs.toJSON(), fromGraphqlJs)).toMatchObject({
    extensions: { code: 'BAD_USER_INPUT' },
    message: expect.stringContaining('JSONObject must be an object'),
  });
});

// Issue 17: Pothos' input checks are the client's mistake wherever they are thrown; its other
// errors are bugs, however much they look like GraphQLErrors.
test("Pothos' input checks (first: -1 in a nested connection) are BAD_USER_INPUT; its schema errors stay internal", () => {
  const check = new PothosValidationError('Argument "first" must be a non-negative integer');
  const nested = new GraphQLError(check.message, { originalError: check, path: ['programs'] });
  expect(formatError(nested.toJSON(), nested)).toMatchObject({
    message: check.message,
    path: ['programs'],
    extensions: { code: 'BAD_USER_INPUT' },
  });
  const bug = new PothosSchemaError('Ref Foo has not been implemented');
  const wrapped = new GraphQLError(bug.message, { originalError: bug, path: ['me'] });
  expect(isExpected(wrapped)).toBe(false);
  expect(formatError(wrapped.toJSON(), wrapped)).toEqual({
    message: 'Internal server error',
    path: ['me'],
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
});

test('a serialization failure is TRANSACTION_CONFLICT, retryable, and its SQL stays here', () => {
  // The shape @prisma/adapter-pg gives a 40001 (seen in test/graphql/database-errors.test.ts).
  const prismaError = Object.assign(
    new Error(
      'Raw query failed. Code: `40001`. Message: `could not serialize access due to concurrent update of "users"`',
    ),
    {
      code: 'P2010',
      meta: {
        driverAdapterError: {
          cause: {
            originalCode: '40001',
            originalMessage: 'could not serialize access',
            kind: 'TransactionWriteConflict',
          },
        },
      },
    },
  );
  const error = new GraphQLError(prismaError.message, { originalError: prismaError, path: ['updateUser'] });
  const formatted = formatError(error.toJSON(), error);
  expect(formatted.extensions).toEqual({ code: 'TRANSACTION_CONFLICT', retryable: true });
  expect(JSON.stringify(formatted)).not.toMatch(/serialize|users/);
  expect(mapDatabaseError(prismaError)).toBeInstanceOf(TransactionConflictError);
});

test("a client's mistake the database reported is logged at info, a bug at error", async () => {
  const lines: { level: string; msg: string; code?: string; sqlState?: string }[] = [];
  const log = createLogger(
    'debug',
    new Writable({
      write: (chunk, _e, done) => (
        lines.push(
          ...String(chunk)
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l)),
        ),
        done()
      ),
    }),
  );
  const pgError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
    code: '22021',
    severity: 'ERROR',
  });
  const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
  const errors = [pgError, bug].map(
    (e) => new GraphQLError(e.message, { originalError: e, path: ['programs', 0, 'name'] }),
  );
  const hooks = await maskingPlugin().requestDidStart!({ contextValue: { log } } as never);
  await (hooks as { didEncounterErrors: (r: unknown) => Promise<void> }).didEncounterErrors({
    errors,
    contextValue: { log },
    operationName: 'Programs',
  });
  await new Promise((r) => setImmediate(r));
  expect(lines.map((l) => [l.level, l.msg])).toEqual([
    ['info', 'client error reported by the database'],
    ['error', 'unexpected error'],
  ]);
  expect(lines[0]).toMatchObject({ code: 'VALIDATION_FAILED', sqlState: '22021' });
});
