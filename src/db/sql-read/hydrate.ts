// From the JSON PostgreSQL built to the values Prisma returns for the same select: DateTime as a
// Date (new Date() of PostgreSQL's ISO text keeps milliseconds, as Prisma's adapter does), BigInt
// from the text the compiler asked for, Float from NaN/Infinity strings. Everything else (String,
// Int, Boolean, Json, String[], _count numbers) is already what Prisma gives. The plan is built
// once per compiled statement (compile.ts) and walked per row.

export interface HydratePlan {
  dates: string[];
  bigints: string[];
  floats: string[];
  relations: { key: string; plan: HydratePlan }[];
}

export function emptyPlan(): HydratePlan {
  return { dates: [], bigints: [], floats: [], relations: [] };
}

/** Whether rows of this plan need any conversion (a plan with none is skipped entirely). */
export function planNeedsWork(plan: HydratePlan): boolean {
  return (
    plan.dates.length > 0 ||
    plan.bigints.length > 0 ||
    plan.floats.length > 0 ||
    plan.relations.some((r) => planNeedsWork(r.plan))
  );
}

/** Converts one row (or each row of a list) in place. */
export function hydrate(plan: HydratePlan, value: unknown): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const row of value) hydrateRow(plan, row as Record<string, unknown>);
    return;
  }
  hydrateRow(plan, value as Record<string, unknown>);
}

function hydrateRow(plan: HydratePlan, row: Record<string, unknown>): void {
  for (const key of plan.dates) {
    const v = row[key];
    if (typeof v === 'string') row[key] = new Date(v);
  }
  for (const key of plan.bigints) {
    const v = row[key];
    if (typeof v === 'string') row[key] = BigInt(v);
  }
  for (const key of plan.floats) {
    const v = row[key];
    if (typeof v === 'string') row[key] = Number(v);
  }
  for (const { key, plan: inner } of plan.relations) hydrate(inner, row[key]);
}
