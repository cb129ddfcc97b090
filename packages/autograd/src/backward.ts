import {
  add,
  type BackwardOptions,
  contiguous,
  fail,
  fmtShape,
  isFloat,
  keep,
  onesLike,
  type Tensor,
} from '@tessera/core';
import { reversePass } from './engine.js';
import { withGradMode } from './state.js';

export type { BackwardOptions };

/**
 * PyTorch's `loss.backward()` (also `loss.backward()` itself, through the context's gradient
 * engine): accumulates d loss / d leaf into `.grad` of every leaf that requires grad. Each `.grad`
 * is a kept tensor the caller owns (zeroGrad clears them). A loss with history means autograd is
 * already installed on its context (by whatever made a leaf require grad).
 */
export function backward(loss: Tensor, options: BackwardOptions = {}): void {
  if (loss.isDisposed)
    fail('backward', `the loss (shape ${fmtShape(loss.shape)}, ${loss.dtype}) has been disposed`);
  if (!isFloat(loss.dtype))
    fail('backward', `a ${loss.dtype} tensor (shape ${fmtShape(loss.shape)}) is not differentiable`);
  const { gradOutput } = options;
  if (!gradOutput && loss.size !== 1) {
    fail(
      'backward',
      `the loss has shape ${fmtShape(loss.shape)}; pass { gradOutput } for a non-scalar output`,
    );
  }
  if (gradOutput && (gradOutput.dtype !== loss.dtype || gradOutput.shape.join() !== loss.shape.join())) {
    fail(
      'backward',
      `gradOutput is ${fmtShape(gradOutput.shape)} ${gradOutput.dtype}, the loss is ${fmtShape(loss.shape)} ${loss.dtype}`,
    );
  }
  const createGraph = options.createGraph ?? false;
  const seed = gradOutput ?? withGradMode(loss.ctx, false, () => onesLike(loss));
  try {
    const found = reversePass(loss.ctx, [loss], [seed], 'leaves', {
      retainGraph: options.retainGraph ?? createGraph,
      createGraph,
    });
    withGradMode(loss.ctx, createGraph, () => {
      for (const [edge, g] of found) {
        if (edge.kind !== 'leaf') continue;
        const leaf = edge.tensor;
        // A leaf disposed since the forward pass has nowhere to keep its gradient.
        if (leaf.isDisposed) {
          g.dispose();
          continue;
        }
        const prev = leaf.grad;
        if (prev && !prev.isDisposed) {
          leaf.grad = keep(add(prev, g));
          prev.dispose();
          g.dispose();
        } else {
          // A gradient may arrive as a broadcast view (stride 0); .grad is a tensor of its own.
          const own = contiguous(g);
          if (own !== g) g.dispose();
          leaf.grad = keep(own);
        }
      }
    });
  } finally {
    if (seed !== gradOutput) seed.dispose();
  }
}
