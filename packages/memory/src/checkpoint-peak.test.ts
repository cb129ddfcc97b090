import { backward } from '@tessera/autograd';
import { createContext, memory, randint, resetPeakMemory, tidy } from '@tessera/core';
import { crossEntropy } from '@tessera/nn';
import { Decoder } from '@tessera/transformer';
import { describe, expect, it } from 'vitest';
import { activationBytesPerLayer, countDecoderParameters } from './index.js';

/** Peak bytes above what was live before one forward + backward of a decoder with `layers` blocks. */
function stepPeak(layers: number, checkpoint: boolean): number {
  const context = createContext();
  const model = new Decoder(
    { vocab: 64, dim: 64, layers, heads: 4, kvHeads: 4, ffnHidden: 128, checkpoint },
    { context },
  );
  model.train();
  const x = randint(0, 64, [8, 64], { context });
  const y = randint(0, 64, [8 * 64], { context });
  const base = memory(context).bytes;
  resetPeakMemory(context);
  tidy(() => backward(crossEntropy(model.forward(x).reshape([8 * 64, 64]), y)), context);
  return memory(context).peakBytes - base;
}

describe('activation checkpointing, measured against the planner', () => {
  it('each checkpointed block adds its input (full recomputation, s·b·h·4 bytes) plus its gradients to the peak', () => {
    const config = { layers: 1, hidden: 64, heads: 4, ffn: 128, vocab: 64 };
    const p = countDecoderParameters(config);
    const perLayerGradients = 4 * (p.attentionPerLayer + p.denseFfnPerLayer + p.normsPerLayer);
    const full = activationBytesPerLayer({
      seq: 64,
      batch: 8,
      hidden: 64,
      heads: 4,
      bytes: 4,
      recompute: 'full',
    }).total;
    const slope = (stepPeak(4, true) - stepPeak(2, true)) / 2;
    expect(slope).toBe(full + perLayerGradients);
    // Without checkpointing every block keeps its intermediates: the peak grows much faster.
    const plainSlope = (stepPeak(4, false) - stepPeak(2, false)) / 2;
    expect(plainSlope).toBeGreaterThan(5 * slope);
  });
});
