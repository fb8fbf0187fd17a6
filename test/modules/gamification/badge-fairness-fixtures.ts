// What the bounded-badge-work test files share: the documents, badges and users made through the
// API, the evaluate_badges jobs as queued, a lock held while something runs, and creator B on the
// free plan.
import { ERRORS, uuidOf, type Json, type ApiHarness } from '../../helpers/api';
import { connect } from '../../helpers/fixtures';
import { badgeEvaluationsSettled, pendingBadgeEvaluations } from '../../helpers/badge-jobs';
import { creatorBOnFreePlan } from '../../helpers/plans';

export const CREATE_BADGE = `mutation($input: BadgeInput!) { createBadge(input: $input) { __typename ... on CreateBadgeSuccess { data { id } } ... on QuotaExceededError { limit max used } ${ERRORS} } }`;
export const EVALUATE = `mutation($userId: ID!) { evaluateBadges(userId: $userId) { __typename ... on EvaluateBadgesSuccess { data { id } } ${ERRORS} } }`;
export const RECORD = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { __typename ${ERRORS} } }`;
export const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { __typename ... on CreateUserSuccess { data { id } } ${ERRORS} } }`;

/** Badges and users of a creator, the queued and failed evaluations, table locks, and B on the free plan. */
export function badgeFairnessFixtures(api: ApiHarness) {
  const { mutate, one } = api;
  let seq = 0;

  /** Waits (generously) until no badge evaluation is queued or running. */
  const evaluationsSettled = (timeoutMs?: number) => badgeEvaluationsSettled(api, timeoutMs);
  const pendingEvaluations = (where?: string, params?: unknown[]) => pendingBadgeEvaluations(api, where, params);
  const failedEvaluations = async () =>
    (await one(
      `SELECT count(*)::int AS n FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'evaluate_badges' AND j.last_error IS NOT NULL`,
    ))!.n as number;

  async function freshUser(actor: 'asCreatorA' | 'asCreatorB'): Promise<{ id: string; uuid: string }> {
    const result = await mutate(actor, CREATE_USER, 'createUser', {
      input: { externalId: `fair-${++seq}-${Date.now()}`, channel: 'WEB' },
    });
    expect(result.__typename).toBe('CreateUserSuccess');
    return { id: result.data.id, uuid: uuidOf(result.data.id) };
  }

  async function badge(actor: 'asCreatorA' | 'asCreatorB', criteria: Json): Promise<{ id: string; uuid: string }> {
    const result = await mutate(actor, CREATE_BADGE, 'createBadge', { input: { name: `Fair ${++seq}`, criteria } });
    expect(result.__typename).toBe('CreateBadgeSuccess');
    return { id: result.data.id, uuid: uuidOf(result.data.id) };
  }

  /** Runs `fn` while another transaction holds `lock` (e.g. "EXCLUSIVE" on user_badges). */
  async function whileLocked<T>(table: string, mode: string, fn: () => Promise<T>): Promise<T> {
    const holder = await connect(api.db.ownerUrl);
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${table} IN ${mode} MODE`);
      return await fn();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }

  /** Creator B on the free plan for the duration of `fn`. */
  const bOnFreePlan = <T>(fn: () => Promise<T>) => creatorBOnFreePlan(api, fn);
  return { evaluationsSettled, pendingEvaluations, failedEvaluations, freshUser, badge, whileLocked, bOnFreePlan };
}
