// fast-check arbitraries for the leaves of GraphQL inputs: boundary values first (empty, huge,
// negative, zero, 2^31, 2^53, NaN-ish strings, NUL and other control characters, emoji, RTL,
// lone surrogates, combining marks, far dates), then random-but-valid values. Weights keep most
// values of the right type, so that most calls get past coercion into resolvers.
import fc from 'fast-check';

const weighted = <T>(...pairs: [number, fc.Arbitrary<T>][]) =>
  fc.oneof(...pairs.map(([weight, arbitrary]) => ({ weight, arbitrary })));

/** Strings a careless resolver or a database column chokes on. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0000'.repeat(8),
  '\t\n\r\u0007\u0008\u000b\u000c\u001b[31m\u007f',
  '\u202eevil\u202c',
  'مرحبا بالعالم',
  'שלום',
  '🦄🏳️‍🌈👨‍👩‍👧‍👦',
  '\ud800',
  'x\udfffy',
  '\udbff\udfff',
  'e\u0301\u0301\u0301\u0301',
  'Z\u0335\u0322\u031b\u031b\u031e',
  "' OR '1'='1' --",
  '%',
  '_',
  '\\',
  '%_\\%',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  'null',
  'undefined',
  'true',
  '{}',
  '[]',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '\ufeff',
  '\u00a0',
  '\u2028\u2029',
  '\uffff',
  '０１２',
];

const LONG_LENGTHS = [
  63, 64, 65, 100, 101, 255, 256, 257, 500, 501, 1000, 1001, 2000, 2001, 5000, 10_000, 10_001, 65_536, 100_000, 500_000,
];

/** Long strings near and past the usual column and input limits (and one past the body limit). */
export const longString: fc.Arbitrary<string> = weighted(
  [20, fc.constantFrom(...LONG_LENGTHS).map((n) => 'a'.repeat(n))],
  [4, fc.constantFrom(...LONG_LENGTHS).map((n) => '🦄'.repeat(Math.ceil(n / 2)))],
  [4, fc.constantFrom(...LONG_LENGTHS).map((n) => `${'a'.repeat(n - 1)}\u0000`)],
  [1, fc.constant('x'.repeat(1_100_000))],
);

export const nastyString: fc.Arbitrary<string> = fc.constantFrom(...NASTY_STRINGS);

export const anyString: fc.Arbitrary<string> = weighted(
  [20, fc.string({ maxLength: 24 })],
  [12, nastyString],
  [8, fc.string({ unit: 'binary', maxLength: 24 })],
  [6, fc.string({ unit: 'grapheme', maxLength: 16 })],
  [6, fc.tuple(fc.string({ maxLength: 8 }), nastyString, fc.string({ maxLength: 8 })).map(([a, b, c]) => a + b + c)],
  [4, longString],
);

export const INT_BOUNDARIES = [
  0,
  1,
  -1,
  2,
  3,
  10,
  49,
  50,
  51,
  99,
  100,
  101,
  500,
  1000,
  1001,
  10_000,
  100_000,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 31 - 2,
];
/** Numbers that are not GraphQL Ints (coercion must refuse them with a typed code). */
export const NOT_INTS = [2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1.5, -0.5, 1e21];

export const int: fc.Arbitrary<number> = weighted(
  [10, fc.constantFrom(...INT_BOUNDARIES)],
  [6, fc.integer({ min: -5, max: 120 })],
  [3, fc.integer()],
  [1, fc.constantFrom(...NOT_INTS)],
);

export const float: fc.Arbitrary<number> = weighted(
  [
    6,
    fc.constantFrom(
      0,
      -0,
      1,
      -1,
      0.5,
      1.5,
      0.1,
      1e-7,
      5e-324,
      2 ** 31,
      2 ** 53,
      2 ** 63,
      1e21,
      1e100,
      1.7976931348623157e308,
      -1.7976931348623157e308,
      3.4e38,
    ),
  ],
  [4, fc.double({ noNaN: true, noDefaultInfinity: true })],
  [3, fc.integer({ min: -10, max: 1000 })],
);

