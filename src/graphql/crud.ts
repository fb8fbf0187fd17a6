// The shapes every module repeats, written once.
import { builder, WRITE_ERRORS } from './builder';
import type { Context } from './context';
import { requireTenant, tenantPrisma } from './guards';
import { fromGlobalId } from './ids';
import { prismaFor } from './tenant';

type Deletable = { delete(args: { where: { id: string }; select: { id: true } }): Promise<unknown> };

/**
 * `name(id: ID!)`: deletes one row of `model` in the caller's tenant and returns the deleted
 * id. Another tenant's id, or a missing one, is NOT_FOUND.
 */
export function deleteMutation(name: string, typename: string, model: string, description?: string): void {
  builder.mutationField(name, (t) =>
    t.field({
      type: 'ID',
      description,
      errors: { types: WRITE_ERRORS },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        requireTenant(ctx);
        const id = fromGlobalId(String(args.id), typename, 'id');
        await (prismaFor(ctx) as unknown as Record<string, Deletable>)[model]!.delete({
          where: { id },
          select: { id: true },
        });
        return String(args.id);
      },
    }),
  );
}

type Listable = { findMany(args: object): Promise<unknown[]>; count(args: object): Promise<number> };

/**
 * The `resolve` and `totalCount` of a root connection over `model` in the caller's tenant:
 * both require a tenant, both apply the same `where`, and the list is in a stable order
 * (end `orderBy` with a unique column so cursors never skip or repeat rows).
 */
export function tenantList<Args>(model: string, where: (args: Args) => object, orderBy: object[]) {
  const delegate = (ctx: Context) => (tenantPrisma(ctx) as unknown as Record<string, Listable>)[model]!;
  return {
    totalCount: (_connection: unknown, args: Args, ctx: Context) => delegate(ctx).count({ where: where(args) }),
    resolve: (query: object, _root: unknown, args: Args, ctx: Context) =>
      delegate(ctx).findMany({ ...query, where: where(args), orderBy }) as Promise<never[]>,
  };
}
