// Inputs are refused at the edge when PostgreSQL could not store them (issue 17): a NUL (U+0000)
// in any string fails there with SQLSTATE 22021 (text) or 22P05 (jsonb), and an unpaired UTF-16
// surrogate either fails in jsonb (22P02: Prisma sends it as a "\ud800" escape) or is silently
// stored as U+FFFD in text (node encodes it so). A JSON number past the double range (1e999
// parses as Infinity) was silently stored as null. Either way the client's mistake became a 500
// or a quiet change of its data. A JSON object key "__proto__" (JSON.parse makes it an own key)
// is refused too: Prisma's JSON parameterization assigns it, which replaces the object's
// prototype instead of storing the key (a TypeError, a 500, found by the fuzz test); no layer
// between here and PostgreSQL can be trusted to carry it. Here each is a ValidationError naming the argument path
// (input.profileData.a.0.b), a member of the field's result union where it has one. (GraphQL's
// own Float and Int already refuse non-finite numbers; only JSON values can hold one.)
//
// Every field with arguments is guarded, at any depth: resolve for queries and mutations,
// subscribe for subscriptions (their per-event resolve reuses the same arguments). This runs on
// every such field, so the walk is one pass over the coerced arguments that allocates nothing
// unless it finds a problem.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import { ValidationError, type FieldProblem } from './errors';

// A NUL, a high surrogate not followed by a low one, or a low one not preceded by a high one.
// eslint-disable-next-line no-control-regex -- NUL is what this refuses (PostgreSQL text cannot store it)
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const MAX_PROBLEMS = 20;

function problemOf(text: string): string {
  return text.includes('\u0000')
    ? 'must not contain NUL (U+0000) characters'
    : 'must not contain unpaired surrogates (invalid Unicode)';
}

/** Whether anything under `value` is unstorable: the fast pass, which allocates nothing. */
function anyUnstorable(value: unknown): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value);
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null || value instanceof Date) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (anyUnstorable(value[i])) return true;
    return false;
  }
  for (const key in value) {
    if (key === '__proto__' || UNSTORABLE.test(key) || anyUnstorable((value as Record<string, unknown>)[key]))
      return true;
  }
  return false;
}

/** The problems under `value`, at `path`: the slow pass, only once the fast one found some. */
function collect(value: unknown, path: string, out: FieldProblem[]): void {
  if (out.length >= MAX_PROBLEMS) return;
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) out.push({ path, message: problemOf(value) });
    return;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push({ path, message: 'must be a finite number' });
    return;
  }
  if (typeof value !== 'object' || value === null || value instanceof Date) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => collect(item, `${path}.${i}`, out));
    return;
  }
  for (const key in value) {
    // A bad key is reported at the object holding it: the key itself cannot be printed.
    if (key === '__proto__') out.push({ path, message: 'has the key "__proto__", which cannot be stored (rename it)' });
    else if (UNSTORABLE.test(key)) out.push({ path, message: `has a key that ${problemOf(key)}` });
    else collect((value as Record<string, unknown>)[key], `${path}.${key}`, out);
  }
}

/** The arguments' problems, or undefined when they are clean. */
export function unstorableInput(args: Record<string, unknown>): FieldProblem[] | undefined {
  try {
    if (!anyUnstorable(args)) return undefined;
    const out: FieldProblem[] = [];
    for (const name in args) collect(args[name], name, out);
    return out;
  } catch (error) {
    // JSON nested deeper than the stack allows (the JSON scalars refuse most such values first).
    if (error instanceof RangeError)
      return [{ path: Object.keys(args)[0] ?? 'input', message: 'is nested too deeply' }];
    throw error;
  }
}

const guard = (fieldConfig: { args: object }): boolean => Object.keys(fieldConfig.args).length > 0;

export class InputGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    // A subscription's arguments were checked when it started.
    if (!guard(fieldConfig) || fieldConfig.parentType === 'Subscription') return resolver;
    return (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof resolver>[3]) => {
      const problems = unstorableInput(args as Record<string, unknown>);
      if (problems) throw new ValidationError(problems);
      return resolver(parent, args, context, info);
    };
  }

  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types['Context'], object> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ) {
    if (!subscribe || !guard(fieldConfig)) return subscribe;
    return (parent: unknown, args: object, context: Types['Context'], info: Parameters<typeof subscribe>[3]) => {
      const problems = unstorableInput(args as Record<string, unknown>);
      if (problems) throw new ValidationError(problems);
      return subscribe(parent, args, context, info);
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      inputGuard: InputGuardPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('inputGuard', InputGuardPlugin);