/** Far, impossible and malformed dates (YYYY-MM-DD), then real ones around today. */
export const FAR_DATES = [
  '0000-01-01',
  '0001-01-01',
  '1000-01-01',
  '1899-12-31',
  '1970-01-01',
  '9999-12-31',
  '10000-01-01',
  '275760-09-13',
  '275760-09-14',
  '+275760-09-13',
  '-000001-01-01',
  '-271821-04-20',
  '2024-02-30',
  '2023-02-29',
  '2024-13-01',
  '2024-00-10',
  '2024-1-1',
  '20240101',
  '2024-01-01T00:00:00Z',
  '',
  'today',
  '2024-01-01\u0000',
];
const dayOffset = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export const date: fc.Arbitrary<string> = weighted(
  [4, fc.constantFrom(...FAR_DATES)],
  [6, fc.integer({ min: -800, max: 40 }).map(dayOffset)],
  [1, fc.integer({ min: -3_000_000, max: 3_000_000 }).map(dayOffset)],
);

export const FAR_DATETIMES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  '+275760-09-13T00:00:00.001Z',
  '-000001-01-01T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  '1970-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '2024-01-01T24:00:00Z',
  '2024-01-01T00:00:00+14:00',
  '2024-01-01T00:00:00-23:59',
  '2024-01-01',
  '2024-01-01T00:00:00',
  '2024-01-01T00:00:00.123456789Z',
  'not a date',
  '',
  '2024-01-01T00:00:00Z\u0000',
];
export const dateTime: fc.Arbitrary<unknown> = weighted<unknown>(
  [4, fc.constantFrom(...FAR_DATETIMES)],
  [
    6,
    fc
      .date({
        min: new Date(Date.now() - 3 * 365 * 86_400_000),
        max: new Date(Date.now() + 30 * 86_400_000),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString()),
  ],
  [1, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())],
  [1, fc.constantFrom(0, -1, 8.64e15, -8.64e15, 8.64e15 + 1, 1e20)],
);

export const BIGINT_STRINGS = [
  '0',
  '1',
  '-1',
  '9007199254740993',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '-9223372036854775809',
  '99999999999999999999999',
  '1e3',
  '0x10',
  '1.5',
  'abc',
  '',
  ' 1',
  '１',
];
export const bigIntValue: fc.Arbitrary<unknown> = weighted<unknown>(
  [4, fc.constantFrom(...BIGINT_STRINGS)],
  [3, fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String)],
  [2, fc.constantFrom(0, 1, -1, 2 ** 53, 2 ** 53 + 2, 1.5, 1e300)],
);

/** Keys no JSON column should trip on: NUL, empty, prototype names, long ones. */
const NASTY_KEYS = [
  '\u0000',
  'a\u0000b',
  '',
  '__proto__',
  'constructor',
  'prototype',
  '$where',
  'a.b',
  'key with spaces',
  '🦄',
  '\ud800',
  'k'.repeat(1000),
];
const jsonLeaf: fc.Arbitrary<unknown> = weighted<unknown>(
  [6, fc.oneof(fc.boolean(), fc.constant(null), float, int)],
  [6, anyString.filter((s) => s.length < 2000)],
);
const jsonKey = weighted([5, fc.string({ maxLength: 10 })], [3, fc.constantFrom(...NASTY_KEYS)]);

function nested(depth: number): unknown {
  let value: unknown = { leaf: 'a\u0000' };
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { n: value };
  return value;
}

export const jsonObject: fc.Arbitrary<Record<string, unknown>> = weighted(
  [6, fc.dictionary(jsonKey, jsonLeaf, { maxKeys: 6 }).map((d) => Object.fromEntries(Object.entries(d)))],
  [4, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })],
  [2, fc.constant({})],
  // Deeper than about 3,000 levels, the test process itself cannot JSON.stringify the request.
  [1, fc.constantFrom(30, 100, 1000, 2000).map((d) => ({ deep: nested(d) }))],
  [1, fc.constantFrom(1000, 20_000, 100_000).map((n) => ({ list: Array.from({ length: n }, (_, i) => i) }))],
);

export const jsonValue: fc.Arbitrary<unknown> = weighted<unknown>(
  [5, jsonObject],
  [3, jsonLeaf],
  [2, fc.array(jsonLeaf, { maxLength: 5 })],
);

/** Any JSON value at all: what a client of another type system might send by mistake. */
export const wrongTypeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 2 ** 53, 1.5, '', 'x', [], {}, [1, 'a'], { id: 1 }),
  nastyString,
);

export const boolean = fc.boolean();
export { weighted };
