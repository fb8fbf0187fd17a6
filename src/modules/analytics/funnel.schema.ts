// A program's funnel: the type, Program.funnel (batched per request) and the subscription that
// pushes it.
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { builder } from '../../graphql/builder';
import type { Context } from '../../graphql/context';
import { NotFoundError } from '../../graphql/errors';
import { prismaFor } from '../../graphql/tenant';
import { sharedSnapshots, type Snapshot } from '../../realtime/shared';
import { EMPTY_FUNNEL, programFunnels, type Funnel } from './insights.service';

const ProgramFunnel = builder.objectRef<Funnel>('ProgramFunnel').implement({
  description: 'How far enrolled users get through a program.',
  fields: (t) => ({
    enrolled: t.exposeInt('enrolled'),
    active: t.exposeInt('active'),
    paused: t.exposeInt('paused'),
    dropped: t.exposeInt('dropped'),
    completed: t.exposeInt('completed'),
    completionRate: t.exposeFloat('completionRate', { description: 'completed / enrolled, 0 to 1.' }),
    medianSecondsToComplete: t.exposeFloat('medianSecondsToComplete', {
      nullable: true,
      description: 'Median time from enrolment to completion; null until someone completes.',
    }),
  }),
});

// One grouped query for all the programs on a page. Batching only, no cache: a subscription
// reuses its context for every event it pushes, and must not be served old numbers.
const funnelsFor = createContextCache(
  (ctx: Context) =>
    new DataLoader<string, Funnel>(
      async (ids) => {
        const funnels = await programFunnels(prismaFor(ctx), ids);
        return ids.map((id) => funnels.get(id) ?? EMPTY_FUNNEL);
      },
      { cache: false },
    ),
);

builder.prismaObjectField('Program', 'funnel', (t) =>
  t.field({ type: ProgramFunnel, resolve: (program, _args, ctx) => funnelsFor(ctx).load(program.id) }),
);

builder.subscriptionField('programStatsUpdated', (t) =>
  t.field({
    type: ProgramFunnel,
    description:
      "The program's funnel, now and again after each burst of enrollment changes (debounced: a burst of 1,000 writes gives a handful of pushes).",
    authScopes: { tenant: true },
    args: { programId: t.arg.idOf('Program', { required: true }) },
    subscribe: async (_root, { programId }, ctx) => {
      // Another tenant's program is not yours to watch: it does not exist as far as you know.
      if (!(await prismaFor(ctx).program.findUnique({ where: { id: programId }, select: { id: true } })))
        throw new NotFoundError('Program');
      // One funnel per burst for all of the tenant's watchers of this program.
      return sharedSnapshots<Funnel>(ctx, `programStatsUpdated:${programId}`, {
        match: (e) => e.entity === 'program_enrollments' && e.parent === programId,
        compute: async (c) => (await programFunnels(prismaFor(c), [programId])).get(programId) ?? EMPTY_FUNNEL,
      });
    },
    resolve: (snapshot: Snapshot<Funnel>) => snapshot.value,
  }),
);
