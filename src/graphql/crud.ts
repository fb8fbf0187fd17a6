// The shapes every module repeats, written once.
import { builder, WRITE_ERRORS } from './builder';
import type { Context } from './context';
import { toGlobalId } from './ids';
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
      authScopes: { tenant: true },
      args: { id: t.arg.idOf(typename, { required: true }) },
      resolve: async (_root, { id }, ctx) => {
        await (prismaFor(ctx) as unknown as Record<string, Deletable>)[model]!.delete({
          where: { id },
          select: { id: true },
        });
        return toGlobalId(typename, id);
      },
    }),
  );
}

type Listable = { findMany(args: object): Promise<unknown[]>; count(args: object): Promise<number> };

/**
 * The `resolve` and `totalCount` of a root connection over `model` in the caller's tenant:
 * the field requires a tenant, both apply the same `where`, and the list is in a stable order
 * (end `orderBy` with a unique column so cursors never skip or repeat rows).
 */
export function tenantList<Args>(model: string, where: (args: Args) => object, orderBy: object[]) {
  const delegate = (ctx: Context) => (prismaFor(ctx) as unknown as Record<string, Listable>)[model]!;
  return {
    authScopes: { tenant: true } as const,
    totalCount: (_connection: unknown, args: Args, ctx: Context) => delegate(ctx).count({ where: where(args) }),
    resolve: (query: object, _root: unknown, args: Args, ctx: Context) =>
      delegate(ctx).findMany({ ...query, where: where(args), orderBy }) as Promise<never[]>,
  };
}
