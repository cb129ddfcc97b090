import { type Context, defineOp, type OpDef } from '@tessera/core';
import { enableAutograd } from './gradient-engine.js';
import type { GradRule } from './rule.js';
import { stateOf } from './state.js';

/** An op definition that carries its own gradient rule, as it may carry its own kernels. */
export type CustomOpDef<A> = OpDef<A> & { readonly gradient: GradRule<A> };

/**
 * Defines an op (kernels and all, as core's defineOp) together with its gradient rule. The
 * rule travels on the definition: nothing global is registered, and the recording middleware
 * finds it on the call.
 */
export function defineCustomOp<A>(
  def: Omit<OpDef<A>, 'differentiable'> & { gradient: GradRule<A> },
): CustomOpDef<A> {
  return defineOp<A>({ ...def, differentiable: true }) as CustomOpDef<A>;
}

/**
 * Gives an op a gradient rule on one context (e.g. a rule for an op defined elsewhere, or a
 * replacement for a core rule). Overrides the op's own rule and the core table there. Returns
 * a function that removes it.
 */
export function registerGradient<A>(ctx: Context, op: string, gradient: GradRule<A>): () => void {
  enableAutograd(ctx);
  const rules = stateOf(ctx).rules;
  rules.set(op, gradient as GradRule);
  return () => {
    if (rules.get(op) === gradient) rules.delete(op);
  };
}
