// Points per user, batched: every `pointsTotal` in one request is one grouped query, whatever
// the number of users on the page. Created per request (createContextCache), always reading
// through that request's tenant client; batching only, no cache, because a subscription reuses
// its context for every event and must see current numbers.
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { prismaFor } from '../../graphql/tenant';
import type { Context } from '../../server/context';

export const pointsFor = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, number>(async (userIds) => {
      const sums = await prismaFor(ctx).achievement.groupBy({ by: ['userId'], where: { userId: { in: [...userIds] } }, _sum: { points: true } });
      const byUser = new Map(sums.map((s) => [s.userId, s._sum.points ?? 0]));
      return userIds.map((id) => byUser.get(id) ?? 0);
    }, { cache: false }),
);
