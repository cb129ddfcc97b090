import { createContext, memory, randn, resetPeakMemory, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { backward } from './backward.js';
import { requiresGrad } from './grad-mode.js';

describe('matmul: the gradient of a matrix shared by a batch', () => {
  it('x·Wᵀ on [b, s, k] gives W a contiguous gradient equal to Σ over the batch of gᵀ·x, without a batch × k × n transient', async () => {
    const ctx = createContext();
    const [b, s, k, n] = [32, 4, 24, 16];
    const x = randn([b, s, k], { context: ctx });
    const w = requiresGrad(randn([n, k], { context: ctx }));
    const g = randn([b, s, n], { context: ctx });
    resetPeakMemory(ctx);
    const before = memory(ctx).bytes;
    tidy(() => backward(x.matmul(w.transpose(0, 1)), { gradOutput: g }), ctx);
    const peakExtra = memory(ctx).peakBytes - before;
    // Naive reference: dW[j][i] = Σ over batch and rows of g[·, j] · x[·, i].
    const xs = await x.data();
    const gs = await g.data();
    const want = new Float64Array(n * k);
    for (let r = 0; r < b * s; r++)
      for (let j = 0; j < n; j++)
        for (let i = 0; i < k; i++) want[j * k + i] += gs[r * n + j] * xs[r * k + i];
    const got = await w.grad!.data();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 3);
    expect(w.grad!.isContiguous).toBe(true);
    // The output [b, s, n] and the gradient [n, k] are what backward must make; one product per
    // batch entry would have held b·k·n floats (49 KiB here) before summing them.
    const floats = b * s * n + n * k;
    expect(peakExtra).toBeLessThanOrEqual(4 * floats * 1.5);
    expect(peakExtra).toBeLessThan(4 * b * k * n);
  });
});
