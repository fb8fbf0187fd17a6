// The SchemaBuilder: plugins, options and scalars. Domain types live in src/modules/*.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import type PrismaTypes from '../generated/pothos-types';
import { getDatamodel } from '../generated/pothos-types';
import type { Context } from './context';
import { authScopesOf, unauthorizedError, type AuthContexts, type AuthScopes } from './auth-scopes';
import './database-errors';
import './time-budget';
import './input-guard';
import './sealed-cursors';
import './global-ids';
import './loaded-scalars';
import { ConflictError, ForbiddenError, NotFoundError, QuotaExceededError, ValidationError } from './errors';

/** What a create, update or delete can fail with, besides validation. */
export const WRITE_ERRORS = [NotFoundError, ConflictError, ForbiddenError, QuotaExceededError];
import { BigIntScalar } from './bigint-scalar';
import { DateScalar, DateTimeScalar, JsonObjectScalar, JsonScalar } from './scalars';
import { prismaFor } from './tenant';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-size';

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: AuthScopes;
  AuthContexts: AuthContexts;
  PrismaTypes: PrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    Date: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: unknown };
    BigInt: { Input: bigint; Output: bigint | number };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  // Fields are non-null unless they say otherwise: clients should not null-check what is
  // always there.
  defaultFieldNullability: false,
  // Order matters (each wraps those after it): the errors plugin must wrap the others (so errors
  // thrown while Prisma loads, or by a failed scope, become union members), and database errors
  // are mapped before it sees them. Inputs are checked and cursors opened before the scopes (as
  // they were when resolvers checked the tenant themselves), ids are decoded after them. A
  // scalar column the row already holds is answered before plugin-prisma looks it up
  // (loaded-scalars.ts).
  plugins: [
    ErrorsPlugin,
    'databaseErrors',
    'inputGuard',
    'timeBudget',
    'sealedCursors',
    ScopeAuthPlugin,
    'globalIds',
    'loadedScalars',
    PrismaPlugin,
    RelayPlugin,
  ],
  scopeAuth: {
    authScopes: authScopesOf,
    unauthorizedError,
    // Subscriptions are authorised once, when they start (a socket's viewer never changes).
    authorizeOnSubscribe: true,
  },
  prisma: {
    client: (ctx) => prismaFor(ctx),
    dmmf: getDatamodel(),
    // `///` comments in schema.prisma become GraphQL descriptions.
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    // Page sizes are clamped on the server, whatever `first`/`last` say.
    maxConnectionSize: MAX_PAGE_SIZE,
    defaultConnectionSize: DEFAULT_PAGE_SIZE,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    nodesOnConnection: true,
    // node and nodes are defined in node.ts, to turn bad ids into null rather than errors.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
  errors: {
    // Every field with `errors` can fail validation; the rest is listed per field
    // (WRITE_ERRORS for ordinary mutations) so that unions name only what can happen.
    defaultTypes: [ValidationError],
    defaultResultOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Success` },
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
  },
});

builder.addScalarType('DateTime', DateTimeScalar, {});
builder.addScalarType('Date', DateScalar, {});
builder.addScalarType('JSON', JsonScalar, {});
builder.addScalarType('JSONObject', JsonObjectScalar, {});
builder.addScalarType('BigInt', BigIntScalar, {});

// A partner key needs READ for any query field and WRITE for any mutation field.
builder.queryType({ authScopes: { keyScope: 'read' } });
builder.mutationType({ authScopes: { keyScope: 'write' } });
builder.subscriptionType({});
