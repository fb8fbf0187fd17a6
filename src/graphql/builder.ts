// The SchemaBuilder: plugins, options and scalars. Domain types live in src/modules/*.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import { GraphQLScalarType, Kind } from 'graphql';
import type PrismaTypes from '../generated/pothos-types';
import { getDatamodel } from '../generated/pothos-types';
import type { Context } from '../server/context';
import { prismaFor } from './tenant';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
  };
  DefaultFieldNullability: false;
}>({
  // Fields are non-null unless they say otherwise: clients should not null-check what is
  // always there.
  defaultFieldNullability: false,
  plugins: [PrismaPlugin],
  prisma: {
    client: (ctx) => prismaFor(ctx),
    dmmf: getDatamodel(),
    // `///` comments in schema.prisma become GraphQL descriptions.
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
});

builder.addScalarType(
  'DateTime',
  new GraphQLScalarType<Date, string>({
    name: 'DateTime',
    description: 'An instant, as an ISO-8601 string with a UTC offset (e.g. 2026-11-21T09:30:00.000Z).',
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
  }),
  {},
);

function parseDateTime(value: string): Date {
  // Require a full date-time with an explicit offset: "2026-11-21" or a local time is ambiguous.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new TypeError('DateTime must be an ISO-8601 date-time with a UTC offset');
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError('DateTime is not a valid date');
  return date;
}

builder.queryType({});
