import { checkGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor, tensor } from '@tessera/core';
import { describe, it } from 'vitest';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits } from './binary-cross-entropy.js';
import { crossEntropy, nllLoss } from './cross-entropy.js';
import { dropout } from './dropout.js';
import { klDiv } from './kl-div.js';
import { linear } from './linear.js';
import { mseLoss } from './mse-loss.js';
import { layerNorm, rmsNorm } from './normalization.js';

const context = createContext();
const f64 = { dtype: 'f64' as const, context };
const rnd = (shape: number[]): Tensor => randn(shape, f64);
manualSeed(3, context);

describe('every functional is differentiated by autograd (checkGrad against finite differences)', () => {
  const targets = tensor([2, 0, 1, 2], { dtype: 'i32', context });
  const ignoring = tensor([2, -100, 1, 2], { dtype: 'i32', context });

  it('crossEntropy with indices, label smoothing and ignoreIndex', async () => {
    await checkGrad((x) => crossEntropy(x, targets), [rnd([4, 3])]);
    await checkGrad((x) => crossEntropy(x, ignoring, { labelSmoothing: 0.1 }), [rnd([4, 3])]);
    await checkGrad((x) => crossEntropy(x, targets, { reduction: 'none' }), [rnd([4, 3])]);
  });

  it('crossEntropy with probability targets (both arguments)', async () => {
    const q = rnd([4, 3]).softmax(-1);
    await checkGrad(
      (x, t) => crossEntropy(x, t, { labelSmoothing: 0.2, reduction: 'sum' }),
      [rnd([4, 3]), q],
    );
  });

  it('nllLoss', async () => {
    await checkGrad((x) => nllLoss(x.logSoftmax(-1), ignoring), [rnd([4, 3])]);
  });

  it('mseLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits', async () => {
    await checkGrad((x, y) => mseLoss(x, y), [rnd([3, 2]), rnd([3, 2])]);
    const y = tensor([0, 1, 1, 0, 0.3, 1], [3, 2], f64);
    await checkGrad((x) => binaryCrossEntropy(x.sigmoid(), y), [rnd([3, 2])]);
    await checkGrad((x) => binaryCrossEntropyWithLogits(x, y, { reduction: 'sum' }), [rnd([3, 2]).mul(3)]);
  });

  it('klDiv, with probability and log-probability targets', async () => {
    const p = rnd([2, 4]).softmax(-1);
    await checkGrad((x) => klDiv(x.logSoftmax(-1), p, { reduction: 'batchmean' }), [rnd([2, 4])]);
    await checkGrad((x, t) => klDiv(x.logSoftmax(-1), t, { logTarget: true }), [rnd([2, 4]), p.log()]);
  });

  it('linear, layerNorm, rmsNorm, dropout', async () => {
    await checkGrad((x, w, b) => linear(x, w, b), [rnd([2, 3, 4]), rnd([5, 4]), rnd([5])]);
    await checkGrad((x, w, b) => layerNorm(x, [4], w, b), [rnd([3, 4]), rnd([4]), rnd([4])]);
    await checkGrad((x, w) => rmsNorm(x, [2, 3], w), [rnd([2, 2, 3]), rnd([2, 3])]);
    // Dropout's mask is drawn afresh per call: reseed so every evaluation sees the same mask.
    await checkGrad(
      (x) => {
        manualSeed(11, context);
        return dropout(x, 0.4);
      },
      [rnd([4, 5])],
    );
  });
});
