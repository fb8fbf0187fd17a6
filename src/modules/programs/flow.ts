// Program flows: the graph a program's enrollments walk. Shape checks run when a flow is saved
// (VALIDATION_FAILED); graph checks run when it is published (INVALID_FLOW); moves are checked
// against the version an enrollment started on (INVALID_TRANSITION).
//
//   { "start": "welcome",
//     "steps": [ { "id": "welcome", "type": "content", "title": "...", "transitions": [{ "to": "q1" }] },
//                { "id": "q1", "type": "question", "transitions": [
//                    { "to": "deep-dive", "condition": { "answerIn": ["high", "very high"] } },
//                    { "to": "done" } ] },
//                { "id": "done", "type": "checkpoint", "end": true } ] }
//
// Transitions are tried in order; a condition tests the answer given with the move
// (answerIn: one of these values; answerEquals; min / max for numbers).
import { InvalidFlowError, InvalidTransitionError, ValidationError, type FlowProblem } from '../../graphql/errors';
import { parseInput, z } from '../../graphql/validation';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const condition = z
  .object({
    answerIn: z.array(scalar).min(1).max(100).optional(),
    answerEquals: scalar.optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'must test something (answerIn, answerEquals, min or max)');
// No trimming: the stored flow is the one walked, so an id must already be exact.
const stepId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits, _ . : or -');

export const flowSchema = z
  .object({
    start: stepId.optional(),
    steps: z
      .array(
        z
          .object({
            id: stepId,
            type: z.enum(['content', 'question', 'task', 'checkpoint']).default('content'),
            title: z.string().max(500).optional(),
            end: z.boolean().optional(),
            transitions: z
              .array(z.object({ to: stepId, condition: condition.optional() }).strict())
              .max(50)
              .optional(),
          })
          .passthrough(),
      )
      .max(500)
      .default([]),
  })
  .passthrough();

export type Flow = z.infer<typeof flowSchema>;
export type Step = Flow['steps'][number];

/** The flow's shape, or VALIDATION_FAILED with a path per problem (for create and update). */
export function parseFlow(value: unknown, path = 'input.flowDefinition'): Flow {
  return parseInput(flowSchema, value, path);
}

/** Everything that stops the flow from being walked to an end (empty: publishable). */
export function flowProblems(flow: Flow): FlowProblem[] {
  const problems: FlowProblem[] = [];
  const byId = new Map<string, Step>();
  for (const step of flow.steps) {
    if (byId.has(step.id))
      problems.push({ kind: 'DUPLICATE_STEP', stepId: step.id, message: `step "${step.id}" is defined twice` });
    else byId.set(step.id, step);
  }
  if (!flow.start) problems.push({ kind: 'MISSING_START', stepId: null, message: 'the flow has no start step' });
  else if (!byId.has(flow.start))
    problems.push({
      kind: 'UNKNOWN_START',
      stepId: flow.start,
      message: `the start step "${flow.start}" does not exist`,
    });
  for (const step of byId.values()) {
    const transitions = step.transitions ?? [];
    if (step.end && transitions.length > 0)
      problems.push({
        kind: 'END_WITH_TRANSITIONS',
        stepId: step.id,
        message: `end step "${step.id}" has transitions`,
      });
    if (!step.end && transitions.length === 0)
      problems.push({
        kind: 'DEAD_END',
        stepId: step.id,
        message: `step "${step.id}" is not an end step and leads nowhere`,
      });
    for (const t of transitions) {
      if (!byId.has(t.to))
        problems.push({
          kind: 'DANGLING_TRANSITION',
          stepId: step.id,
          message: `step "${step.id}" leads to "${t.to}", which does not exist`,
        });
    }
  }
  if (![...byId.values()].some((s) => s.end))
    problems.push({ kind: 'NO_END_STEP', stepId: null, message: 'the flow has no end step' });
  if (flow.start && byId.has(flow.start)) {
    const reached = reachable(byId, flow.start);
    for (const id of byId.keys())
      if (!reached.has(id))
        problems.push({
          kind: 'UNREACHABLE_STEP',
          stepId: id,
          message: `step "${id}" cannot be reached from the start`,
        });
    // A user must be able to finish from wherever they can get to: no loop without a way out.
    for (const id of reached) {
      const step = byId.get(id)!;
      if (!step.end && (step.transitions ?? []).length > 0 && ![...reachable(byId, id)].some((r) => byId.get(r)!.end)) {
        problems.push({ kind: 'NO_WAY_OUT', stepId: id, message: `from step "${id}" no end step can be reached` });
      }
    }
  }
  return problems;
}

export function assertPublishable(flowDefinition: unknown): Flow {
  let flow: Flow;
  try {
    flow = parseFlow(flowDefinition, 'flowDefinition');
  } catch (error) {
    if (error instanceof ValidationError)
      throw new InvalidFlowError(
        error.fields.map((f) => ({ kind: 'INVALID_SHAPE', stepId: null, message: `${f.path} ${f.message}` })),
      );
    throw error;
  }
  const problems = flowProblems(flow);
  if (problems.length > 0) throw new InvalidFlowError(problems);
  return flow;
}

function reachable(byId: Map<string, Step>, from: string): Set<string> {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length > 0) {
    for (const t of byId.get(queue.shift()!)?.transitions ?? []) {
      if (byId.has(t.to) && !seen.has(t.to)) {
        seen.add(t.to);
        queue.push(t.to);
      }
    }
  }
  return seen;
}

