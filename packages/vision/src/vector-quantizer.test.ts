import { backward, checkGrad, requiresGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn, tensor } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { describe, expect, it } from 'vitest';
import { VectorQuantizer } from './vector-quantizer.js';

const context = createContext();
const read = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync(), Number);

/** Brute force: for each row, the code with the smallest Σ_j (z_j − e_j)², first on ties. */
function naiveNearest(z: number[], book: number[], d: number): number[] {
  const k = book.length / d;
  const out: number[] = [];
  for (let i = 0; i < z.length / d; i++) {
    let best = -1;
    let bestDist = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (z[i * d + j] - book[c * d + j]) ** 2;
      if (dist < bestDist) [best, bestDist] = [c, dist];
    }
    out.push(best);
  }
  return out;
}

function quantizer(update: 'ema' | 'loss', dtype: 'f32' | 'f64' = 'f32', beta = 0.25, decay = 0.9) {
  manualSeed(3, context);
  return new VectorQuantizer({ codebookSize: 7, codeDim: 3, beta, update, decay, context, dtype });
}

describe('VectorQuantizer', () => {
  it('picks the nearest code (brute force) and looks codes up by index', () => {
    const vq = quantizer('ema');
    vq.eval();
    const z = randn([40, 3], { context }).mul(1.5);
    const book = read(vq.codebook);
    const expected = naiveNearest(read(z), book, 3);
    expect(read(vq.nearest(z))).toEqual(expected);
    const grid = tensor([6, 0, 2, 2, 5, 1], [2, 3], { dtype: 'i32', context });
    const looked = vq.lookup(grid);
    expect(looked.shape).toEqual([2, 3, 3]);
    expect(read(looked)).toEqual([6, 0, 2, 2, 5, 1].flatMap((c) => book.slice(c * 3, c * 3 + 3)));
  });

  it('channels-first z [b, D, h, w]: the quantized grid holds the nearest codes, indices are [b, h, w]', () => {
    const vq = quantizer('ema');
    vq.eval();
    const z = randn([2, 3, 2, 3], { context });
    const { quantized, indices } = vq.forward(z);
    expect(indices.shape).toEqual([2, 2, 3]);
    expect(quantized.shape).toEqual([2, 3, 2, 3]);
    // Rows by hand: position (b, y, x) has the vector z[b, :, y, x].
    const zv = read(z);
    const rows: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let p = 0; p < 6; p++) for (let j = 0; j < 3; j++) rows.push(zv[b * 18 + j * 6 + p]);
    const book = read(vq.codebook);
    const idx = naiveNearest(rows, book, 3);
    expect(read(indices)).toEqual(idx);
    const q = read(quantized);
    for (let b = 0; b < 2; b++)
      for (let p = 0; p < 6; p++)
        for (let j = 0; j < 3; j++)
          expect(q[b * 18 + j * 6 + p]).toBeCloseTo(book[idx[b * 6 + p] * 3 + j], 6);
  });

  it('straight-through: the gradient reaching z is the gradient at the quantized output, unchanged', () => {
    const vq = quantizer('ema');
    vq.eval();
    const z = requiresGrad(randn([5, 3], { context }));
    const w = randn([5, 3], { context });
    // Without the commitment loss, d Σ w·quantize(z) / dz = w exactly.
    backward(vq.forward(z).quantized.mul(w).sum());
    expect(read(z.grad!)).toEqual(read(w));
  });

  it('commitment and codebook losses match β·mean((z − e)²) and mean((z − e)²), with the hand gradients', () => {
    const beta = 0.3;
    const vq = quantizer('loss', 'f32', beta);
    const zv = read(randn([6, 3], { context }));
    const z = requiresGrad(tensor(zv, [6, 3], { context }));
    const book = read(vq.codebook);
    const idx = naiveNearest(zv, book, 3);
    const diff = zv.map((v, i) => v - book[idx[Math.floor(i / 3)] * 3 + (i % 3)]);
    const mse = diff.reduce((s, x) => s + x * x, 0) / diff.length;
    const out = vq.forward(z);
    expect(out.commitmentLoss.itemSync()).toBeCloseTo(beta * mse, 6);
    expect(out.codebookLoss.itemSync()).toBeCloseTo(mse, 6);
    backward(out.commitmentLoss.add(out.codebookLoss));
    // z only feels the commitment loss: 2β(z − e)/(N·D); code c only the codebook loss: Σ_{i→c} 2(e − z_i)/(N·D).
    read(z.grad!).forEach((g, i) => {
      expect(g).toBeCloseTo((2 * beta * diff[i]) / diff.length, 6);
    });
    const expectedBook = new Array(book.length).fill(0);
    diff.forEach((d, i) => {
      expectedBook[idx[Math.floor(i / 3)] * 3 + (i % 3)] -= (2 * d) / diff.length;
    });
    read(vq.codebook.grad!).forEach((g, i) => {
      expect(g).toBeCloseTo(expectedBook[i], 6);
    });
  });

  it('the commitment loss has the gradient of finite differences (checkGrad, f64)', async () => {
    const vq = quantizer('ema', 'f64');
    vq.eval();
    const z = randn([4, 3], { context, dtype: 'f64' });
    const report = await checkGrad((x) => vq.forward(x).commitmentLoss, [z]);
    expect(report.ok).toBe(true);
  });

  it('perplexity is exp(entropy of code usage)', () => {
    const vq = quantizer('ema');
    vq.eval();
    const z = randn([30, 3], { context });
    const counts = new Map<number, number>();
    for (const c of naiveNearest(read(z), read(vq.codebook), 3)) counts.set(c, (counts.get(c) ?? 0) + 1);
    const h = [...counts.values()].reduce((s, c) => s - (c / 30) * Math.log(c / 30), 0);
    expect(vq.forward(z).perplexity.itemSync()).toBeCloseTo(Math.exp(h), 4);
  });

  it('an EMA step moves counts, sums and codes by the formulas', () => {
    const decay = 0.9;
    const eps = 1e-5;
    const vq = quantizer('ema', 'f32', 0.25, decay);
    const count0 = read(vq.emaCount!);
    const sum0 = read(vq.emaSum!);
    const zv = read(randn([12, 3], { context }));
    const idx = naiveNearest(zv, read(vq.codebook), 3);
    vq.train();
    vq.forward(tensor(zv, [12, 3], { context }));
    const n = count0.map((c, k) => decay * c + (1 - decay) * idx.filter((i) => i === k).length);
    const m = sum0.map((s, f) => {
      const [k, j] = [Math.floor(f / 3), f % 3];
      const assigned = idx.reduce((acc, i, row) => (i === k ? acc + zv[row * 3 + j] : acc), 0);
      return decay * s + (1 - decay) * assigned;
    });
    const total = n.reduce((a, b) => a + b, 0);
    const smoothed = n.map((c) => ((c + eps) / (total + 7 * eps)) * total);
    read(vq.emaCount!).forEach((c, k) => {
      expect(c).toBeCloseTo(n[k], 5);
    });
    read(vq.codebook).forEach((e, f) => {
      expect(e).toBeCloseTo(m[f] / smoothed[Math.floor(f / 3)], 5);
    });
  });

  it('dead-code restarts move unused codes onto encoder outputs and leave used ones', () => {
    const vq = quantizer('loss');
    // All of z sits near code 0, so every other code is dead.
    const book = read(vq.codebook);
    const zv = Array.from({ length: 8 * 3 }, (_, i) => book[i % 3] + 1e-3 * (i % 5));
    const z = tensor(zv, [8, 3], { context });
    const moved = vq.restartDeadCodes(z, new Rng(1));
    expect(moved).toBe(6);
    const after = read(vq.codebook);
    expect(after.slice(0, 3)).toEqual(book.slice(0, 3));
    for (let c = 1; c < 7; c++) {
      const code = after.slice(c * 3, c * 3 + 3);
      const match = [...Array(8).keys()].some((r) =>
        code.every((v, j) => Math.abs(v - zv[r * 3 + j]) < 1e-6),
      );
      expect(match).toBe(true);
    }
  });

  it('rejects z of the wrong shape, naming it', () => {
    const vq = quantizer('ema');
    expect(() => vq.forward(randn([2, 4], { context }))).toThrow(
      'z must be [batch, 3, height, width] or [N, 3], got [2, 4]',
    );
  });
});
