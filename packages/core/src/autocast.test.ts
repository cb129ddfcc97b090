import { describe, expect, it } from 'vitest';
import {
  add,
  autocast,
  autocastDtype,
  createContext,
  f16BitsToF32,
  f32ToF16Bits,
  matmul,
  randn,
  softmax,
  sum,
  tensor,
} from './index.js';

const toF16 = (x: number) => f16BitsToF32(f32ToF16Bits(x));

describe('autocast', () => {
  it('matmul computes from f16-rounded inputs with f32 accumulation and returns f16', () => {
    const context = createContext();
    const a = randn([5, 7], { context });
    const b = randn([7, 3], { context });
    const out = autocast(() => matmul(a, b), { context });
    expect(out.dtype).toBe('f16');
    const A = a.dataSync();
    const B = b.dataSync();
    const got = out.dataSync();
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 3; j++) {
        let acc = 0;
        for (let k = 0; k < 7; k++) acc += toF16(A[i * 7 + k]) * toF16(B[k * 3 + j]);
        // f32 accumulation then one rounding to f16: within half an f16 ulp of the exact sum (plus f32 slack).
        expect(Math.abs(got[i * 3 + j] - toF16(acc))).toBeLessThanOrEqual(Math.abs(acc) * 2 ** -10 + 1e-6);
      }
    }
    // Outside the scope nothing is cast.
    expect(matmul(a, b).dtype).toBe('f32');
  });

  it('softmax and reductions of half inputs compute in f32; other ops promote as usual', () => {
    const context = createContext();
    const h = tensor([1, 2, 3, 4], { dtype: 'f16', context });
    const f = tensor([0.5, 0.5, 0.5, 0.5], { context });
    const [s, total, mixed, halfOnly] = autocast(() => [softmax(h, 0), sum(h), add(h, f), add(h, h)], {
      context,
    });
    expect(s.dtype).toBe('f32');
    expect(total.dtype).toBe('f32');
    expect(mixed.dtype).toBe('f32');
    expect(halfOnly.dtype).toBe('f16');
    const e = [1, 2, 3, 4].map(Math.exp);
    const z = e.reduce((x, y) => x + y);
    Array.from(s.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(e[i] / z, 6);
    });
  });

  it('bf16 scopes, nesting with enabled: false, and the dtype query', () => {
    const context = createContext();
    const a = randn([2, 2], { context });
    autocast(
      () => {
        expect(autocastDtype(context)).toBe('bf16');
        expect(matmul(a, a).dtype).toBe('bf16');
        autocast(() => expect(matmul(a, a).dtype).toBe('f32'), { context, enabled: false });
        expect(matmul(a, a).dtype).toBe('bf16');
      },
      { context, dtype: 'bf16' },
    );
    expect(autocastDtype(context)).toBeUndefined();
  });

  it('names bad arguments and refuses async functions, leaving the scope closed', () => {
    const context = createContext();
    expect(() => autocast(() => 1, { context, dtype: 'f8' as never })).toThrow(
      /autocast: dtype must be 'f16' or 'bf16', got 'f8'/,
    );
    expect(() => autocast(async () => 1, { context })).toThrow(/autocast: fn returned a Promise/);
    expect(() => autocast(() => 1, { context, dtpye: 'bf16' } as never)).toThrow(
      /autocast: unknown option 'dtpye'/,
    );
    expect(
      autocast(() => matmul(randn([2, 2], { context }), randn([2, 2], { context })).dtype, {
        context,
        dtype: 'bfloat16',
      }),
    ).toBe('bf16');
    expect(autocastDtype(context)).toBeUndefined();
  });
});
