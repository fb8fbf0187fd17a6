// A Prisma read (the args plugin-prisma computes for a GraphQL selection) as ONE SQL
// statement that returns the rows Prisma would return: each relation a LEFT JOIN LATERAL, a
// to-many relation's page limited inside its lateral before anything is joined to it or turned
// into JSON, the JSON built by PostgreSQL, one `r` column per root row. Prisma loads one relation
// level per statement instead (bench/NOTES.md; issue 21).
//
// What reaches the text: table and column names from the Prisma datamodel (model.ts), the model's
// field names as JSON keys, fixed keywords, and the registered virtual columns' SQL (virtual.ts).
// Every value of the args (where values, take, skip) is a $n parameter, so one shape of selection
// is one text, one prepared statement, whatever the ids and page sizes.
//
// Anything outside the supported subset makes compileRead return undefined and the read goes to
// Prisma unchanged: other operations (*OrThrow included, so Prisma's not-found errors stay),
// cursor, distinct, omit, a negative take, filters other than equality/in/null/comparisons and
// AND, relation or aggregate ordering, Decimal/Bytes/non-String lists, _count: true, more than 50
// keys in one object (json_build_object takes at most 100 arguments). `count({ where })` (a root
// connection's totalCount) compiles to one count(*). Flat reads compile too:
// skipping Prisma's engine for one row cost 21% less CPU and 38% less PostgreSQL CPU on the
// bench's Q1 (bench/NOTES.md).
import { emptyPlan, planNeedsWork, type HydratePlan } from './hydrate';
import type { RelationField, SqlModel, SqlModels } from './model';
import { virtualColumn } from './virtual';

export interface CompiledRead {
  text: string;
  values: unknown[];
  /** findUnique/findFirst: the first row or null; findMany: every row. */
  single: boolean;
  plan: HydratePlan;
}

class Unsupported extends Error {}

const OPERATIONS = new Set(['findUnique', 'findFirst', 'findMany', 'count']);
const ROOT_KEYS = new Set(['select', 'include', 'where', 'orderBy', 'take', 'skip']);
const NESTED_KEYS = new Set(['select', 'include', 'where', 'orderBy', 'take', 'skip']);
const COMPARISONS: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };
const MAX_PAIRS = 50;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** A JSON key: a field name of the datamodel or a registered virtual column, never request data. */
const key = (name: string) => `'${name.replace(/'/g, "''")}'`;

type Args = Record<string, unknown>;

const isObject = (v: unknown): v is Args => typeof v === 'object' && v !== null && !Array.isArray(v);

