import { type Context, isCoreOpName, isFloat, type Middleware, type OpDef } from '@tessera/core';
import {
  attachOutputs,
  type Edge,
  edgeOf,
  metaOf,
  newOpNode,
  OutputRef,
  setHistory,
  shareHistory,
} from './node.js';
import type { GradRule } from './rule.js';
import { GRAD_RULES } from './rules/index.js';
import { stateOf } from './state.js';

/** A custom op's definition may carry its own rule (see defineCustomOp). */
function ownRule(def: OpDef): GradRule | undefined {
  return (def as OpDef & { gradient?: GradRule }).gradient;
}

/** The rule for an op: one registered on the context, else the op's own, else the core table. */
export function ruleFor(ctx: Context, def: OpDef): GradRule | undefined {
  const core = isCoreOpName(def.name) ? GRAD_RULES[def.name] : undefined;
  return stateOf(ctx).rules.get(def.name) ?? ownRule(def) ?? core;
}

/**
 * Records a graph node for every differentiable call that has an input taking gradients.
 * Runs the op first: recording never changes what the op computes.
 */
export const autogradMiddleware: Middleware = (call, next) => {
  const outs = next();
  const ctx = call.inputs[0]?.ctx;
  if (!ctx || !call.def.differentiable) return outs;
  const state = stateOf(ctx);
  if (state.disabled > 0) return outs;
  const edges: (Edge | null)[] = call.inputs.map((t) => (isFloat(t.dtype) ? edgeOf(t) : null));
  if (edges.every((e) => e === null)) return outs;
  if (!outs.some((o) => isFloat(o.dtype))) return outs;
  const rule = ruleFor(ctx, call.def);
  const saved = { inputs: [] as (typeof outs)[number][], outputs: [] as (typeof outs)[number][] };
  for (const i of rule?.saves?.inputs ?? []) saved.inputs[i] = shareHistory(call.inputs[i]);
  for (const i of rule?.saves?.outputs ?? []) saved.outputs[i] = outs[i].alias();
  const node = newOpNode({
    op: call.def.name,
    rule,
    attrs: call.attrs,
    inputs: edges,
    inputMeta: call.inputs.map(metaOf),
    outputMeta: outs.map(metaOf),
    saved,
  });
  attachOutputs(node, outs);
  // Saved outputs carry their own history so that a createGraph backward differentiates them,
  // without counting toward the node that owns them (that would keep it alive forever).
  saved.outputs.forEach((a, i) => {
    const ref = outs[i].gradNode;
    if (a && ref instanceof OutputRef) {
      setHistory(a, ref, false);
      a.requiresGrad = true;
    }
  });
  state.tapes[state.tapes.length - 1]?.add(node);
  return outs;
};
