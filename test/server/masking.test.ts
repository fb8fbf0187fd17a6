// Unexpected errors never reach a client as text, however they were wrapped on the way.
import { GraphQLError } from 'graphql';
import { formatError, isExpected } from '../../src/server/plugins/masking';

const internal = new Error('Invalid `prisma.message.findUnique()` invocation: connection to db-internal:5432 refused');

test.each([
  ['thrown by a resolver (graphql-js wraps it with a path)', new GraphQLError(internal.message, { originalError: internal, path: ['messages'] })],
  ['from a subscription source (graphql-ws wraps it without a path)', new GraphQLError(internal.message, { originalError: internal })],
  ['from context creation (Apollo wraps it without a path)', new GraphQLError(`Context creation failed: ${internal.message}`, { originalError: internal })],
])('an internal error %s is masked', (_how, error) => {
  expect(isExpected(error)).toBe(false);
  const formatted = formatError(error.toJSON(), error);
  expect(formatted).toEqual({ message: 'Internal server error', path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  expect(JSON.stringify(formatted)).not.toMatch(/prisma|db-internal/);
});

test('expected errors keep their message and code, even when wrapped', () => {
  const notFound = new GraphQLError('Program not found', { extensions: { code: 'NOT_FOUND' } });
  const wrapped = new GraphQLError(notFound.message, { originalError: notFound, path: ['publishProgram'] });
  expect(isExpected(wrapped)).toBe(true);
  expect(formatError(wrapped.toJSON(), wrapped)).toMatchObject({ message: 'Program not found', extensions: { code: 'NOT_FOUND' } });
  const validation = new GraphQLError('Cannot query field "nope" on type "Query".');
  expect(isExpected(validation)).toBe(true);
});

test("a variable the client sent wrong stays the client's error (BAD_USER_INPUT), over HTTP or WebSocket", () => {
  const typeError = new TypeError('JSONObject must be an object');
  const fromGraphqlJs = new GraphQLError('Variable "$input" got invalid value "x" at "input.settings"; JSONObject must be an object', { originalError: typeError });
  expect(formatError(fromGraphqlJs.toJSON(), fromGraphqlJs)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('JSONObject must be an object') });
});
