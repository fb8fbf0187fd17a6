// Whole numbers past 32 bits: sizes, usage quantities, point totals. Sent as a decimal string
// (as PostGraphile does): a JSON number is a double for most clients, exact only to 2^53, and a
// 64-bit total must reach them exactly. Input may be that string or a JSON number that is a
// safe integer (a client that sends 42 means 42); anything else, or a value outside signed
// 64-bit range (PostgreSQL's bigint), is refused with a message that says which rule it broke.
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;
const DECIMAL = /^-?(0|[1-9]\d*)$/;
const RANGE = `between ${MIN} and ${MAX} (signed 64-bit)`;

/** A value within signed 64-bit range, or a GraphQLError (a client's mistake, typed by graphql-js). */
function inRange(n: bigint): bigint {
  if (n < MIN || n > MAX) throw new GraphQLError(`BigInt must be ${RANGE}`);
  return n;
}

function fromString(text: string): bigint {
  // Length first: a megabyte of digits is refused before BigInt() parses it.
  if (text.length > 20 || !DECIMAL.test(text))
    throw new GraphQLError(
      'BigInt must be a whole number written in decimal digits, as a string such as "9007199254740993"',
    );
  return inRange(BigInt(text));
}

function fromInput(value: unknown): bigint {
  if (typeof value === 'string') return fromString(value);
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return BigInt(value);
    throw new GraphQLError(
      'BigInt as a JSON number must be a whole number within ±(2^53 - 1); send larger values as a decimal string',
    );
  }
  throw new GraphQLError('BigInt must be a decimal string or a whole JSON number');
}

export const BigIntScalar = new GraphQLScalarType<bigint, string>({
  name: 'BigInt',
  description:
    'A signed 64-bit whole number (-9223372036854775808 to 9223372036854775807), sent as a decimal string such as "9007199254740993" so that every value arrives exact. Accepted as such a string, or as a JSON number that is a whole number within ±(2^53 - 1).',
  serialize(value) {
    // The server's own values: bigint from PostgreSQL, or a whole number it computed.
    if (typeof value === 'bigint') return String(inRange(value));
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string' && DECIMAL.test(value)) return String(inRange(BigInt(value)));
    throw new TypeError(`BigInt cannot represent ${typeof value} ${String(value)}`);
  },
  parseValue: fromInput,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING) return fromString(ast.value);
    if (ast.kind === Kind.INT) {
      const n = ast.value.length > 20 ? undefined : BigInt(ast.value);
      // An integer literal is exact in the document, but a client's JSON for the same value
      // would not be: hold literals to the rule for numbers, so both ways agree.
      if (n !== undefined && n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER)) return n;
      throw new GraphQLError(
        'BigInt as a number must be a whole number within ±(2^53 - 1); write larger values as a string',
      );
    }
    throw new GraphQLError('BigInt must be a decimal string or a whole number');
  },
});
