// Points per user, batched: every `pointsTotal` in one request is one grouped query, whatever
// the number of users on the page. Created per request (createContextCache), always reading
// through that request's tenant client; batching only, no cache, because a subscription reuses
// its context for every event and must see current numbers.
//
// The total is a bigint end to end: sum() of an int4 column is a bigint in PostgreSQL, which
// the driver hands over as a JS bigint, and the BigInt scalar sends it as a decimal string.
// (Prisma's groupBy _sum would read it back as an Int field: a JS number, inexact past 2^53.)
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { defineVirtualColumn } from '../../db/sql-read/virtual';
import { prismaFor } from '../../graphql/tenant';
import type { Context } from '../../graphql/context';

/**
 * The same total as a virtual column of User (src/db/sql-read/virtual.ts): a compiled read of a
 * user computes it in its own statement, with the same sum, as text read back as a bigint (0 for a
 * user without achievements, as below). The loader stays for every read that is not compiled.
 */
export const POINTS_TOTAL = 'pointsTotal';
defineVirtualColumn('User', POINTS_TOTAL, {
  type: 'BigInt',
  sql: (user) =>
    `(SELECT coalesce(sum(pt.points), 0)::text FROM achievements pt WHERE pt.creator_id = ${user}.creator_id AND pt.user_id = ${user}.id)`,
});

export const pointsFor = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, bigint>(
      async (userIds) => {
        const sums = await prismaFor(ctx).$queryRaw<{ userId: string; points: bigint }[]>`
        SELECT user_id::text AS "userId", sum(points) AS points
          FROM achievements WHERE user_id = ANY(${[...userIds]}::uuid[]) GROUP BY user_id`;
        const byUser = new Map(sums.map((s) => [s.userId, BigInt(s.points)]));
        return userIds.map((id) => byUser.get(id) ?? 0n);
      },
      { cache: false },
    ),
);
