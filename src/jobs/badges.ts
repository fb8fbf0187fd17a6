// The evaluate_badges job: queued by the badge triggers (badge_fairness migration) after an
// enrollment is completed, an interaction recorded, a message sent by a user or an achievement
// added, one pending job per (creator, user). It evaluates as that tenant, through the
// application pool (row-level security and the tenant's share of the pool apply), within the
// evaluation budget. Awards happen exactly once (INSERT ... ON CONFLICT in the database) and fire
// badgeAwarded through the change-events trigger on user_badges.
import type { PrismaClient } from '../db/clients';
import type { Logger } from '../logger';
import { EvaluationBudgetError, evaluateBadgesWithinBudget } from '../modules/gamification/evaluation.service';
import { NotFoundError } from '../graphql/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface EvaluateBadgesResult {
  awarded: number;
  /** Why nothing was evaluated: the user is gone, or the evaluation ran past its budget. */
  skipped?: 'user_not_found' | 'over_budget';
}

export async function evaluateBadgesQueued(
  app: PrismaClient,
  payload: unknown,
  budgetMs: number,
  log: Logger,
): Promise<EvaluateBadgesResult> {
  const { creatorId, userId } = (payload ?? {}) as { creatorId?: unknown; userId?: unknown };
  if (typeof creatorId !== 'string' || !UUID.test(creatorId) || typeof userId !== 'string' || !UUID.test(userId)) {
    log.warn({ job: 'evaluate_badges', payload }, 'evaluate_badges: payload without a creator and a user, dropped');
    return { awarded: 0, skipped: 'user_not_found' };
  }
  try {
    const awarded = await evaluateBadgesWithinBudget({ app, budgetMs }, creatorId, userId);
    log.debug({ job: 'evaluate_badges', creatorId, userId, awarded: awarded.length }, 'badges evaluated');
    return { awarded: awarded.length };
  } catch (error) {
    // The user was erased since: nothing to evaluate.
    if (error instanceof NotFoundError) return { awarded: 0, skipped: 'user_not_found' };
    // Retrying would run past the same budget again: the next write that counts (or an
    // evaluateBadges call) evaluates again.
    if (error instanceof EvaluationBudgetError) {
      log.warn(
        { job: 'evaluate_badges', creatorId, userId, budgetMs },
        'badge evaluation ran past its budget: nothing awarded',
      );
      return { awarded: 0, skipped: 'over_budget' };
    }
    // Anything else (the tenant's share of the pool is busy, the database restarting): the
    // queue retries it later, with back-off.
    throw error;
  }
}
