// Badge criteria documents: the schema the server checks (with a path for every problem) before
// the database's own check (app.badge_criteria_valid in the badge_rules migration) sees them.
// The two must accept the same documents; test/modules/gamification/criteria-documents.test.ts holds them together.
import { ValidationError, type FieldProblem } from '../../graphql/errors';
import { fromGlobalId } from '../../graphql/ids';
import { z } from '../../graphql/validation';

const count = (max: number) =>
  z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Program global id (as the API gives them) or a raw uuid; stored as the uuid. */
const programId = z.string().transform((value, ctx) => {
  if (UUID.test(value)) return value.toLowerCase();
  try {
    return fromGlobalId(value, 'Program', 'programId');
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a Program id' });
    return z.NEVER;
  }
});

const rules = [
  z.object({ type: z.literal('program_completed'), programId }).strict(),
  z.object({ type: z.literal('programs_completed'), count: count(1_000_000) }).strict(),
  z
    .object({
      type: z.literal('interactions'),
      interactionType: z.string().regex(/^[a-z][a-z0-9_.]{0,62}$/, 'must be lower_snake_case'),
      count: count(1_000_000),
      windowDays: count(3650).optional(),
    })
    .strict(),
  z.object({ type: z.literal('messages_sent'), count: count(1_000_000) }).strict(),
  z.object({ type: z.literal('points_total'), atLeast: count(1_000_000_000) }).strict(),
  z.object({ type: z.literal('streak'), days: count(365) }).strict(),
] as const;

export type Criteria = z.infer<(typeof rules)[number]> | { allOf: Criteria[] } | { anyOf: Criteria[] };

const rule = z.discriminatedUnion('type', [...rules]);
const MAX_DEPTH = 5;
/**
 * Rules in one criteria document, counted across every allOf/anyOf level (the database's
 * app.badge_rule_count has the same bound). Each rule costs at most one indexed count when the
 * badge is evaluated, so a plan's badges x 32 bounds one evaluation; the richest real criteria
 * (a few groups of alternatives) need about ten.
 */
export const MAX_RULES_PER_CRITERIA = 32;

/** Parses one node, collecting problems with their paths; allOf/anyOf recurse. */
function parseNode(value: unknown, path: string, depth: number, problems: FieldProblem[]): Criteria | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value) && ('allOf' in value || 'anyOf' in value)) {
    const keys = Object.keys(value);
    const key = keys[0] as 'allOf' | 'anyOf';
    if (keys.length !== 1) return void problems.push({ path, message: 'allOf or anyOf must stand alone' });
    if (depth >= MAX_DEPTH)
      return void problems.push({ path, message: `nests allOf/anyOf more than ${MAX_DEPTH} deep` });
    const list = (value as Record<string, unknown>)[key];
    if (!Array.isArray(list) || list.length === 0 || list.length > 20)
      return void problems.push({ path: `${path}.${key}`, message: 'must list 1 to 20 rules' });
    const parts = list.map((part, i) => parseNode(part, `${path}.${key}.${i}`, depth + 1, problems));
    return parts.every(Boolean) ? ({ [key]: parts as Criteria[] } as Criteria) : undefined;
  }
  const result = rule.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const unknownType = issue.path.length === 0 || (issue.path[0] === 'type' && issue.path.length === 1);
    problems.push({
      path: unknownType ? path : [path, ...issue.path].join('.'),
      message: unknownType ? 'is not a known rule (see the Badge.criteria description)' : issue.message,
    });
  }
  return undefined;
}

/** The program ids a criteria document names. */
export function programIdsOf(c: Criteria): string[] {
  if ('allOf' in c) return c.allOf.flatMap(programIdsOf);
  if ('anyOf' in c) return c.anyOf.flatMap(programIdsOf);
  return c.type === 'program_completed' ? [c.programId] : [];
}

/**
 * A valid criteria document, normalised (program ids as uuids), or a ValidationError naming
 * the offending paths under `path`. `{}` means "no rule: awarded by hand only".
 */
export function parseCriteria(value: unknown, path = 'input.criteria'): Criteria | Record<string, never> {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0) return {};
  const problems: FieldProblem[] = [];
  const parsed = parseNode(value, path, 0, problems);
  if (!parsed || problems.length > 0) throw new ValidationError(dedupe(problems));
  const rules = ruleCount(parsed);
  if (rules > MAX_RULES_PER_CRITERIA) {
    throw new ValidationError([
      { path, message: `has ${rules} rules; at most ${MAX_RULES_PER_CRITERIA} are allowed (MAX_RULES_PER_CRITERIA)` },
    ]);
  }
  return parsed;
}

/** The rules of a document, counted across every allOf/anyOf level. */
export function ruleCount(c: Criteria): number {
  if ('allOf' in c) return c.allOf.reduce((n, part) => n + ruleCount(part), 0);
  if ('anyOf' in c) return c.anyOf.reduce((n, part) => n + ruleCount(part), 0);
  return 1;
}

function dedupe(problems: FieldProblem[]): FieldProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => (seen.has(p.path) ? false : (seen.add(p.path), true)));
}
