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
    "query PartnerProgramEnrollments($programId: ID!, $status: EnrollmentStatus, $first: Int = 50, $after: String) {\n  enrollments(\n    filter: {programId: $programId, status: $status}\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      status\n      progress\n      currentStep\n      programVersion\n      enrolledAt\n      completedAt\n      lastActivityAt\n      user {\n        id\n        externalId\n        channel\n      }\n    }\n  }\n}": typeof types.PartnerProgramEnrollmentsDocument,
    "query PartnerPrograms($first: Int = 50, $after: String) {\n  programs(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      version\n    }\n  }\n}": typeof types.PartnerProgramsDocument,
    "mutation PartnerRecordInteraction($input: RecordInteractionInput!) {\n  recordInteraction(input: $input) {\n    __typename\n    ... on RecordInteractionSuccess {\n      data {\n        id\n        interactionType\n        interactionData\n        createdAt\n        user {\n          id\n          lastActiveAt\n        }\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}": typeof types.PartnerRecordInteractionDocument,
    "mutation PartnerUpsertUser($input: UpsertUserByExternalIdInput!) {\n  upsertUserByExternalId(input: $input) {\n    __typename\n    ... on UpsertUserByExternalIdSuccess {\n      data {\n        created\n        user {\n          id\n          channel\n          externalId\n          displayName\n          email\n          timezone\n          language\n          isActive\n          updatedAt\n        }\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}": typeof types.PartnerUpsertUserDocument,
    "query PartnerUserChanges($after: String, $first: Int) {\n  userChanges(after: $after, first: $first) {\n    cursor\n    hasMore\n    users {\n      id\n      channel\n      externalId\n      displayName\n      email\n      timezone\n      language\n      isActive\n      lastActiveAt\n      createdAt\n      updatedAt\n    }\n  }\n}": typeof types.PartnerUserChangesDocument,
    "query PartnerUserRewards($userId: ID!, $first: Int = 50) {\n  user(id: $userId) {\n    id\n    externalId\n    pointsTotal\n    badges(first: $first) {\n      totalCount\n      nodes {\n        id\n        earnedAt\n        badge {\n          id\n          name\n          description\n        }\n      }\n    }\n    achievements(first: $first) {\n      totalCount\n      nodes {\n        id\n        achievementType\n        points\n        earnedAt\n      }\n    }\n  }\n}": typeof types.PartnerUserRewardsDocument,
};
const documents: Documents = {
    "query PartnerProgramEnrollments($programId: ID!, $status: EnrollmentStatus, $first: Int = 50, $after: String) {\n  enrollments(\n    filter: {programId: $programId, status: $status}\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      status\n      progress\n      currentStep\n      programVersion\n      enrolledAt\n      completedAt\n      lastActivityAt\n      user {\n        id\n        externalId\n        channel\n      }\n    }\n  }\n}": types.PartnerProgramEnrollmentsDocument,
    "query PartnerPrograms($first: Int = 50, $after: String) {\n  programs(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      version\n    }\n  }\n}": types.PartnerProgramsDocument,
    "mutation PartnerRecordInteraction($input: RecordInteractionInput!) {\n  recordInteraction(input: $input) {\n    __typename\n    ... on RecordInteractionSuccess {\n      data {\n        id\n        interactionType\n        interactionData\n        createdAt\n        user {\n          id\n          lastActiveAt\n        }\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}": types.PartnerRecordInteractionDocument,
    "mutation PartnerUpsertUser($input: UpsertUserByExternalIdInput!) {\n  upsertUserByExternalId(input: $input) {\n    __typename\n    ... on UpsertUserByExternalIdSuccess {\n      data {\n        created\n        user {\n          id\n          channel\n          externalId\n          displayName\n          email\n          timezone\n          language\n          isActive\n          updatedAt\n        }\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}": types.PartnerUpsertUserDocument,
    "query PartnerUserChanges($after: String, $first: Int) {\n  userChanges(after: $after, first: $first) {\n    cursor\n    hasMore\n    users {\n      id\n      channel\n      externalId\n      displayName\n      email\n      timezone\n      language\n      isActive\n      lastActiveAt\n      createdAt\n      updatedAt\n    }\n  }\n}": types.PartnerUserChangesDocument,
    "query PartnerUserRewards($userId: ID!, $first: Int = 50) {\n  user(id: $userId) {\n    id\n    externalId\n    pointsTotal\n    badges(first: $first) {\n      totalCount\n      nodes {\n        id\n        earnedAt\n        badge {\n          id\n          name\n          description\n        }\n      }\n    }\n    achievements(first: $first) {\n      totalCount\n      nodes {\n        id\n        achievementType\n        points\n        earnedAt\n      }\n    }\n  }\n}": types.PartnerUserRewardsDocument,
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
export function graphql(source: "query PartnerProgramEnrollments($programId: ID!, $status: EnrollmentStatus, $first: Int = 50, $after: String) {\n  enrollments(\n    filter: {programId: $programId, status: $status}\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      status\n      progress\n      currentStep\n      programVersion\n      enrolledAt\n      completedAt\n      lastActivityAt\n      user {\n        id\n        externalId\n        channel\n      }\n    }\n  }\n}"): (typeof documents)["query PartnerProgramEnrollments($programId: ID!, $status: EnrollmentStatus, $first: Int = 50, $after: String) {\n  enrollments(\n    filter: {programId: $programId, status: $status}\n    first: $first\n    after: $after\n  ) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      status\n      progress\n      currentStep\n      programVersion\n      enrolledAt\n      completedAt\n      lastActivityAt\n      user {\n        id\n        externalId\n        channel\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PartnerPrograms($first: Int = 50, $after: String) {\n  programs(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      version\n    }\n  }\n}"): (typeof documents)["query PartnerPrograms($first: Int = 50, $after: String) {\n  programs(first: $first, after: $after) {\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      name\n      status\n      version\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PartnerRecordInteraction($input: RecordInteractionInput!) {\n  recordInteraction(input: $input) {\n    __typename\n    ... on RecordInteractionSuccess {\n      data {\n        id\n        interactionType\n        interactionData\n        createdAt\n        user {\n          id\n          lastActiveAt\n        }\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}"): (typeof documents)["mutation PartnerRecordInteraction($input: RecordInteractionInput!) {\n  recordInteraction(input: $input) {\n    __typename\n    ... on RecordInteractionSuccess {\n      data {\n        id\n        interactionType\n        interactionData\n        createdAt\n        user {\n          id\n          lastActiveAt\n        }\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PartnerUpsertUser($input: UpsertUserByExternalIdInput!) {\n  upsertUserByExternalId(input: $input) {\n    __typename\n    ... on UpsertUserByExternalIdSuccess {\n      data {\n        created\n        user {\n          id\n          channel\n          externalId\n          displayName\n          email\n          timezone\n          language\n          isActive\n          updatedAt\n        }\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}"): (typeof documents)["mutation PartnerUpsertUser($input: UpsertUserByExternalIdInput!) {\n  upsertUserByExternalId(input: $input) {\n    __typename\n    ... on UpsertUserByExternalIdSuccess {\n      data {\n        created\n        user {\n          id\n          channel\n          externalId\n          displayName\n          email\n          timezone\n          language\n          isActive\n          updatedAt\n        }\n      }\n    }\n    ... on Error {\n      code\n      message\n    }\n    ... on ValidationError {\n      fields {\n        path\n        message\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PartnerUserChanges($after: String, $first: Int) {\n  userChanges(after: $after, first: $first) {\n    cursor\n    hasMore\n    users {\n      id\n      channel\n      externalId\n      displayName\n      email\n      timezone\n      language\n      isActive\n      lastActiveAt\n      createdAt\n      updatedAt\n    }\n  }\n}"): (typeof documents)["query PartnerUserChanges($after: String, $first: Int) {\n  userChanges(after: $after, first: $first) {\n    cursor\n    hasMore\n    users {\n      id\n      channel\n      externalId\n      displayName\n      email\n      timezone\n      language\n      isActive\n      lastActiveAt\n      createdAt\n      updatedAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PartnerUserRewards($userId: ID!, $first: Int = 50) {\n  user(id: $userId) {\n    id\n    externalId\n    pointsTotal\n    badges(first: $first) {\n      totalCount\n      nodes {\n        id\n        earnedAt\n        badge {\n          id\n          name\n          description\n        }\n      }\n    }\n    achievements(first: $first) {\n      totalCount\n      nodes {\n        id\n        achievementType\n        points\n        earnedAt\n      }\n    }\n  }\n}"): (typeof documents)["query PartnerUserRewards($userId: ID!, $first: Int = 50) {\n  user(id: $userId) {\n    id\n    externalId\n    pointsTotal\n    badges(first: $first) {\n      totalCount\n      nodes {\n        id\n        earnedAt\n        badge {\n          id\n          name\n          description\n        }\n      }\n    }\n    achievements(first: $first) {\n      totalCount\n      nodes {\n        id\n        achievementType\n        points\n        earnedAt\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;