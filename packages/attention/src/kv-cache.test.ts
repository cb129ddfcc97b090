import { createContext, matmul, type Tensor, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { KVCache } from './kv-cache.js';
import { applyRotary } from './rotary.js';
import { scaledDotProductAttention } from './scaled-dot-product-attention.js';
import { relativeError, testValues } from './testing/reference.js';

describe('KVCache', () => {
  it('decoding token by token gives the outputs of the full causal sequence (GQA, rotary)', () => {
    const context = createContext();
    const [s, dm, h, hk, d] = [9, 12, 4, 2, 6];
    const x = tensor(testValues(s * dm, 1), [1, s, dm], { context });
    const w = (seed: number, out: number) => tensor(testValues(dm * out, seed), [dm, out], { context });
    const [wq, wk, wv] = [w(2, h * d), w(3, hk * d), w(4, hk * d)];
    const heads = (t: Tensor, n: number) => t.reshape([1, t.shape[1], n, d]).permute([0, 2, 1, 3]);
    const project = (xs: Tensor, offset: number) => ({
      q: applyRotary(heads(matmul(xs, wq), h), { offset }),
      k: applyRotary(heads(matmul(xs, wk), hk), { offset }),
      v: heads(matmul(xs, wv), hk),
    });
    const full = tidy(() => {
      const { q, k, v } = project(x, 0);
      return scaledDotProductAttention(q, k, v, { causal: true });
    }, context);
    const cache = new KVCache(1);
    const steps: number[][] = [];
    // A prompt of 4 tokens, then one token at a time.
    for (const [start, end] of [
      [0, 4],
      [4, 5],
      [5, 6],
      [6, 7],
      [7, 8],
      [8, 9],
    ]) {
      const out = tidy(() => {
        const { q, k, v } = project(x.slice(1, start, end), cache.length);
        const all = cache.append(0, k, v);
        return scaledDotProductAttention(q, all.k, all.v, { causal: true });
      }, context);
      expect(cache.length).toBe(end);
      const rows = out.permute([0, 2, 1, 3]).contiguous().dataSync() as Float32Array;
      for (let r = 0; r < end - start; r++) steps.push(Array.from(rows.slice(r * h * d, (r + 1) * h * d)));
    }
    const want = full.permute([0, 2, 1, 3]).contiguous().dataSync() as Float32Array;
    expect(relativeError(steps.flat(), want)).toBeLessThan(1e-5);
    cache.dispose();
    expect(cache.length).toBe(0);
  });
});
