import { builder } from '../../graphql/builder';
import { prismaFor } from '../../graphql/tenant';

builder.prismaObject('Creator', {
  fields: (t) => ({
    id: t.exposeID('id'),
    email: t.exposeString('email'),
    firstName: t.exposeString('firstName', { nullable: true }),
    lastName: t.exposeString('lastName', { nullable: true }),
    companyName: t.exposeString('companyName', { nullable: true }),
    subscriptionTier: t.exposeString('subscriptionTier'),
    subscriptionStatus: t.exposeString('subscriptionStatus'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'Creator',
    nullable: true,
    description: 'The signed-in creator, or null without credentials.',
    resolve: (query, _root, _args, ctx) => {
      if (ctx.viewer.kind !== 'creator') return null;
      return prismaFor(ctx).creator.findUnique({ ...query, where: { id: ctx.viewer.creatorId } });
    },
  }),
);
