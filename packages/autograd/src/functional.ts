import { fail, fmtShape, isFloat, onesLike, Tensor, tidy, view, zeros } from '@tessera/core';
import { reversePass } from './engine.js';
import { enableAutograd } from './gradient-engine.js';
import { clearHistory, type Edge, edgeOf, type OpNode, releaseNode } from './node.js';
import { stateOf, withGradMode } from './state.js';

type Fn = (...args: Tensor[]) => Tensor;
type Grads<N> = N extends readonly number[] ? Tensor[] : Tensor;

/**
 * Evaluates f and the gradients of its scalar result with respect to the chosen arguments,
 * without touching any `.grad`. Inside another grad (or with a traced argument) the gradients
 * keep their history, so grad(grad(f)) works.
 */
function evaluate(op: string, f: Fn, argnums: number | readonly number[], args: unknown[]) {
  const nums = typeof argnums === 'number' ? [argnums] : [...argnums];
  const chosen = nums.map((i) => {
    const a = args[i];
    if (!(a instanceof Tensor)) fail(op, `argument ${i} must be a Tensor, got ${typeof a}`);
    if (!isFloat(a.dtype))
      fail(op, `argument ${i} is a ${a.dtype} tensor (${fmtShape(a.shape)}); only floats take gradients`);
    return a;
  });
  if (chosen.length === 0) fail(op, 'argnums selects no argument');
  const ctx = chosen[0].ctx;
  enableAutograd(ctx);
  const state = stateOf(ctx);
  // Inside an enclosing grad, or given a traced argument: keep the history of what we compute.
  const traced = args.some((a) => a instanceof Tensor && edgeOf(a) !== null);
  const nested = state.disabled === 0 && (state.tapes.length > 0 || traced);
  const tape = new Set<OpNode>();
  state.tapes.push(tape);
  try {
    return tidy(
      () =>
        withGradMode(ctx, true, () => {
          const wrapped = [...args];
          const edges: Edge[] = nums.map((i, k) => {
            const a = chosen[k];
            // A fresh node per argument, so that its gradient is not mixed with other uses of a.
            const w =
              nested && edgeOf(a) ? view(a, a.shape) : withGradMode(ctx, false, () => view(a, a.shape));
            if (!edgeOf(w)) w.requiresGrad = true;
            wrapped[i] = w;
            return edgeOf(w)!;
          });
          const value = f(...(wrapped as Tensor[]));
          if (!(value instanceof Tensor)) fail(op, `f must return a Tensor, got ${typeof value}`);
          if (!isFloat(value.dtype))
            fail(op, `f returned a ${value.dtype} tensor, which is not differentiable`);
          if (value.size !== 1) fail(op, `f must return a scalar, got shape ${fmtShape(value.shape)}`);
          const seed = withGradMode(ctx, false, () => onesLike(value));
          const found = edgeOf(value)
            ? reversePass(ctx, [value], [seed], edges, { retainGraph: nested, createGraph: nested })
            : new Map<Edge, Tensor>();
          const grads = chosen.map((a, k) => {
            const g = found.get(edges[k]);
            return g ?? zeros(a.shape, { dtype: a.dtype, device: a.device, context: ctx });
          });
          if (!nested) clearHistory(value);
          return { value, grads };
        }),
      ctx,
    );
  } finally {
    state.tapes.pop();
    const parent = state.tapes[state.tapes.length - 1];
    // Nested: the enclosing pass differentiates through these nodes and frees them; else free now.
    if (nested && parent) for (const n of tape) parent.add(n);
    else if (!nested) for (const n of tape) releaseNode(n);
  }
}

/**
 * JAX's grad: a function returning d f / d args[argnums] (one tensor, or an array when
 * argnums is an array). f must return a scalar floating tensor.
 */
export function grad<F extends Fn, N extends number | readonly number[] = 0>(
  f: F,
  argnums?: N,
): (...args: Tensor[]) => Grads<N> {
  return (...args) => {
    const { value, grads } = evaluate('grad', f, argnums ?? 0, args);
    value.dispose();
    return (Array.isArray(argnums) ? grads : grads[0]) as Grads<N>;
  };
}

/** Like grad, but also returns f's value: `[value, grads]`. */
export function valueAndGrad<F extends Fn, N extends number | readonly number[] = 0>(
  f: F,
  argnums?: N,
): (...args: Tensor[]) => [Tensor, Grads<N>] {
  return (...args) => {
    const { value, grads } = evaluate('valueAndGrad', f, argnums ?? 0, args);
    return [value, (Array.isArray(argnums) ? grads : grads[0]) as Grads<N>];
  };
}
