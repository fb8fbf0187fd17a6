// User.pointsTotal: the gamification module's field on the users module's type.
import { builder } from '../../graphql/builder';
import { pointsFor } from './points.loader';

builder.prismaObjectField('User', 'pointsTotal', (t) =>
  t.field({
    type: 'BigInt',
    description: 'Sum of the points of all achievements (64-bit: it can pass 2^31).',
    resolve: (user, _args, ctx) => pointsFor(ctx).load(user.id),
  }),
);
