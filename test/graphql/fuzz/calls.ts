// What the fuzz calls: one "target" per (root field or persisted operation, actor), with the
// arbitrary of its inputs and the function that sends one generated input and judges the answer.
import fc from 'fast-check';
import {
  Kind,
  parse,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { ACTORS, callHttp, type ActorName, type Answer, type Sockets } from './actors';
import type { FuzzWorld, LogLine } from './harness';
import { inputArbitrary, type InputContext } from './inputs';
import { argumentsArbitrary, buildOperation } from './operation';
import { harvestCursors, type Pools } from './pools';
import { rootKey, type RootField } from './schema-model';
import type { PersistedOperation } from '../../../src/graphql/ports';

export type Transport = 'http' | 'ws' | 'partner';

export interface Target {
  /** The root fields one call exercises (`query.programs`...): what coverage counts. */
  fields: string[];
  /** A label for stats and findings. */
  label: string;
  actor: ActorName;
  transport: Transport;
  input: fc.Arbitrary<CallInput>;
}

export interface CallInput {
  args: Record<string, unknown>;
  inlineMask: number;
  actAs: boolean;
}

export interface Sent {
  document: string;
  variables: Record<string, unknown>;
  inline: string[];
  actAs?: boolean;
  answer: Answer;
}

export interface Engine {
  world: FuzzWorld;
  schema: GraphQLSchema;
  pools: Pools;
  sockets: Sockets;
  selections: Map<string, string>;
  /** How long a subscription call waits for its first message. */
  subscriptionWaitMs: number;
}

const contextFor = (engine: Engine, actor: ActorName, rootField: string): InputContext => {
  const spec = ACTORS[actor];
  return { pools: engine.pools, aim: { own: spec.own, other: spec.other, crossWeight: spec.crossWeight }, rootField };
};

/** A root field called as `actor` with documents the fuzz builds (HTTP, or WebSocket for subscriptions). */
export function fieldTarget(engine: Engine, root: RootField, actor: ActorName): Target {
  const input = fc.record({
    args: argumentsArbitrary(root.field.args, contextFor(engine, actor, root.name)),
    // One bit per argument: inline as a literal (about one call in five) or as a variable.
    inlineMask: fc.nat().map((n) => (n % 5 === 0 ? n : 0)),
    actAs: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  });
  return {
    fields: [rootKey(root.kind, root.name)],
    label: rootKey(root.kind, root.name),
    actor,
    transport: root.kind === 'subscription' ? 'ws' : 'http',
    input,
  };
}

/** A persisted partner operation, by hash, with fuzzed variables. */
export function partnerTarget(engine: Engine, op: PersistedOperation): Target {
  const definition = parse(op.document).definitions[0] as OperationDefinitionNode;
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  const rootField = (definition.selectionSet.selections[0] as { name: { value: string } }).name.value;
  for (const v of definition.variableDefinitions ?? []) {
    const type = typeFromAST(engine.schema, v.type as never) as GraphQLInputType;
    record[v.variable.name.value] = inputArbitrary(
      type,
      v.variable.name.value,
      contextFor(engine, 'asPartner', rootField),
    );
    if (v.type.kind === Kind.NON_NULL_TYPE && !v.defaultValue) required.push(v.variable.name.value);
  }
  const fields = definition.selectionSet.selections.map((s) =>
    rootKey(definition.operation, (s as { name: { value: string } }).name.value),
  );
  const input = fc.record({
    args: fc.record(record, { requiredKeys: required }),
    inlineMask: fc.constant(0),
    actAs: fc.constant(false),
  });
  return { fields, label: `persisted ${op.name}`, actor: 'asPartner', transport: 'partner', input };
}

export async function send(
  engine: Engine,
  target: Target,
  root: RootField | undefined,
  op: PersistedOperation | undefined,
  input: CallInput,
): Promise<Sent> {
  if (target.transport === 'partner') {
    const body = { extensions: { persistedQuery: { version: 1, sha256Hash: op!.hash } } };
    const answer = await callHttp(engine.world, 'asPartner', { body, variables: input.args });
    harvestCursors(engine.pools, 'A', target.fields[0]!.split('.')[1]!, answer.body);
    return { document: `persisted ${op!.name}`, variables: input.args, inline: [], answer };
  }
  const { document, variables, inline } = buildOperation(
    root!,
    engine.selections.get(target.label)!,
    input.args,
    input.inlineMask,
  );
  const answer =
    target.transport === 'ws'
      ? await engine.sockets.subscribe(target.actor, document, variables, engine.subscriptionWaitMs)
      : await callHttp(engine.world, target.actor, { document, variables, actAs: input.actAs });
  if (target.actor !== 'anonymous')
    harvestCursors(engine.pools, ACTORS[target.actor].own, root?.name ?? op!.name, answer.body);
  return { document, variables, inline, ...(target.actor === 'asAdmin' ? { actAs: input.actAs } : {}), answer };
}

/**
 * The error lines a call caused: those with its request id, and those with none of the fuzz's
 * ids (WebSocket operations and background work) logged while it ran. Each line goes to one call.
 */
export class LogClaims {
  private claimed = new WeakSet<LogLine>();
  private owners = new Map<string, string>();

  claim(engine: Engine, from: number, requestId: string | undefined, owner: string): LogLine[] {
    if (requestId) this.owners.set(requestId, owner);
    const lines = engine.world.log
      .errorsSince(from)
      .filter(
        (l) => !this.claimed.has(l) && (l.requestId === requestId || !String(l.requestId ?? '').startsWith('fuzz-')),
      );
    lines.forEach((l) => this.claimed.add(l));
    return lines;
  }

  /** Error lines no call claimed (logged after their call returned), with the call they name. */
  unclaimed(engine: Engine): { line: LogLine; owner: string }[] {
    return engine.world.log
      .errorsSince(0)
      .filter((l) => !this.claimed.has(l))
      .map((line) => ({ line, owner: this.owners.get(String(line.requestId)) ?? '(no call)' }));
  }
}