export function compileRead(
  models: SqlModels,
  modelName: string,
  operation: string,
  args: unknown,
): CompiledRead | undefined {
  if (!OPERATIONS.has(operation)) return undefined;
  const model = models.get(modelName);
  if (!model || (args !== undefined && !isObject(args))) return undefined;
  const a = args ?? {};
  if (operation === 'count') {
    // A root connection's totalCount: `count({ where })`, nothing else (a select, a window or a
    // cursor changes what Prisma counts or returns).
    for (const k of Object.keys(a)) if (a[k] !== undefined && k !== 'where') return undefined;
    try {
      return new Compiler(models).countRows(model, a);
    } catch (e) {
      if (e instanceof Unsupported) return undefined;
      throw e;
    }
  }
  for (const k of Object.keys(a)) if (a[k] !== undefined && !ROOT_KEYS.has(k)) return undefined;
  const single = operation !== 'findMany';
  if (operation === 'findUnique' && (!isObject(a.where) || a.where.id === undefined)) return undefined;
  if (single && a.take !== undefined) return undefined;
  try {
    return new Compiler(models).root(model, a, single);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

class Compiler {
  readonly values: unknown[] = [];
  private aliases = 0;

  constructor(private readonly models: SqlModels) {}

  root(model: SqlModel, args: Args, single: boolean): CompiledRead | undefined {
    const a = this.alias();
    const plan = emptyPlan();
    const laterals: string[] = [];
    const obj = this.object(model, a, args, laterals, plan);
    const conds = this.where(model, a, args.where);
    const ord = this.orderBy(model, a, args.orderBy);
    const page = single ? ` LIMIT 1${this.offset(args.skip)}` : this.page(args.take, args.skip);
    const inner = `SELECT * FROM ${ident(model.table)} ${a}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}${ord ? ` ORDER BY ${ord}` : ''}${page}`;
    const text = `SELECT ${obj} AS r FROM (${inner}) ${a}${laterals.map((l) => ` ${l}`).join('')}${ord && !single ? ` ORDER BY ${ord}` : ''}`;
    return { text, values: this.values, single, plan };
  }

  /** `count({ where })`: one number, as Prisma returns it (exact as a double up to 2^53 rows). */
  countRows(model: SqlModel, args: Args): CompiledRead {
    const a = this.alias();
    const conds = this.where(model, a, args.where);
    const text = `SELECT count(*)::float8 AS r FROM ${ident(model.table)} ${a}${conds.length ? ` WHERE ${conds.join(' AND ')}` : ''}`;
    return { text, values: this.values, single: true, plan: emptyPlan() };
  }

  private alias(): string {
    return `t${this.aliases++}`;
  }

  private param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  private count(n: unknown): string {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Unsupported('take/skip');
    return this.param(n);
  }

  private offset(skip: unknown): string {
    return skip === undefined ? '' : ` OFFSET ${this.count(skip)}`;
  }

  private page(take: unknown, skip: unknown): string {
    return `${take === undefined ? '' : ` LIMIT ${this.count(take)}`}${this.offset(skip)}`;
  }

  /** The JSON object of one row of `model` at alias `a`, as `args` (select or include) asks. */
  private object(model: SqlModel, a: string, args: Args, laterals: string[], plan: HydratePlan): string {
    const pairs: string[] = [];
    const scalar = (name: string) => {
      const field = model.fields.get(name);
      if (field?.kind !== 'scalar' || !field.supported) throw new Unsupported(`field ${name}`);
      const col = `${a}.${ident(field.column)}`;
      if (field.type === 'BigInt') {
        plan.bigints.push(name);
        pairs.push(`${key(name)}, ${col}::text`);
        return;
      }
      if (field.type === 'DateTime') plan.dates.push(name);
      if (field.type === 'Float') plan.floats.push(name);
      pairs.push(`${key(name)}, ${col}`);
    };
    let entries: [string, unknown][];
    if (isObject(args.select)) {
      if (args.include !== undefined) throw new Unsupported('select and include');
      entries = Object.entries(args.select);
    } else {
      if (args.select !== undefined || (args.include !== undefined && !isObject(args.include)))
        throw new Unsupported('selection');
      for (const f of model.scalars) scalar(f.name);
      entries = Object.entries(args.include ?? {});
    }
    for (const [name, value] of entries) {
      if (value === undefined || value === false) continue;
      if (name === '_count') {
        pairs.push(`'_count', ${this.counts(model, a, value)}`);
        continue;
      }
      const virtual = virtualColumn(model.name, name);
      if (virtual) {
        if (value !== true) throw new Unsupported(`virtual ${name}`);
        if (virtual.type === 'BigInt') plan.bigints.push(name);
        pairs.push(`${key(name)}, ${virtual.sql(a)}`);
        continue;
      }
      const field = model.fields.get(name);
      if (field?.kind === 'relation') {
        pairs.push(`${key(name)}, ${this.relation(model, field, a, value, laterals, plan)}`);
        continue;
      }
      if (value !== true) throw new Unsupported(`select ${name}`);
      scalar(name);
    }
    if (pairs.length > MAX_PAIRS) throw new Unsupported('too many keys');
    if (pairs.length === 0) throw new Unsupported('empty selection');
    return `json_build_object(${pairs.join(', ')})`;
  }

  /** `_count: { select: { rel: true | { where } } }` as correlated counts. */
  private counts(model: SqlModel, a: string, value: unknown): string {
    if (!isObject(value) || !isObject(value.select) || Object.keys(value).length !== 1)
      throw new Unsupported('_count form');
    const parts: string[] = [];
    for (const [name, spec] of Object.entries(value.select)) {
      if (spec === undefined || spec === false) continue;
      const field = model.fields.get(name);
      if (field?.kind !== 'relation' || !field.isList) throw new Unsupported(`_count ${name}`);
      if (spec !== true && !(isObject(spec) && Object.keys(spec).every((k) => k === 'where')))
        throw new Unsupported(`_count ${name} args`);
      const child = this.models.get(field.type)!;
      const c = this.alias();
      const conds = [this.join(field, a, c), ...(spec === true ? [] : this.where(child, c, spec.where))];
      parts.push(`${key(name)}, (SELECT count(*) FROM ${ident(child.table)} ${c} WHERE ${conds.join(' AND ')})`);
    }
    return `json_build_object(${parts.join(', ')})`;
  }

  private join(field: RelationField, parent: string, child: string): string {
    return field.on.map(([c, p]) => `${child}.${ident(c)} = ${parent}.${ident(p)}`).join(' AND ');
  }

  /** A relation's value, from a lateral join added to `laterals`: an array, an object or null. */
  private relation(
    parentModel: SqlModel,
    field: RelationField,
    parent: string,
    value: unknown,
    laterals: string[],
    plan: HydratePlan,
  ): string {
    const args: Args = value === true ? {} : isObject(value) ? value : {};
    if (value !== true && !isObject(value)) throw new Unsupported('relation value');
    for (const k of Object.keys(args)) if (args[k] !== undefined && !NESTED_KEYS.has(k)) throw new Unsupported(k);
    if (parentModel.fields.get(field.name) !== field) throw new Unsupported('relation');
    const child = this.models.get(field.type)!;
    const c = this.alias();
    const j = `j${c}`;
    const inner: string[] = [];
    const childPlan = emptyPlan();
    const obj = this.object(child, c, args, inner, childPlan);
    if (planNeedsWork(childPlan)) plan.relations.push({ key: field.name, plan: childPlan });
    const conds = [this.join(field, parent, c), ...this.where(child, c, args.where)].join(' AND ');
    const joined = inner.map((l) => ` ${l}`).join('');
    if (field.isList) {
      const ord = this.orderBy(child, c, args.orderBy);
      const by = ord ? ` ORDER BY ${ord}` : '';
      // The page first (LIMIT inside), then its rows' relations and JSON.
      const rows = `SELECT * FROM ${ident(child.table)} ${c} WHERE ${conds}${by}${this.page(args.take, args.skip)}`;
      laterals.push(
        `LEFT JOIN LATERAL (SELECT coalesce(json_agg(${obj}${by}), '[]'::json) AS v FROM (${rows}) ${c}${joined}) ${j} ON true`,
      );
    } else {
      if (args.take !== undefined || args.skip !== undefined || args.orderBy !== undefined)
        throw new Unsupported('to-one page');
      laterals.push(
        `LEFT JOIN LATERAL (SELECT ${obj} AS v FROM ${ident(child.table)} ${c}${joined} WHERE ${conds} LIMIT 1) ${j} ON true`,
      );
    }
    return `${j}.v`;
  }

  private where(model: SqlModel, a: string, where: unknown): string[] {
    if (where === undefined) return [];
    if (!isObject(where)) throw new Unsupported('where');
    const out: string[] = [];
    for (const [name, value] of Object.entries(where)) {
      if (value === undefined) continue;
      if (name === 'AND') {
        for (const w of Array.isArray(value) ? value : [value]) out.push(...this.where(model, a, w));
        continue;
      }
      const field = model.fields.get(name);
      if (field?.kind !== 'scalar' || !field.supported || field.type === 'Json' || field.type === 'BigInt')
        throw new Unsupported(`where ${name}`);
      const col = `${a}.${ident(field.column)}`;
      if (!isObject(value) || value instanceof Date) {
        out.push(value === null ? `${col} IS NULL` : `${col} = ${this.scalarParam(value)}`);
        continue;
      }
      for (const [op, x] of Object.entries(value)) {
        if (x === undefined) continue;
        if (op === 'equals') out.push(x === null ? `${col} IS NULL` : `${col} = ${this.scalarParam(x)}`);
        else if (op === 'in') out.push(`${col} = ANY(${this.listParam(x)})`);
        else if (op === 'not' && x === null) out.push(`${col} IS NOT NULL`);
        else if (op in COMPARISONS && x !== null) out.push(`${col} ${COMPARISONS[op]} ${this.scalarParam(x)}`);
        else throw new Unsupported(`where ${name}.${op}`);
      }
    }
    return out;
  }

  private scalarParam(value: unknown): string {
    const ok =
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (value instanceof Date && !Number.isNaN(value.getTime()));
    if (!ok) throw new Unsupported('value');
    return this.param(value);
  }

  private listParam(value: unknown): string {
    if (
      !Array.isArray(value) ||
      !value.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
    )
      throw new Unsupported('in');
    return this.param(value);
  }

  private orderBy(model: SqlModel, a: string, orderBy: unknown): string {
    if (orderBy === undefined) return '';
    const items = Array.isArray(orderBy) ? orderBy : [orderBy];
    return items
      .map((item) => {
        const entries = isObject(item) ? Object.entries(item).filter(([, v]) => v !== undefined) : [];
        if (entries.length !== 1) throw new Unsupported('orderBy item');
        const [name, spec] = entries[0]!;
        const field = model.fields.get(name);
        if (field?.kind !== 'scalar' || !field.supported || field.type === 'Json')
          throw new Unsupported(`orderBy ${name}`);
        const sort = typeof spec === 'string' ? spec : isObject(spec) ? spec.sort : undefined;
        const nulls = isObject(spec) ? spec.nulls : undefined;
        if (sort !== 'asc' && sort !== 'desc') throw new Unsupported('sort');
        if (nulls !== undefined && nulls !== 'first' && nulls !== 'last') throw new Unsupported('nulls');
        if (isObject(spec) && Object.keys(spec).some((k) => k !== 'sort' && k !== 'nulls'))
          throw new Unsupported('sort');
        return `${a}.${ident(field.column)} ${sort === 'desc' ? 'DESC' : 'ASC'}${nulls ? ` NULLS ${nulls === 'first' ? 'FIRST' : 'LAST'}` : ''}`;
      })
      .join(', ');
  }
}
