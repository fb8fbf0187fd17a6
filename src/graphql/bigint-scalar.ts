// Whole numbers past 32 bits: sizes, usage quantities, point totals.
import { GraphQLScalarType, Kind } from 'graphql';

export const BigIntScalar = new GraphQLScalarType<bigint, number>({
  name: 'BigInt',
  description: 'A whole number that may exceed 32 bits (sent as a JSON number up to 2^53 - 1).',
  serialize(value) {
    const n = typeof value === 'bigint' ? value : BigInt(value as number);
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new TypeError('BigInt value exceeds 2^53 - 1');
    return Number(n);
  },
  parseValue(value) {
    if ((typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^-?\d{1,18}$/.test(value))) return BigInt(value);
    throw new TypeError('BigInt must be a whole number');
  },
  parseLiteral(ast) {
    if (ast.kind === Kind.INT || (ast.kind === Kind.STRING && /^-?\d{1,18}$/.test(ast.value))) return BigInt(ast.value);
    throw new TypeError('BigInt must be a whole number');
  },
});
