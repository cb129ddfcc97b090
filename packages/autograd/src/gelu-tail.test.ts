import { createContext, gelu, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { grad } from './functional.js';

/**
 * gelu's exact and tanh forms in their negative tails. Tanh: derivatives of x·σ(2u), u = √(2/π)(x + 0.044715x³), to
 * 40 digits (mpmath's numerical derivative): −2.7651173507066019e-14 at −7, −2.5157352850674252e-27
 * at −9, 1.1277107931514331 at 1.5. The rule written with ½(1 + tanh u) lost these to cancellation
 * (1 + tanh u is 0 in f64 at −9).
 */
describe('gelu gradients in the negative tail', () => {
  // d xΦ(x) = Φ(x) + xφ(x) to 40 digits (mpmath): at −9 Φ is 1.1e-19, which ½(1 + erf(x/√2))
  // rounds to 0 in f64 (1.2 % of the derivative there).
  it('exact: matches the 40-digit derivative at −7, −9, −30, 0 and 1.5 in f64', () => {
    const ctx = createContext();
    const want = [
      -6.266323031466633e-11, -9.138937373906639e-18, -4.416031690708494e-195, 0.5, 1.1274691922299795,
    ];
    const x = tensor([-7, -9, -30, 0, 1.5], [5], { dtype: 'f64', context: ctx });
    const got = grad((t) => gelu(t).sum())(x).dataSync();
    for (let i = 0; i < 5; i++) expect(Math.abs(got[i] / want[i] - 1)).toBeLessThan(1e-12);
  });

  it('matches the 40-digit derivative at −7, −9 and 1.5 in f64', () => {
    const ctx = createContext();
    const want = [-2.765117350706602e-14, -2.515735285067425e-27, 1.1277107931514332];
    const x = tensor([-7, -9, 1.5], [3], { dtype: 'f64', context: ctx });
    const got = grad((t) => gelu(t, { approximate: 'tanh' }).sum())(x).dataSync();
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i] / want[i] - 1)).toBeLessThan(1e-12);
  });
});
