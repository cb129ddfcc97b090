import {
  type Context,
  defaultContext,
  fmtShape,
  isFloat,
  type Tensor,
  TesseraError,
  view,
} from '@tessera/core';
import { enableAutograd } from './middleware.js';
import { withGradMode } from './state.js';

/**
 * Marks a floating tensor as a leaf that takes gradients (or not), and installs the recording
 * middleware on its context. Returns the tensor.
 */
export function requiresGrad<T extends Tensor>(t: T, flag = true): T {
  if (flag && !isFloat(t.dtype)) {
    throw new TesseraError(
      'requiresGrad',
      `only floating tensors take gradients, got a ${t.dtype} tensor of shape ${fmtShape(t.shape)}`,
    );
  }
  enableAutograd(t.ctx);
  t.requiresGrad = flag;
  return t;
}

/** Runs fn without recording (inference, optimizer updates). Synchronous. */
export function noGrad<T>(fn: () => T, ctx: Context = defaultContext()): T {
  enableAutograd(ctx);
  return withGradMode(ctx, false, fn);
}

/** A new handle on the same values with no history: gradients stop here. */
export function detach<T extends Tensor>(t: T): T {
  return withGradMode(t.ctx, false, () => view(t, t.shape));
}

/** Disposes and clears the `.grad` of each tensor. */
export function zeroGrad(tensors: Iterable<Tensor>): void {
  for (const t of tensors) {
    t.grad?.dispose();
    t.grad = undefined;
  }
}
