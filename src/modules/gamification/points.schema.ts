// User.pointsTotal: the gamification module's field on the users module's type.
//
// It selects the virtual column `pointsTotal` (points.loader.ts): when the user's read is compiled
// to one statement (src/db/sql-read), the total comes with the row and costs no statement of its
// own. Otherwise (SQL_READS=off, a read Prisma runs, a user no plan loaded) the row has no such
// key and the DataLoader batches every total of the request into one grouped query, as before.
// The fallback below keeps plugin-prisma from re-reading a user it did not load just for this
// field (its default, one findUniqueOrThrow per row): the loader needs only the id.
import { tenantOf } from '../../auth/viewer';
import { builder } from '../../graphql/builder';
import type { Context } from '../../graphql/context';
import { pointsFor, POINTS_TOTAL } from './points.loader';

builder.prismaObjectField('User', 'pointsTotal', (t) => {
  const resolve = (user: { id: string }, ctx: Parameters<typeof pointsFor>[0]): bigint | Promise<bigint> =>
    (user as { [POINTS_TOTAL]?: bigint })[POINTS_TOTAL] ?? pointsFor(ctx).load(user.id);
  return t.field({
    type: 'BigInt',
    description: 'Sum of the points of all achievements (64-bit: it can pass 2^31).',
    // A key no Prisma model has (the select's type cannot name it), asked for only where the
    // read goes through a tenant client, which compiles it or strips it for Prisma: a request
    // without a tenant reads through the bare client, where Prisma would reject the key.
    select: ((_args: unknown, ctx: Context) => (tenantOf(ctx.viewer) ? { [POINTS_TOTAL]: true } : {})) as never,
    extensions: {
      pothosPrismaFallback: (
        _query: unknown,
        user: { id: string },
        _args: unknown,
        ctx: Parameters<typeof pointsFor>[0],
      ) => resolve(user, ctx),
    },
    resolve: (user, _args, ctx) => resolve(user, ctx),
  });
});
