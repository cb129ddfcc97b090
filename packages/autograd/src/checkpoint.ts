import {
  type Context,
  fail,
  fmtShape,
  getRngState,
  isFloat,
  type RngState,
  setRngState,
  Tensor,
  tidy,
  view,
} from '@tessera/core';
import { reversePass } from './engine.js';
import { enableAutograd } from './gradient-engine.js';
import {
  attachOutputs,
  clearHistory,
  type Edge,
  edgeOf,
  type LeafNode,
  metaOf,
  newOpNode,
  type OpNode,
  releaseNode,
} from './node.js';
import type { GradRule } from './rule.js';
import { stateOf, withGradMode } from './state.js';

type CheckpointFn<R extends Tensor | Tensor[]> = (...inputs: Tensor[]) => R;

interface CheckpointAttrs {
  readonly fn: CheckpointFn<Tensor | Tensor[]>;
  readonly rng: RngState;
  /** How many of the node's inputs are the explicit inputs; the rest are leaves fn read. */
  readonly explicit: number;
  readonly leaves: readonly Tensor[];
  readonly ctx: Context;
}

const OP = 'checkpoint';

function outputsOf(op: string, value: unknown): Tensor[] {
  const outs = Array.isArray(value) ? value : [value];
  outs.forEach((o, i) => {
    if (!(o instanceof Tensor))
      fail(op, `fn must return a Tensor or an array of Tensors; output ${i} is ${typeof o}`);
  });
  return outs as Tensor[];
}

/** Fresh leaves over the inputs, so that what fn records starts at them and not at the inputs' history. */
function wrap(ctx: Context, inputs: readonly Tensor[], wants: (i: number) => boolean): Tensor[] {
  return inputs.map((a, i) => {
    const w = withGradMode(ctx, false, () => view(a, a.shape));
    if (isFloat(a.dtype) && wants(i)) w.requiresGrad = true;
    return w;
  });
}

/**
 * Runs fn recording into a tape of its own (so that an enclosing functional `grad` does not adopt
 * its nodes); `after` sees the outputs and the recorded nodes, which are freed when it returns.
 * With `replay`, the context's random stream is set to that state for the run and put back after.
 */
function recorded<T>(
  ctx: Context,
  replay: RngState | undefined,
  run: () => Tensor[],
  after: (outs: Tensor[], tape: Set<OpNode>) => T,
): T {
  const state = stateOf(ctx);
  const resume = replay ? getRngState(ctx) : undefined;
  if (replay) setRngState(replay, ctx);
  const tape = new Set<OpNode>();
  state.tapes.push(tape);
  try {
    return after(withGradMode(ctx, true, run), tape);
  } finally {
    state.tapes.pop();
    for (const n of tape) releaseNode(n);
    if (resume) setRngState(resume, ctx);
  }
}

/** The node's saved inputs are the explicit inputs (set when it is made), not listed by `saves`. */
const checkpointRule: GradRule<CheckpointAttrs> = {
  vjp({ grads, attrs, x, needs }) {
    const { fn, rng, explicit, leaves, ctx } = attrs;
    const wrapped = wrap(ctx, x.slice(0, explicit), (i) => needs[i]);
    return recorded(
      ctx,
      rng,
      () => outputsOf(OP, fn(...wrapped)),
      (outs) => {
        const roots: Tensor[] = [];
        const seeds: Tensor[] = [];
        outs.forEach((o, i) => {
          if (edgeOf(o) !== null) {
            roots.push(o);
            seeds.push(grads[i]);
          }
        });
        const targets: (Edge | null)[] = [
          ...wrapped.map((w, i) => (needs[i] ? edgeOf(w) : null)),
          ...leaves.map((p, k) => (needs[explicit + k] ? edgeOf(p) : null)),
        ];
        const found =
          roots.length > 0
            ? reversePass(
                ctx,
                roots,
                seeds,
                targets.filter((e) => e !== null),
                { retainGraph: false, createGraph: false },
              )
            : new Map<Edge, Tensor>();
        return targets.map((e) => (e ? found.get(e) : undefined));
      },
    );
  },
};

