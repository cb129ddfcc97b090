import {
  type Context,
  defaultContext,
  fmtShape,
  type GradientEngine,
  isFloat,
  type Tensor,
  TesseraError,
  view,
} from '@tessera/core';
import { backward } from './backward.js';
import { autogradMiddleware } from './middleware.js';
import { withGradMode } from './state.js';

/**
 * Autograd as a context's gradient engine: core's `tensor(…, { requiresGrad: true })`,
 * `t.requiresGrad_()`, `t.backward()` and `t.detach()` call these. Installing it on a context adds
 * the recording middleware; nothing is patched onto Tensor and importing this module does nothing.
 */
export const autogradEngine: GradientEngine = {
  name: '@tessera/autograd',
  attach(ctx: Context): void {
    if (!ctx.hasMiddleware(autogradMiddleware)) ctx.use(autogradMiddleware);
  },
  setRequiresGrad(t: Tensor, flag: boolean): void {
    if (flag && !isFloat(t.dtype)) {
      throw new TesseraError(
        'requiresGrad',
        `only floating tensors take gradients, got a ${t.dtype} tensor of shape ${fmtShape(t.shape)}`,
      );
    }
    t.requiresGrad = flag;
  },
  backward,
  detach<T extends Tensor>(t: T): T {
    return withGradMode(t.ctx, false, () => view(t, t.shape));
  },
};

/**
 * Installs autograd on a context (the default one when none is given): its recording middleware
 * and its gradient engine, so that `t.backward()` and `{ requiresGrad: true }` work. Idempotent;
 * every autograd entry point (`requiresGrad`, `backward`, `grad`, `noGrad`, …) calls it.
 */
export function enableAutograd(ctx: Context = defaultContext()): void {
  ctx.setGradientEngine(autogradEngine);
  // A context whose middleware was removed by hand gets it back.
  autogradEngine.attach(ctx);
}
