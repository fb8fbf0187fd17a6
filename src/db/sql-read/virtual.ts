// Virtual columns: a key a GraphQL field adds to its parent's Prisma `select` (plugin-prisma's
// field-level `select`), which no Prisma model has. A compiled read (compile.ts) computes it in the
// same statement, with the SQL its module registered; every read that Prisma runs instead gets the
// args without it (stripVirtual), and the field's resolver, finding no value on the row, falls
// back to its own loader. The SQL is the registering module's code, never anything from a request.
import type { SqlModels } from './model';

export interface VirtualColumn {
  /** An SQL expression of the row at `alias` (a correlated subquery, say). */
  sql(alias: string): string;
  /** How its JSON value becomes the row's value: BigInt from text, or as it is. */
  type: 'BigInt' | 'Json';
}

const virtuals = new Map<string, Map<string, VirtualColumn>>();

/** Registers `name` as a virtual column of `model` (once, when a schema module loads). */
export function defineVirtualColumn(model: string, name: string, column: VirtualColumn): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`sql-read: bad virtual column name ${name}`);
  let perModel = virtuals.get(model);
  if (!perModel) virtuals.set(model, (perModel = new Map<string, VirtualColumn>()));
  perModel.set(name, column);
}

export function virtualColumn(model: string, name: string): VirtualColumn | undefined {
  return virtuals.get(model)?.get(name);
}

type Selection = { select?: Record<string, unknown>; include?: Record<string, unknown> };

/**
 * `args` without any virtual column, at any depth, for Prisma; `args` itself (no copy) when it has
 * none, which is every read of a model without virtual columns below it.
 */
export function stripVirtual<T>(models: SqlModels, model: string, args: T): T {
  if (virtuals.size === 0 || !args || typeof args !== 'object') return args;
  return stripSelection(models, model, args) as T;
}

function stripSelection(models: SqlModels, model: string, args: Selection): Selection {
  let out = args;
  for (const key of ['select', 'include'] as const) {
    const map = args[key];
    if (!map || typeof map !== 'object') continue;
    const next = stripMap(models, model, map);
    if (next !== map) out = { ...out, [key]: next };
  }
  return out;
}

function stripMap(models: SqlModels, model: string, map: Record<string, unknown>): Record<string, unknown> {
  const own = virtuals.get(model);
  const fields = models.get(model)?.fields;
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(map)) {
    if (own?.has(key)) {
      out ??= { ...map };
      delete out[key];
      continue;
    }
    const field = fields?.get(key);
    if (field?.kind !== 'relation' || !value || typeof value !== 'object') continue;
    const next = stripSelection(models, field.type, value);
    if (next !== value) (out ??= { ...map })[key] = next;
  }
  return out ?? map;
}
