// One badge evaluation (app.evaluate_badges, badge_rules migration) with a budget: the whole
// evaluation is one statement, so a transaction-local statement_timeout of
// config.fairness.badgeEvaluationBudgetMs bounds it; past it PostgreSQL cancels the statement,
// the transaction rolls back and nothing is awarded. Two callers:
//   - the evaluateBadges mutation, which answers REQUEST_TIMEOUT (EvaluationBudgetError);
//   - the evaluate_badges job (src/jobs/worker.ts), queued by the triggers after the writes
//     that rules count, so that no write waits for an evaluation.
// Both run as the tenant through the application pool (withTenantTransaction): row-level
// security and the tenant's share of the pool apply. An award happens exactly once however many
// evaluations race (INSERT ... ON CONFLICT DO NOTHING in the database).
import { GraphQLError } from 'graphql';
import type { PrismaClient } from '../../db/clients';
import { withTenantTransaction, type TenantTransaction } from '../../db/tenant';
import { NotFoundError } from '../../graphql/errors';

/** The setting that bounds one evaluation. */
export const BUDGET_SETTING = 'BADGE_EVALUATION_BUDGET_MS';

/** One evaluation ran past its budget: nothing was awarded. Not a member of a result union. */
export class EvaluationBudgetError extends GraphQLError {
  constructor(readonly budgetMs: number) {
    super(
      `Evaluating badges ran past its budget of ${budgetMs} ms, so nothing was awarded: simplify the badges' criteria, or retry later`,
      {
        extensions: { code: 'REQUEST_TIMEOUT', setting: BUDGET_SETTING, budgetMs },
      },
    );
  }
}

/** PostgreSQL cancelled a statement for its statement_timeout (SQLSTATE 57014), under any wrapper. */
export function isStatementTimeout(error: unknown): boolean {
  for (
    let e = error as Record<string, unknown> | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as Record<string, unknown> | undefined, depth++
  ) {
    const meta = e.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined;
    if (e.code === '57014' || meta?.driverAdapterError?.cause?.originalCode === '57014') return true;
    if (typeof e.message === 'string' && /canceling statement due to statement timeout/.test(e.message)) return true;
  }
  return false;
}

/** What an evaluation needs: the application client, and the budget (BADGE_EVALUATION_BUDGET_MS). */
export interface EvaluationDeps {
  app: PrismaClient;
  budgetMs: number;
}

/** Evaluates inside an open tenant transaction, under the budget; returns the new awards' ids. */
export async function evaluateInTransaction(
  tx: TenantTransaction,
  creatorId: string,
  userId: string,
  budgetMs: number,
): Promise<string[]> {
  await tx.$executeRaw`SELECT set_config('statement_timeout', ${String(Math.max(1, Math.trunc(budgetMs)))}, true)`;
  const rows = await tx.$queryRaw<
    { id: string }[]
  >`SELECT app.evaluate_badges(${creatorId}::uuid, ${userId}::uuid) AS id`;
  return rows.map((r) => r.id);
}

/**
 * Evaluates every active rule badge of the creator against the user, as the tenant, within the
 * budget. NotFoundError when the tenant has no such user; EvaluationBudgetError past the budget.
 */
export async function evaluateBadgesWithinBudget(
  { app, budgetMs }: EvaluationDeps,
  creatorId: string,
  userId: string,
): Promise<string[]> {
  try {
    return await withTenantTransaction(
      app,
      creatorId,
      async (tx) => {
        if (!(await tx.user.findUnique({ where: { id: userId }, select: { id: true } })))
          throw new NotFoundError('User');
        return evaluateInTransaction(tx, creatorId, userId, budgetMs);
      },
      // The statement's budget decides, not Prisma's default 15-second transaction timeout.
      { timeout: budgetMs + 10_000 },
    );
  } catch (error) {
    if (isStatementTimeout(error)) throw new EvaluationBudgetError(budgetMs);
    throw error;
  }
}