/**
 * Activation checkpointing (PyTorch's `torch.utils.checkpoint`): computes `fn(...inputs)` keeping
 * none of its intermediates for backward, and recomputes them when backward reaches the result —
 * trading one more forward of fn for its activation memory. The context's random stream is rewound
 * for the recomputation, so dropout inside fn draws the same masks. Gradients flow to the inputs
 * and to every leaf fn reads (parameters it closes over), as without checkpointing.
 *
 * fn must be deterministic given its inputs and the random stream, and must not read a tensor that
 * has gradient history from outside (pass such a tensor as an input). Differentiating the
 * gradients again (`createGraph`) is not supported through a checkpoint.
 */
export function checkpoint<R extends Tensor | Tensor[]>(fn: CheckpointFn<R>, ...inputs: Tensor[]): R {
  if (typeof fn !== 'function') fail(OP, `fn must be a function, got ${typeof fn}`);
  if (inputs.length === 0) fail(OP, 'give at least one input tensor (the context and device come from it)');
  inputs.forEach((a, i) => {
    if (!(a instanceof Tensor)) fail(OP, `input ${i} must be a Tensor, got ${typeof a}`);
    if (a.isDisposed) fail(OP, `input ${i} (shape ${fmtShape(a.shape)}, ${a.dtype}) has been disposed`);
  });
  const ctx = inputs[0].ctx;
  inputs.forEach((a, i) => {
    if (a.ctx !== ctx) fail(OP, `input ${i} belongs to a different context than input 0`);
  });
  enableAutograd(ctx);
  const state = stateOf(ctx);
  if (state.disabled > 0) return fn(...inputs);

  const rng = getRngState(ctx);
  const wrapped = wrap(ctx, inputs, () => true);
  const own = new Set<Tensor>(wrapped);
  const leaves: Tensor[] = [];
  let many = false;
  const outs = tidy(
    () =>
      recorded(
        ctx,
        undefined,
        () => {
          const value = fn(...wrapped);
          many = Array.isArray(value);
          return outputsOf(OP, value);
        },
        (values, tape) => {
          // Which leaves fn read: they get gradients through the checkpoint as they would without it.
          const seen = new Set<LeafNode>();
          for (const node of tape) {
            node.inputs.forEach((e, i) => {
              if (e === null) return;
              if (e.kind === 'output' && !tape.has(e.node)) {
                const m = node.inputMeta[i];
                fail(
                  OP,
                  `fn read a tensor (shape ${fmtShape(m.shape)}, ${m.dtype}) with gradient history from outside ` +
                    `(made by '${e.node.op}'); pass it to checkpoint as an input`,
                );
              }
              if (e.kind === 'leaf' && !own.has(e.tensor) && !seen.has(e)) {
                seen.add(e);
                leaves.push(e.tensor);
              }
            });
          }
          // Outputs become plain tensors: their recorded history goes with the tape.
          return values.map((o) => {
            const plain = own.has(o) ? withGradMode(ctx, false, () => view(o, o.shape)) : o;
            clearHistory(plain);
            return plain;
          });
        },
      ),
    ctx,
  );

  for (const w of wrapped) w.dispose();
  const edges: (Edge | null)[] = [
    ...inputs.map((a) => (isFloat(a.dtype) ? edgeOf(a) : null)),
    ...leaves.map((p) => edgeOf(p)),
  ];
  const result = (many ? outs : outs[0]) as R;
  if (edges.every((e) => e === null) || !outs.some((o) => isFloat(o.dtype))) return result;
  const node = newOpNode({
    op: OP,
    rule: checkpointRule as GradRule,
    attrs: { fn, rng, explicit: inputs.length, leaves, ctx } satisfies CheckpointAttrs,
    inputs: edges,
    inputMeta: [...inputs, ...leaves].map(metaOf),
    outputMeta: outs.map(metaOf),
    saved: { inputs: inputs.map((a) => a.alias()), outputs: [] },
  });
  attachOutputs(node, outs);
  state.tapes[state.tapes.length - 1]?.add(node);
  return result;
}
