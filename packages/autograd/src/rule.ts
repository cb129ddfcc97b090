import type { Tensor } from '@tessera/core';
import type { TensorMeta } from './node.js';

/** What a gradient rule is given: output gradients, attrs, saved tensors and input metadata. */
export interface GradArgs<A> {
  /** Gradient of output 0 (the only output of most ops). */
  readonly g: Tensor;
  /** Gradients of every output (zeros where none flowed). */
  readonly grads: readonly Tensor[];
  readonly attrs: A;
  /** Saved inputs, by input index (only those the rule's `saves.inputs` lists). */
  readonly x: readonly Tensor[];
  /** Saved outputs, by output index (only those the rule's `saves.outputs` lists). */
  readonly y: readonly Tensor[];
  /** Shape, dtype and device of every input. */
  readonly inputs: readonly TensorMeta[];
  /** Which inputs want a gradient; rules skip the others. */
  readonly needs: readonly boolean[];
}

/**
 * A reverse-mode rule: given the output gradients, the gradient of each input (undefined
 * where none). Written in core ops, so it runs on every backend and can be differentiated
 * again.
 */
export interface GradRule<A = unknown> {
  /** Which inputs and outputs backward needs; only these are kept alive. */
  readonly saves?: { readonly inputs?: readonly number[]; readonly outputs?: readonly number[] };
  /** Vector–Jacobian product: one entry per input. */
  vjp(args: GradArgs<A>): (Tensor | undefined)[];
}

/** Types a rule against its op's attrs, for the table keyed by op name. */
export function rule<A>(r: GradRule<A>): GradRule {
  return Object.freeze(r) as GradRule;
}
