import { createContext, manualSeed, randn, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { PointerHead } from './pointer.js';
import { COORDINATES, FIRST_COORDINATE, VOCAB } from './tokenizer.js';

const values = (t: Tensor) => Array.from(t.dataSync() as Float32Array);
/** y = W·x + b of a row-major [out, in] weight. */
const affine = (w: number[], b: number[] | undefined, x: number[], out: number) =>
  Array.from({ length: out }, (_, o) => x.reduce((s, xi, i) => s + w[o * x.length + i] * xi, b?.[o] ?? 0));
const softmax = (xs: number[]) => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const z = e.reduce((a, c) => a + c, 0);
  return e.map((x) => x / z);
};

describe('PointerHead', () => {
  it('shares the text head’s coordinate mass out as g·p_x + (1 − g)·p_y, by a naive reference', () => {
    const ctx = createContext();
    manualSeed(3, ctx);
    const dim = 4;
    const grid = { rows: 2, cols: 3, cell: 2 }; // a 6×4-pixel screenshot
    const n = grid.rows * grid.cols;
    const head = new PointerHead(dim, grid.cell, { context: ctx });
    const o = { context: ctx };
    const textLogits = randn([1, 2, VOCAB.length], o);
    const text = randn([1, 2, dim], o);
    const image = randn([1, n, dim], o);
    const out = values(head.forward(textLogits, text, image, grid));

    const w = (t: Tensor) => values(t);
    const [wq, wk, wo, bo, wg, bg] = [
      w(head.query.weight),
      w(head.key.weight),
      w(head.offsets.weight),
      w(head.offsets.bias as Tensor),
      w(head.gate.weight),
      w(head.gate.bias as Tensor),
    ];
    const tl = values(textLogits);
    const th = values(text);
    const ih = values(image);
    const imageRow = (i: number) => ih.slice(i * dim, (i + 1) * dim);
    const keys = Array.from({ length: n }, (_, i) => affine(wk, undefined, imageRow(i), dim));
    const offsets = Array.from({ length: n }, (_, i) => affine(wo, bo, imageRow(i), 2 * grid.cell));
    const dx = offsets.map((r) => softmax(r.slice(0, grid.cell)));
    const dy = offsets.map((r) => softmax(r.slice(grid.cell)));
    const V = VOCAB.length;
    for (let t = 0; t < 2; t++) {
      const h = th.slice(t * dim, (t + 1) * dim);
      const q = affine(wq, undefined, h, dim);
      const p = softmax(keys.map((k) => k.reduce((s, ki, j) => s + ki * q[j], 0) / Math.sqrt(dim)));
      const g = 1 / (1 + Math.exp(-affine(wg, bg, h, 1)[0]));
      const row = tl.slice(t * V, (t + 1) * V);
      const coordinateMass = row
        .slice(FIRST_COORDINATE, FIRST_COORDINATE + COORDINATES)
        .reduce((s, l) => s + Math.exp(l), 0);
      const got = out.slice(t * V, (t + 1) * V);
      for (let v = 0; v < COORDINATES; v++) {
        let px = 0;
        let py = 0;
        for (let i = 0; i < n; i++) {
          const [r, c] = [Math.floor(i / grid.cols), i % grid.cols];
          if (Math.floor(v / grid.cell) === c && v < grid.cols * grid.cell) px += p[i] * dx[i][v % grid.cell];
          if (Math.floor(v / grid.cell) === r && v < grid.rows * grid.cell) py += p[i] * dy[i][v % grid.cell];
        }
        const expected = coordinateMass * (g * px + (1 - g) * py);
        const actual = Math.exp(got[FIRST_COORDINATE + v]);
        if (expected < 1e-30) expect(actual).toBeLessThan(1e-30);
        else expect(actual / expected).toBeCloseTo(1, 4);
      }
      // Every other token keeps the text head's logit.
      for (let id = 0; id < V; id++)
        if (id < FIRST_COORDINATE || id >= FIRST_COORDINATE + COORDINATES) expect(got[id]).toBe(row[id]);
    }
  });

  it('names the expected grid when the image tokens do not match it', () => {
    const ctx = createContext();
    const head = new PointerHead(4, 2, { context: ctx });
    const o = { context: ctx };
    expect(() =>
      head.forward(randn([1, 1, VOCAB.length], o), randn([1, 1, 4], o), randn([1, 5, 4], o), {
        rows: 2,
        cols: 3,
        cell: 2,
      }),
    ).toThrow(/expected 6 image tokens/);
  });
});