function matches(c: z.infer<typeof condition> | undefined, answer: unknown): boolean {
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

// Step data bounds. An enrollment keeps its answers and its step history in step_data; without
// bounds, a looping flow advanced with large answers grew the database far faster than what was
// sent. The same numbers are a CHECK in the database (bounded_storage migration), so they hold
// whoever writes; here they are checked first, to name the field. Sizes are bytes of the JSON
// text as PostgreSQL prints jsonb (", " and ": " between items), which is what the CHECK measures.
export const STEP_DATA_LIMITS = {
  /** One answer. */
  answerBytes: 16 * 1024,
  /** The answers object (the latest answer of each step). */
  answersBytes: 64 * 1024,
  /** Moves kept in the step history: past it the enrollment is refused, not trimmed. */
  historyEntries: 500,
  /** The step history. */
  historyBytes: 256 * 1024,
  /** The whole step data (answers, history and whatever else the creator keeps there). */
  stepDataBytes: 384 * 1024,
} as const;

/** Bytes of `value`'s JSON text as PostgreSQL prints a jsonb (numbers in JavaScript's form). */
export function jsonbTextBytes(value: unknown): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === 'string') return Buffer.byteLength(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (Array.isArray(value)) return 2 + value.reduce<number>((n, v, i) => n + jsonbTextBytes(v) + (i > 0 ? 2 : 0), 0);
  if (typeof value === 'object') {
    return (
      2 +
      Object.entries(value as Record<string, unknown>).reduce<number>(
        (n, [k, v], i) => n + (v === undefined ? 0 : jsonbTextBytes(k) + 2 + jsonbTextBytes(v) + (i > 0 ? 2 : 0)),
        0,
      )
    );
  }
  return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}

/**
 * The problems of a step data document against STEP_DATA_LIMITS (empty: it fits). `root` is
 * the path it is reported under (stepData, or input.stepData for a creator's own edit).
 */
export function stepDataProblems(
  stepData: Record<string, unknown>,
  root = 'stepData',
): { path: string; message: string }[] {
  const L = STEP_DATA_LIMITS;
  const problems: { path: string; message: string }[] = [];
  const { answers, history } = stepData;
  if (answers && typeof answers === 'object' && !Array.isArray(answers)) {
    for (const [step, answer] of Object.entries(answers as Record<string, unknown>)) {
      const bytes = jsonbTextBytes(answer);
      if (bytes > L.answerBytes)
        problems.push({
          path: `${root}.answers.${step}`,
          message: `is ${bytes} bytes of JSON; one answer may be at most ${L.answerBytes}`,
        });
    }
  }
  const answersBytes = answers === undefined ? 0 : jsonbTextBytes(answers);
  if (answersBytes > L.answersBytes)
    problems.push({
      path: `${root}.answers`,
      message: `would be ${answersBytes} bytes of JSON; the answers may be at most ${L.answersBytes}`,
    });
  if (Array.isArray(history) && history.length > L.historyEntries) {
    problems.push({
      path: `${root}.history`,
      message: `would hold ${history.length} moves; the step history keeps at most ${L.historyEntries}`,
    });
  }
  const historyBytes = history === undefined ? 0 : jsonbTextBytes(history);
  if (historyBytes > L.historyBytes)
    problems.push({
      path: `${root}.history`,
      message: `would be ${historyBytes} bytes of JSON; the step history may be at most ${L.historyBytes}`,
    });
  const total = jsonbTextBytes(stepData);
  if (total > L.stepDataBytes)
    problems.push({
      path: root,
      message: `would be ${total} bytes of JSON; step data may be at most ${L.stepDataBytes}`,
    });
  return problems;
}

/** One answer within its bound, or VALIDATION_FAILED on input.answer (checked before any read). */
export function assertAnswerSize(answer: unknown): void {
  if (answer === undefined) return;
  const bytes = jsonbTextBytes(answer);
  if (bytes > STEP_DATA_LIMITS.answerBytes)
    throw new ValidationError([
      {
        path: 'input.answer',
        message: `is ${bytes} bytes of JSON; one answer may be at most ${STEP_DATA_LIMITS.answerBytes}`,
      },
    ]);
}

/** The step data within its bounds, or VALIDATION_FAILED naming each field and its limit. */
export function assertStepDataSize(stepData: Record<string, unknown>, root = 'stepData'): void {
  const problems = stepDataProblems(stepData, root);
  if (problems.length > 0) throw new ValidationError(problems);
}
