import { describe, expect, it } from 'vitest';
import {
  bf16BitsToF32,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  promoteTypes,
  scalarDType,
} from './dtype.js';

// Bit patterns from the IEEE 754 binary16 and bfloat16 definitions.
describe('half-precision conversion', () => {
  const f16: [number, number][] = [
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest finite f16
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [Number.POSITIVE_INFINITY, 0x7c00],
    [1 / 3, 0x3555],
  ];
  it.each(f16)('f16 of %d is %i', (x, bits) => {
    expect(f32ToF16Bits(x)).toBe(bits);
    if (x !== 1 / 3) expect(f16BitsToF32(bits)).toBe(x);
  });

  it('f16 rounds to nearest even and overflows to infinity', () => {
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway: stays even
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway: rounds up to even
    expect(f32ToF16Bits(65520)).toBe(0x7c00);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(Number.NaN)))).toBe(true);
  });

  const bf16: [number, number][] = [
    [1, 0x3f80],
    [-2, 0xc000],
    [3.140625, 0x4049],
    [Number.NEGATIVE_INFINITY, 0xff80],
  ];
  it.each(bf16)('bf16 of %d is %i', (x, bits) => {
    expect(f32ToBf16Bits(x)).toBe(bits);
    expect(bf16BitsToF32(bits)).toBe(x);
  });

  it('bf16 rounds to nearest even', () => {
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // halfway between 1 and 1 + 2^-7
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });
});

describe('type promotion', () => {
  it('follows the bool < i32 < half < f32 < f64 lattice', () => {
    expect(promoteTypes('i32', 'f32')).toBe('f32');
    expect(promoteTypes('bool', 'i32')).toBe('i32');
    expect(promoteTypes('f16', 'bf16')).toBe('f32');
    expect(promoteTypes('f16', 'f64')).toBe('f64');
    expect(promoteTypes('i32', 'bf16')).toBe('bf16');
  });
  it('scalars never widen float tensors', () => {
    expect(scalarDType('f16', 2.5)).toBe('f16');
    expect(scalarDType('i32', 2)).toBe('i32');
    expect(scalarDType('i32', 2.5)).toBe('f32');
    expect(scalarDType('bool', 1)).toBe('i32');
  });
});

describe('whole-array half conversions', () => {
  it('agree with the scalar conversions on every f16 and bf16 pattern and on edge f32 values', async () => {
    const { decodeHalfArray, encodeHalfArray } = await import('./dtype.js');
    const all = new Uint16Array(65536).map((_, i) => i);
    for (const [dtype, dec, enc] of [
      ['f16', f16BitsToF32, f32ToF16Bits],
      ['bf16', bf16BitsToF32, f32ToBf16Bits],
    ] as const) {
      const out = new Float32Array(65536);
      decodeHalfArray(dtype, all, out);
      for (let h = 0; h < 65536; h++) {
        const want = dec(h);
        if (Number.isNaN(want)) expect(Number.isNaN(out[h])).toBe(true);
        else expect(out[h]).toBe(Math.fround(want));
      }
      // Values around every rounding boundary: the halfway points between neighbouring patterns,
      // nudged by one f32 ulp either way, plus overflow, underflow, subnormals, ±0, ±inf and NaN.
      const xs: number[] = [
        0,
        -0,
        Infinity,
        -Infinity,
        NaN,
        65504,
        65520,
        65519.99,
        1e-8,
        6e-8,
        -3e-5,
        1e30,
        -1e30,
      ];
      for (let h = 0; h < 65535; h += 37) {
        const a = dec(h);
        const b = dec(h + 1);
        if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
        const mid = Math.fround((a + b) / 2);
        xs.push(mid, Math.fround(mid * (1 + 2 ** -23)), Math.fround(mid * (1 - 2 ** -23)), a);
      }
      const src = Float32Array.from(xs);
      const dst = new Uint16Array(src.length);
      encodeHalfArray(dtype, src, dst);
      src.forEach((x, i) => {
        const want = enc(x);
        if (Number.isNaN(x)) expect(Number.isNaN(dec(dst[i]))).toBe(true);
        else expect(dst[i], `${dtype} of ${x}`).toBe(want);
      });
    }
  });
});
