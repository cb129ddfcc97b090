import { describe, expect, it } from 'vitest';
import { erf, erfc, roundHalfEven, sigmoid } from './math.js';

/**
 * `@tessera/core/math` against tabulated values: erf and erfc to 16 digits (computed to 50 digits
 * with mpmath and rounded), each near 0, in the series range, across
 * the switch to the continued fraction at 2.5 and in the far tail, where erfc's relative accuracy
 * is what matters.
 */
describe('@tessera/core/math', () => {
  const ERF: [number, number][] = [
    [1e-8, 1.1283791670955125e-8],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [2.4999, 0.9995928300996666],
    [2.5, 0.999593047982555],
    [3, 0.9999779095030014],
  ];
  const ERFC: [number, number][] = [
    [0.5, 0.4795001221869535],
    [2.5, 4.069520174449589e-4],
    [3, 2.209049699858544e-5],
    [5, 1.537459794428035e-12],
    [10, 2.088487583762545e-45],
    [26, 5.663192408856143e-296],
  ];

  it('erf matches the table, is odd and keeps the sign of zero', () => {
    for (const [x, want] of ERF) {
      // The series sums terms up to ~500 near 2.5: a few units of 1e-15 are lost to cancellation.
      expect(Math.abs(erf(x) - want) / want).toBeLessThan(1e-14);
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(Number.isNaN(erf(Number.NaN))).toBe(true);
    expect(erf(Number.POSITIVE_INFINITY)).toBe(1);
  });

  it('erfc keeps its relative accuracy in the tail and reflects through 2 − erfc(−x)', () => {
    for (const [x, want] of ERFC) expect(Math.abs(erfc(x) - want) / want).toBeLessThan(1e-14);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 15);
    expect(erfc(0)).toBe(1);
  });

  it('sigmoid does not overflow and rounding ties go to even', () => {
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(0)).toBe(0.5);
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });
});
