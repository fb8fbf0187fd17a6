// An arbitrary for any GraphQL input type, by recursion: input objects (required fields nearly
// always present, optional ones present, null or absent), lists (empty, small, huge, a lone item
// that list coercion accepts), enums, nullability, the built-in and custom scalars, and ids and
// cursors chosen from the pools by the argument's name (programId -> a Program id).
import fc from 'fast-check';
import {
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import {
  anyString,
  bigIntValue,
  boolean,
  date,
  dateTime,
  float,
  int,
  jsonObject,
  jsonValue,
  nastyString,
  weighted,
  wrongTypeValue,
} from './arbitraries';
import { allCursors, phantomId, type Pools, type Tenant } from './pools';
import { toGlobalId } from '../../../src/graphql/ids';

/** Whose rows the caller owns ("own") and whose it should never reach ("other"). */
export interface Aim {
  own: Tenant;
  other: Tenant;
  /** Weight of the other tenant's real ids, against the own tenant's (cross-tenant actors aim high). */
  crossWeight: number;
}

export interface InputContext {
  pools: Pools;
  aim: Aim;
  /** The root field the value is for: `deleteBadge` takes a Badge id. */
  rootField: string;
}

const ALIASES: Record<string, string> = {
  Enrollment: 'ProgramEnrollment',
  Interaction: 'UserInteraction',
  Session: 'UserSession',
  Chunk: 'DocumentChunk',
  DocumentChunk: 'DocumentChunk',
  Analytic: 'ProgramAnalytic',
  Profile: 'UserProfile',
  Key: 'ApiKey',
  Metric: 'EngagementMetric',
};
const VERBS = /^(delete|update|archive|publish|revoke|unenroll|escalate|get|erase|advance|upsert|record|create)/;

/** The Node type an ID argument most likely names, from its name and the root field's. */
export function idTypeHint(argName: string, rootField: string, types: string[]): string | undefined {
  const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  let base: string | undefined;
  const m = /^(.*?)Ids?$/.exec(argName);
  if (m && m[1]) base = capital(m[1]);
  else if (argName === 'id' || argName === 'ids') base = capital(rootField.replace(VERBS, ''));
  if (rootField === 'unenrollUser' && argName === 'id') base = 'ProgramEnrollment';
  if (!base) return undefined;
  const name = ALIASES[base] ?? base;
  if (types.includes(name)) return name;
  const suffix = types.find((t) => t.endsWith(name) || name.endsWith(t));
  return suffix;
}

const MALFORMED_IDS = (type: string): unknown[] => [
  '',
  ' ',
  'abc',
  '0',
  12345,
  2 ** 53,
  Buffer.from(`${type}:`).toString('base64'),
  Buffer.from(`${type}:not-a-uuid`).toString('base64'),
  Buffer.from(`${type}:00000000-0000-0000-0000-000000000000`).toString('base64'),
  Buffer.from(`${type}:00000000-0000-0000-0000-00000000000g`).toString('base64'),
  Buffer.from(`:${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}`).toString('base64'),
  Buffer.from(`${type}:\u0000`).toString('base64'),
  Buffer.from(`Nope:11111111-1111-1111-1111-111111111111`).toString('base64'),
  `${type}:11111111-1111-1111-1111-111111111111`,
  '11111111-1111-1111-1111-111111111111',
  '\u0000',
  '====',
  'x'.repeat(10_000),
  Buffer.from('x'.repeat(3000)).toString('base64'),
];

function pick(list: string[] | undefined, i: number): string | undefined {
  return list && list.length > 0 ? list[i % list.length] : undefined;
}

function idArbitrary(ctx: InputContext, hint: string | undefined): fc.Arbitrary<unknown> {
  const { pools, aim } = ctx;
  const own = pools.ids[aim.own];
  const other = pools.ids[aim.other];
  const anyType = (i: number) => pools.types[i % pools.types.length]!;
  const type = hint ?? 'User';
  const real = (tenant: Map<string, string[]>) =>
    fc.nat().map((i) => pick(tenant.get(hint ?? anyType(i)), i) ?? phantomId(type, i));
  return weighted<unknown>(
    [40 - aim.crossWeight / 2, real(own)],
    [10 + aim.crossWeight, real(other)],
    [6, fc.nat().map((i) => pick(own.get(anyType(i)), i) ?? phantomId(anyType(i), i))],
    [5, fc.nat().map((i) => pick(other.get(anyType(i)), i) ?? phantomId(anyType(i), i))],
    [6, fc.nat().map((i) => phantomId(type, i))],
    [4, fc.nat().map((i) => toGlobalId(type, (pick(own.get(type), i) ?? phantomId(type, i)).toUpperCase()))],
    [14, fc.constantFrom(...MALFORMED_IDS(type))],
  );
}

/** Real cursors (own and other tenant's), tampered ones, and garbage. */
function cursorArbitrary(ctx: InputContext): fc.Arbitrary<unknown> {
  // Read when a value is generated: the pools fill up as the run goes.
  const choose = (list: () => string[]) =>
    fc.nat().map((i) => list()[i % Math.max(1, list().length)] ?? 'bm9jdXJzb3I=');
  const fromPool = (tenant: Tenant) => choose(() => ctx.pools.cursors[tenant].get(ctx.rootField) ?? []);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return weighted<unknown>(
    [10, fromPool(ctx.aim.own)],
    [4, fromPool(ctx.aim.other)],
    [2, choose(() => allCursors(ctx.pools, ctx.aim.own))],
    [
      4,
      fc
        .tuple(fromPool(ctx.aim.own), fc.nat())
        .map(([c, i]) =>
          c.length ? c.slice(0, i % c.length) + String.fromCharCode(65 + (i % 26)) + c.slice((i % c.length) + 1) : c,
        ),
    ],
    [2, fromPool(ctx.aim.own).map((c) => `${c}A`)],
    [
      6,
      fc.constantFrom(
        '',
        'null',
        '====',
        '\u0000',
        b64('{}'),
        b64('[]'),
        b64('null'),
        b64('{"id":"x","v":-1}'),
        b64('{"offset":-1}'),
        b64('arrayconnection:-1'),
        b64('arrayconnection:2147483648'),
        b64('arrayconnection:9007199254740993'),
        b64('\u0000\u0000'),
        b64('x'.repeat(5000)),
        'x'.repeat(100_000),
        '-1',
        '1e309',
      ),
    ],
    [2, nastyString],
  );
}

function stringArbitrary(ctx: InputContext, name: string): fc.Arbitrary<unknown> {
  const n = name.toLowerCase();
  if (n === 'after' || n === 'before' || n.endsWith('cursor')) return cursorArbitrary(ctx);
  if (n.includes('email'))
    return weighted<unknown>(
      [4, fc.emailAddress()],
      [3, fc.constantFrom(ctx.pools.emails.A, ctx.pools.emails.B, ctx.pools.emails.A.toUpperCase())],
      [3, anyString],
    );
  if (n.includes('timezone'))
    return weighted<unknown>(
      [4, fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Etc/GMT+14')],
      [3, fc.constantFrom('Not/AZone', 'utc', '+25:00', '')],
      [2, anyString],
    );
  if (n.includes('language') || n.includes('locale'))
    return weighted<unknown>([4, fc.constantFrom('en', 'fr', 'en-US', 'zh-Hant-TW')], [3, anyString]);
  if (n.includes('url'))
    return weighted<unknown>(
      [4, fc.webUrl()],
      [3, fc.constantFrom('javascript:alert(1)', 'ftp://x', 'http://', 'http://127.0.0.1:1/', 'file:///etc/passwd')],
      [3, anyString],
    );
  if (n.includes('color') || n.includes('colour'))
    return weighted<unknown>([4, fc.constantFrom('#fff', '#ffffff', '#FFFFFF80', 'red', '#gggggg')], [3, anyString]);
  if (n.includes('metrictype') || n === 'type' || n.endsWith('type'))
    return weighted<unknown>(
      [5, fc.constantFrom('messages', 'active_users', 'sessions', 'enrollments', 'completions')],
      [4, anyString],
    );
  return anyString;
}

function scalarArbitrary(ctx: InputContext, scalar: string, name: string): fc.Arbitrary<unknown> {
  switch (scalar) {
    case 'Int':
      // Page sizes mostly in range, so that most calls reach the resolver rather than its guard.
      return name === 'first' || name === 'last'
        ? weighted<unknown>([10, fc.integer({ min: 0, max: 100 })], [6, int])
        : int;
    case 'Float':
      return float;
    case 'Boolean':
      return boolean;
    case 'String':
      return stringArbitrary(ctx, name);
    case 'ID':
      return idArbitrary(ctx, idTypeHint(name, ctx.rootField, ctx.pools.types));
    case 'Date':
      return date;
    case 'DateTime':
      return dateTime;
    case 'JSON':
      return jsonValue;
    case 'JSONObject':
      return jsonObject;
    case 'BigInt':
      return bigIntValue;
    default:
      // A scalar the fuzz has no generator for yet: strings and JSON (the coverage check still
      // counts its calls, but a specific generator finds more).
      return fc.oneof(anyString, jsonValue);
  }
}

const MAX_INPUT_DEPTH = 4;

/** Value for a (possibly non-null) input type; `name` is the argument or field name. */
export function inputArbitrary(
  type: GraphQLInputType,
  name: string,
  ctx: InputContext,
  depth = 0,
): fc.Arbitrary<unknown> {
  const nonNull = isNonNullType(type);
  const inner: GraphQLInputType = getNullableType(type);
  let value: fc.Arbitrary<unknown>;
  if (isListType(inner)) {
    const item = inputArbitrary(inner.ofType, name, ctx, depth + 1);
    value = weighted<unknown>(
      [8, fc.array(item, { maxLength: 4 })],
      [3, fc.constant([])],
      [2, item],
      // A long list of one item, kept under about 2 MB of JSON (the body limit is 1 MiB): the test
      // process shares its event loop with the server, and a 100 MB body would stall both.
      [
        1,
        fc
          .tuple(item, fc.constantFrom(51, 101, 1000, 10_001))
          .map(([v, n]) =>
            Array.from(
              { length: Math.min(n, Math.max(1, Math.floor(2_000_000 / (JSON.stringify(v ?? null)?.length ?? 1)))) },
              () => v,
            ),
          ),
      ],
    );
  } else if (isInputObjectType(inner)) {
    const fields = Object.values(inner.getFields());
    const deep = depth >= MAX_INPUT_DEPTH;
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    const required: string[] = [];
    for (const field of fields) {
      const isRequired = isNonNullType(field.type) && field.defaultValue === undefined;
      if (deep && !isRequired) continue;
      record[field.name] = inputArbitrary(field.type, field.name, ctx, depth + 1);
      if (isRequired) required.push(field.name);
    }
    const object = fc.record(record, { requiredKeys: required });
    // Now and then a required field goes missing: coercion must refuse it, with a code.
    value = weighted<unknown>([30, object], [1, object.map((o) => Object.fromEntries(Object.entries(o).slice(1)))]);
  } else if (isEnumType(inner)) {
    value = weighted<unknown>(
      [12, fc.constantFrom(...inner.getValues().map((v) => v.name))],
      [1, fc.constantFrom('NOPE', '', 'active', '\u0000')],
    );
  } else if (isScalarType(inner)) {
    value = scalarArbitrary(ctx, inner.name, name);
  } else {
    value = fc.constant(null);
  }
  // A rare value of the wrong type altogether, and null for nullable types.
  const confused = weighted<unknown>([40, value], [1, wrongTypeValue]);
  return nonNull
    ? weighted<unknown>([60, confused], [1, fc.constant(null)])
    : weighted<unknown>([8, confused], [1, fc.constant(null)]);
}
