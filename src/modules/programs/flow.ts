// Program flows: the graph a program's enrollments walk. Shape checks run when a flow is saved
// (VALIDATION_FAILED); graph checks run when it is published (INVALID_FLOW). Moves along a flow
// are in flow-moves.ts, the bounds on an enrollment's step data in step-data-limits.ts.
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
import { InvalidFlowError, ValidationError, type FlowProblem } from '../../graphql/errors';
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
/** A transition's condition (see the example above). */
export type Condition = z.infer<typeof condition>;
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
