// Moves along a program flow: which step an answer leads to, checked against the version an
// enrollment started on (INVALID_TRANSITION), and how far the new step is from an end.
import { InvalidTransitionError, ValidationError } from '../../graphql/errors';
import type { Condition, Flow, Step } from './flow';

function matches(c: Condition | undefined, answer: unknown): boolean {
  if (!c) return true;
  if (c.answerIn && !c.answerIn.some((v) => v === answer)) return false;
  if (c.answerEquals !== undefined && c.answerEquals !== answer) return false;
  if (c.min !== undefined && !(typeof answer === 'number' && answer >= c.min)) return false;
  if (c.max !== undefined && !(typeof answer === 'number' && answer <= c.max)) return false;
  return true;
}

export interface Move {
  from: Step;
  to: Step;
  /** Shortest number of moves from `to` to an end step. */
  remaining: number;
}

/**
 * The move from `current` that `answer` (and, where several transitions fit, `toStep`)
 * selects, or INVALID_TRANSITION. A question step needs an answer.
 */
export function nextMove(flow: Flow, current: string | null, answer: unknown, toStep: string | null | undefined): Move {
  const byId = new Map(flow.steps.map((s) => [s.id, s]));
  const fromId = current ?? flow.start ?? null;
  const from = fromId ? byId.get(fromId) : undefined;
  if (!from)
    throw new InvalidTransitionError(
      fromId,
      toStep ?? null,
      `The enrollment is at step "${fromId}", which its program version does not have`,
    );
  if (from.end)
    throw new InvalidTransitionError(
      from.id,
      toStep ?? null,
      `Step "${from.id}" is an end step: there is nowhere to go`,
    );
  if (from.type === 'question' && (answer === undefined || answer === null))
    throw new ValidationError([{ path: 'input.answer', message: `is required: step "${from.id}" is a question` }]);
  const open = (from.transitions ?? []).filter((t) => matches(t.condition, answer) && byId.has(t.to));
  const chosen = toStep ? open.find((t) => t.to === toStep) : open[0];
  if (!chosen) {
    throw new InvalidTransitionError(
      from.id,
      toStep ?? null,
      toStep
        ? `From "${from.id}" the flow does not lead to "${toStep}"${answer !== undefined ? ' with this answer' : ''}`
        : `From "${from.id}" no transition accepts this answer`,
    );
  }
  const to = byId.get(chosen.to)!;
  return { from, to, remaining: distanceToEnd(byId, to.id) };
}

function distanceToEnd(byId: Map<string, Step>, from: string): number {
  const dist = new Map([[from, 0]]);
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift()!;
    const step = byId.get(id)!;
    if (step.end) return dist.get(id)!;
    for (const t of step.transitions ?? []) {
      if (byId.has(t.to) && !dist.has(t.to)) {
        dist.set(t.to, dist.get(id)! + 1);
        queue.push(t.to);
      }
    }
  }
  return 0;
}
