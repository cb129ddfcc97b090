import { createContext } from '@tessera/core';
import { expect, it } from 'vitest';
import { runTour } from './tour.js';

it('the tour prints hand-checked numbers and leaks nothing', () => {
  const steps = runTour(createContext());
  const text = steps.map((s) => s.lines.join('\n')).join('\n');
  // (a + b) · 2 with a = [[1,2,3],[4,5,6]], b = [10,20,30].
  expect(text).toContain('[22, 44, 66, 28, 50, 72]');
  expect(text).toContain('→ [1, 4, 2, 5, 3, 6]');
  expect(text).toContain('a[:, ::2] → [1, 3, 4, 6]');
  expect(text).toContain('sum(axis 0) [5, 7, 9], mean(axis 1) [2, 5]');
  expect(text).toContain('max 6, argmax(axis 1) [2, 2]');
  // ‖x‖²_F for x = k/n² over k < n², n = 64: Σk² / n⁴ = (N−1)N(2N−1)/6 / N² with N = 4096.
  const N = 4096;
  const frob = ((N - 1) * N * (2 * N - 1)) / 6 / N ** 2;
  expect(text).toContain(`trace(x·xᵀ) = ${frob.toFixed(4)}`);
  const dev = Number(/largest \|row sum − 1\|: (\S+)/.exec(text)?.[1]);
  expect(dev).toBeLessThan(1e-6);
  expect(text).toContain('live tensors after the tour: 0');
});
