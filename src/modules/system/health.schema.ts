import { builder } from '../../graphql/builder';

const Health = builder.objectRef<{ databaseReachable: boolean }>('Health').implement({
  description: 'Whether this server can answer. Needs no credentials.',
  fields: (t) => ({
    status: t.string({ resolve: (h) => (h.databaseReachable ? 'ok' : 'degraded') }),
    databaseReachable: t.exposeBoolean('databaseReachable'),
  }),
});

builder.queryField('health', (t) =>
  t.field({
    type: Health,
    resolve: async (_root, _args, ctx) => {
      try {
        await ctx.db.ping();
        return { databaseReachable: true };
      } catch {
        return { databaseReachable: false };
      }
    },
  }),
);
