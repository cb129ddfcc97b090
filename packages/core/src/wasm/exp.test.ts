import { describe, expect, it } from 'vitest';
import { compileModule, emitModule } from './emitter.js';
import { expShiftFunction } from './exp.js';

/** expShift over a fresh memory of one page; `heap` is that memory as f32. */
function expShift(): { heap: Float32Array; run: (n: number, m: number) => number } {
  const module = compileModule(emitModule([expShiftFunction()], { initial: 1 }));
  if (!module) throw new Error('this runtime has no WebAssembly SIMD');
  const memory = new WebAssembly.Memory({ initial: 1 });
  const fn = new WebAssembly.Instance(module, { env: { memory } }).exports.expShift as (
    p: number,
    n: number,
    m: number,
  ) => number;
  return { heap: new Float32Array(memory.buffer), run: (n, m) => fn(0, n, m) };
}

describe('the SIMD exponential (expShift)', () => {
  it('is within 2.5e-7 relative of Math.exp, 0 below −87 and for −∞, and sums what it writes', () => {
    const { heap, run } = expShift();
    // A sweep over [−90, 80] (the whole exponent range and the flush threshold; the sum stays
    // finite in f32) plus −∞, a multiple of 4 long so every element takes the SIMD loop.
    const xs = Array.from({ length: 4000 }, (_, i) => -90 + (170 * i) / 3999);
    xs.push(Number.NEGATIVE_INFINITY, -87.5, -86.5, 0);
    const m = 0.75;
    heap.set(xs.map((x) => x + m));
    const sum = run(xs.length, m);
    let want = 0;
    xs.forEach((_, i) => {
      // The kernel subtracts in f32: compare with e^ of that rounded difference.
      const x = Math.fround(Math.fround(xs[i] + m) - m);
      if (x < -87) expect(heap[i]).toBe(0);
      else expect(Math.abs(heap[i] - Math.exp(x)) / Math.exp(x)).toBeLessThan(2.5e-7);
      want += heap[i];
    });
    expect(Math.abs(sum - want) / want).toBeLessThan(1e-6);
  });

  it('keeps NaN', () => {
    const { heap, run } = expShift();
    heap.set([Number.NaN, 0, 1, 2]);
    expect(Number.isNaN(run(4, 0))).toBe(true);
    expect(Number.isNaN(heap[0])).toBe(true);
    expect(heap[1]).toBe(1);
  });
});
