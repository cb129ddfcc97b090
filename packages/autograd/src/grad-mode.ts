import { type Context, defaultContext, type Tensor } from '@tessera/core';
import { autogradEngine, enableAutograd } from './gradient-engine.js';
import { stateOf, withGradMode } from './state.js';

/**
 * Marks a floating tensor as a leaf that takes gradients (or not), and installs the recording
 * middleware on its context. Returns the tensor.
 */
export function requiresGrad<T extends Tensor>(t: T, flag = true): T {
  autogradEngine.setRequiresGrad(t, flag);
  enableAutograd(t.ctx);
  return t;
}

/** Runs fn without recording (inference, optimizer updates). Synchronous. */
export function noGrad<T>(fn: () => T, ctx: Context = defaultContext()): T {
  enableAutograd(ctx);
  return withGradMode(ctx, false, fn);
}

/**
 * Whether ops on `ctx` are recorded now (PyTorch's `torch.is_grad_enabled()`): false inside
 * `noGrad` and while a backward runs without `createGraph`. A gradient rule may use it to pick a
 * fused kernel when its own gradient will never be taken.
 */
export function isGradEnabled(ctx: Context = defaultContext()): boolean {
  return stateOf(ctx).disabled === 0;
}

/** A new handle on the same values with no history: gradients stop here. */
export function detach<T extends Tensor>(t: T): T {
  return autogradEngine.detach(t) as T;
}

/** Disposes and clears the `.grad` of each tensor. */
export function zeroGrad(tensors: Iterable<Tensor>): void {
  for (const t of tensors) {
    t.grad?.dispose();
    t.grad = undefined;
  }
}
