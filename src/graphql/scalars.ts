// Custom scalars. Inputs are strict: a value that is not exactly of the scalar's form is a
// validation error before any resolver runs (BAD_USER_INPUT for a variable, a validation error
// for a literal), so it never reaches PostgreSQL.
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';

/**
 * Days and instants are accepted from 1900-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z,
 * checked in UTC (what is stored). PostgreSQL has no year 0 (JavaScript does: a client's
 * "0000-01-01" or "0001-01-01T00:30:00+01:00" failed there with SQLSTATE 22008, a 500), and the
 * margin on both sides keeps the server's own arithmetic valid at the edges: the Monday before
 * 1900-01-01 (a week bucket) and the month after 9999-12 are still days PostgreSQL and a
 * Date both hold (test/graphql/input-guard-values.test.ts walks the edges).
 */
export const EARLIEST = Date.UTC(1900, 0, 1);
export const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const RANGE = 'between 1900-01-01 and 9999-12-31 (UTC)';

function inRange(date: Date, what: string): Date {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new TypeError(`${what} is not a valid date`);
  if (ms < EARLIEST || ms > LATEST) throw new TypeError(`${what} must be ${RANGE}`);
  return date;
}

function parseDateTime(value: string): Date {
  // A full date-time with an explicit offset: "2026-11-21" or a local time is ambiguous.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new TypeError('DateTime must be an ISO-8601 date-time with a UTC offset');
  }
  return inRange(new Date(value), 'DateTime');
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description:
    'An instant, as an ISO-8601 string with a UTC offset (e.g. 2026-11-21T09:30:00.000Z), from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    if (typeof value !== 'string') throw new TypeError('DateTime must be a string');
    return parseDateTime(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('DateTime must be a string');
    return parseDateTime(ast.value);
  },
});

function parseDate(value: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new TypeError('Date must be YYYY-MM-DD');
  const date = new Date(`${value}T00:00:00.000Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw new TypeError('Date is not a valid calendar date');
  return inRange(date, 'Date');
}

export const DateScalar = new GraphQLScalarType<Date, string>({
  name: 'Date',
  description: 'A calendar day, YYYY-MM-DD (UTC), from 1900-01-01 to 9999-12-31.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new TypeError('Date cannot represent an invalid date');
    return date.toISOString().slice(0, 10);
  },
  parseValue(value) {
    if (typeof value !== 'string') throw new TypeError('Date must be a string');
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new TypeError('Date must be a string');
    return parseDate(ast.value);
  },
});

function literalToJs(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJs(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJs(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
    default:
      throw new TypeError(`JSON cannot represent ${ast.kind}`);
  }
}

const MAX_JSON_BYTES = 64 * 1024;
function checkSize(value: unknown): unknown {
  let text: string;
  try {
    text = JSON.stringify(value ?? null);
  } catch (error) {
    // Nesting deep enough to exhaust the stack (a few thousand levels): say so, not V8's words.
    if (error instanceof RangeError) throw new TypeError('JSON values may not be nested this deeply', { cause: error });
    throw error;
  }
  if (text.length > MAX_JSON_BYTES) throw new TypeError(`JSON values are limited to ${MAX_JSON_BYTES} bytes`);
  return value;
}

export const JsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value (at most 64 KiB).',
  serialize: (value) => value,
  parseValue: (value) => checkSize(value),
  parseLiteral: (ast, variables) => checkSize(literalToJs(ast, variables)),
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const JsonObjectScalar = new GraphQLScalarType<Record<string, unknown>, unknown>({
  name: 'JSONObject',
  description: 'A JSON object (at most 64 KiB).',
  serialize: (value) => value,
  parseValue(value) {
    if (!isObject(value)) throw new TypeError('JSONObject must be an object');
    return checkSize(value) as Record<string, unknown>;
  },
  parseLiteral(ast, variables) {
    const value = literalToJs(ast, variables);
    if (!isObject(value)) throw new TypeError('JSONObject must be an object');
    return checkSize(value) as Record<string, unknown>;
  },
});
