import { backward } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { KVCache } from './kv-cache.js';
import { MultiHeadAttention } from './multi-head-attention.js';
import { relativeError } from './testing/reference.js';

const read = (t: Tensor) => Array.from(t.dataSync() as Float32Array);

describe('MultiHeadAttention', () => {
  it('cuSeqlens packs sequences: each output equals that sequence run alone (causal, 1-D rotary restarting per sequence)', () => {
    const context = createContext();
    manualSeed(4, context);
    const mha = new MultiHeadAttention(8, { heads: 2, causal: true, rotary: true, context });
    const lengths = [3, 5, 2];
    const x = randn([1, 10, 8], { context });
    const positions = [0, 1, 2, 0, 1, 2, 3, 4, 0, 1];
    const got = read(mha.forward(x, { cuSeqlens: [0, 3, 8, 10], positions }).contiguous());
    let start = 0;
    for (const n of lengths) {
      const alone = read(mha.forward(x.slice(1, start, start + n)).contiguous());
      const slice = got.slice(start * 8, (start + n) * 8);
      expect(relativeError(slice, alone)).toBeLessThan(1e-5);
      start += n;
    }
    expect(() => mha.forward(randn([2, 10, 8], { context }), { cuSeqlens: [0, 3, 10] })).toThrow(
      'cuSeqlens packs sequences into a batch of 1 without a cache, got x [2, 10, 8]',
    );
  });

  it('KV-cache decoding gives the outputs of recomputing the full sequence (GQA, QK-norm, rotary)', () => {
    const context = createContext();
    manualSeed(3, context);
    const mha = new MultiHeadAttention(16, {
      heads: 4,
      kvHeads: 2,
      causal: true,
      qkNorm: true,
      rotary: true,
      context,
    });
    const x = randn([2, 7, 16], { context });
    const full = read(tidy(() => mha.forward(x).contiguous(), context));
    const cache = new KVCache(1);
    const pieces: number[][] = [];
    for (const [a, b] of [
      [0, 3],
      [3, 4],
      [4, 5],
      [5, 6],
      [6, 7],
    ]) {
      pieces.push(read(tidy(() => mha.forward(x.slice(1, a, b), { cache }).contiguous(), context)));
    }
    expect(cache.length).toBe(7);
    // Reassemble [b, s, dim] from the per-step [b, step, dim] pieces.
    const steps = [3, 1, 1, 1, 1];
    const got: number[] = [];
    for (let batch = 0; batch < 2; batch++) {
      pieces.forEach((p, i) => {
        const n = steps[i] * 16;
        got.push(...p.slice(batch * n, (batch + 1) * n));
      });
    }
    expect(relativeError(got, full)).toBeLessThan(1e-5);
    cache.dispose();
  });

  it('2-D rotary: shifting every (row, col) position by one offset leaves the output unchanged', () => {
    const context = createContext();
    manualSeed(4, context);
    const mha = new MultiHeadAttention(16, { heads: 2, rotary: { axes: 2 }, context });
    const x = randn([1, 6, 16], { context });
    const at = (positions: readonly (readonly [number, number])[]) =>
      read(tidy(() => mha.forward(x, { positions }).contiguous(), context));
    const grid = Array.from({ length: 6 }, (_, n) => [Math.floor(n / 3), n % 3] as const);
    const base = at(grid);
    expect(relativeError(at(grid.map(([r, c]) => [r + 5, c + 2] as const)), base)).toBeLessThan(1e-5);
    // Moving one token changes what it sees.
    expect(relativeError(at([[4, 4], ...grid.slice(1)]), base)).toBeGreaterThan(1e-3);
    // Without positions, token p sits at (p, p).
    const diagonal = Array.from({ length: 6 }, (_, p) => [p, p] as const);
    expect(relativeError(read(tidy(() => mha.forward(x).contiguous(), context)), at(diagonal))).toBe(0);
    expect(() => new MultiHeadAttention(12, { heads: 2, rotary: { axes: 2 }, context })).toThrow(
      '2-D rotary needs a head dim divisible by 4, got 6',
    );
  });

  it('flash and naive strategies give the same outputs and parameter gradients', () => {
    const results = (['flash', 'naive'] as const).map((strategy) => {
      const context = createContext();
      manualSeed(5, context);
      const mha = new MultiHeadAttention(12, { heads: 3, kvHeads: 1, causal: true, strategy, context });
      const x = randn([2, 9, 12], { context });
      const y = mha.forward(x);
      backward(y.square().sum());
      return [read(y), ...mha.parameters().map((p) => read(p.grad!))];
    });
    results[0].forEach((r, i) => {
      expect(relativeError(r, results[1][i])).toBeLessThan(1e-5);
    });
  });

  it('rejects shapes it cannot split, naming them', () => {
    const context = createContext();
    expect(() => new MultiHeadAttention(10, { heads: 4, context })).toThrow('dim 10 must split into 4 heads');
    expect(() => new MultiHeadAttention(12, { heads: 4, kvHeads: 3, context })).toThrow(
      'heads (4) must be a multiple of kvHeads (3)',
    );
    const mha = new MultiHeadAttention(8, { heads: 2, context });
    expect(() => mha.forward(randn([2, 8], { context }))).toThrow('x must be [batch, seq, 8], got [2, 8]');
  });
});
