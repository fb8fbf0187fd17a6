/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation CreateProgram($input: CreateProgramInput!) {\n  createProgram(input: $input) {\n    __typename\n    ... on CreateProgramSuccess {\n      data {\n        id\n        name\n        status\n        version\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}": typeof types.CreateProgramDocument,
    "mutation LogIn($email: String!, $password: String!) {\n  logIn(email: $email, password: $password) {\n    __typename\n    ... on AuthPayload {\n      accessToken\n      refreshToken\n      creator {\n        id\n        email\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}": typeof types.LogInDocument,
    "query Me {\n  me {\n    id\n    email\n    firstName\n    lastName\n    companyName\n    subscriptionTier\n  }\n}": typeof types.MeDocument,
    "query Programs($filter: ProgramFilter, $first: Int, $after: String) {\n  programs(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      version\n      publishedAt\n      enrollmentCount\n      enrollmentStats {\n        active\n        completed\n        total\n      }\n    }\n  }\n}": typeof types.ProgramsDocument,
    "mutation PublishProgram($id: ID!) {\n  publishProgram(id: $id) {\n    __typename\n    ... on PublishProgramSuccess {\n      data {\n        id\n        status\n        version\n        publishedAt\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}": typeof types.PublishProgramDocument,
    "query Users($filter: UserFilter, $orderBy: UserOrder, $first: Int, $after: String) {\n  users(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      displayName\n      channel\n      lastActiveAt\n      pointsTotal\n    }\n  }\n}": typeof types.UsersDocument,
    "query Health {\n  health {\n    status\n    databaseReachable\n  }\n}": typeof types.HealthDocument,
};
const documents: Documents = {
    "mutation CreateProgram($input: CreateProgramInput!) {\n  createProgram(input: $input) {\n    __typename\n    ... on CreateProgramSuccess {\n      data {\n        id\n        name\n        status\n        version\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}": types.CreateProgramDocument,
    "mutation LogIn($email: String!, $password: String!) {\n  logIn(email: $email, password: $password) {\n    __typename\n    ... on AuthPayload {\n      accessToken\n      refreshToken\n      creator {\n        id\n        email\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}": types.LogInDocument,
    "query Me {\n  me {\n    id\n    email\n    firstName\n    lastName\n    companyName\n    subscriptionTier\n  }\n}": types.MeDocument,
    "query Programs($filter: ProgramFilter, $first: Int, $after: String) {\n  programs(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      version\n      publishedAt\n      enrollmentCount\n      enrollmentStats {\n        active\n        completed\n        total\n      }\n    }\n  }\n}": types.ProgramsDocument,
    "mutation PublishProgram($id: ID!) {\n  publishProgram(id: $id) {\n    __typename\n    ... on PublishProgramSuccess {\n      data {\n        id\n        status\n        version\n        publishedAt\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}": types.PublishProgramDocument,
    "query Users($filter: UserFilter, $orderBy: UserOrder, $first: Int, $after: String) {\n  users(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      displayName\n      channel\n      lastActiveAt\n      pointsTotal\n    }\n  }\n}": types.UsersDocument,
    "query Health {\n  health {\n    status\n    databaseReachable\n  }\n}": types.HealthDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateProgram($input: CreateProgramInput!) {\n  createProgram(input: $input) {\n    __typename\n    ... on CreateProgramSuccess {\n      data {\n        id\n        name\n        status\n        version\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}"): (typeof documents)["mutation CreateProgram($input: CreateProgramInput!) {\n  createProgram(input: $input) {\n    __typename\n    ... on CreateProgramSuccess {\n      data {\n        id\n        name\n        status\n        version\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation LogIn($email: String!, $password: String!) {\n  logIn(email: $email, password: $password) {\n    __typename\n    ... on AuthPayload {\n      accessToken\n      refreshToken\n      creator {\n        id\n        email\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}"): (typeof documents)["mutation LogIn($email: String!, $password: String!) {\n  logIn(email: $email, password: $password) {\n    __typename\n    ... on AuthPayload {\n      accessToken\n      refreshToken\n      creator {\n        id\n        email\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    email\n    firstName\n    lastName\n    companyName\n    subscriptionTier\n  }\n}"): (typeof documents)["query Me {\n  me {\n    id\n    email\n    firstName\n    lastName\n    companyName\n    subscriptionTier\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Programs($filter: ProgramFilter, $first: Int, $after: String) {\n  programs(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      version\n      publishedAt\n      enrollmentCount\n      enrollmentStats {\n        active\n        completed\n        total\n      }\n    }\n  }\n}"): (typeof documents)["query Programs($filter: ProgramFilter, $first: Int, $after: String) {\n  programs(filter: $filter, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      version\n      publishedAt\n      enrollmentCount\n      enrollmentStats {\n        active\n        completed\n        total\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PublishProgram($id: ID!) {\n  publishProgram(id: $id) {\n    __typename\n    ... on PublishProgramSuccess {\n      data {\n        id\n        status\n        version\n        publishedAt\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}"): (typeof documents)["mutation PublishProgram($id: ID!) {\n  publishProgram(id: $id) {\n    __typename\n    ... on PublishProgramSuccess {\n      data {\n        id\n        status\n        version\n        publishedAt\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Users($filter: UserFilter, $orderBy: UserOrder, $first: Int, $after: String) {\n  users(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      displayName\n      channel\n      lastActiveAt\n      pointsTotal\n    }\n  }\n}"): (typeof documents)["query Users($filter: UserFilter, $orderBy: UserOrder, $first: Int, $after: String) {\n  users(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      displayName\n      channel\n      lastActiveAt\n      pointsTotal\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Health {\n  health {\n    status\n    databaseReachable\n  }\n}"): (typeof documents)["query Health {\n  health {\n    status\n    databaseReachable\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;