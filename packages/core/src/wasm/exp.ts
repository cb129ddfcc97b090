import { FunctionBuilder } from './emitter.js';

/*
 * The exponential in WebAssembly SIMD, which has no exp instruction: range reduction
 * x = k·ln 2 + r (|r| ≤ ln 2 / 2), a degree-6 minimax polynomial for e^r and 2^k built in the
 * exponent bits; about 1 ulp of f32, exactly 0 below −87 (so −∞ gives 0), clamped at 88, NaN
 * kept. The CPU backend's softmax, logSoftmax and logsumexp use it, and so do
 * @tessera/attention's flash kernels.
 */

/**
 * Emits y ← e^x for the four lanes of the v128 local `x` (which it overwrites), using the v128
 * local `k` as scratch.
 */
export function emitExp4(f: FunctionBuilder, x: number, k: number, y: number): void {
  // flush = x < −87 (all ones where the result is 0; NaN is not flushed and stays NaN)
  f.get(x).f32x4(-87).simd('f32x4.lt').set(y);
  // pmax/pmin with x first are one instruction each on x86 and keep a NaN x, like max/min
  // (which V8 expands to NaN- and ±0-exact sequences of several instructions).
  f.get(x).f32x4(-87).simd('f32x4.pmax').f32x4(88).simd('f32x4.pmin').set(x);
  // k = floor(x·log2 e + 1/2); r = x − k·ln 2 (ln 2 split in two for exactness)
  f.get(x).f32x4(Math.LOG2E).simd('f32x4.mul').f32x4(0.5).simd('f32x4.add').simd('f32x4.floor').set(k);
  f.get(x).get(k).f32x4(0.693359375).simd('f32x4.mul').simd('f32x4.sub');
  f.get(k).f32x4(-2.1219444e-4).simd('f32x4.mul').simd('f32x4.sub').set(x);
  // 2^k as bits, cleared where flushed: (k + 127) << 23 is the bit pattern of 2^k. The integer
  // k is read from the bits of k + 1.5·2²³ (0x4b400000 + k for |k| < 2²²), two instructions
  // where a saturating conversion takes several.
  f.get(k).f32x4(12582912).simd('f32x4.add');
  f.i32x4((127 - 0x4b400000) | 0)
    .simd('i32x4.add')
    .i32(23)
    .simd('i32x4.shl');
  f.get(y).simd('v128.andnot').set(k);
  // e^r ≈ 1 + r + r²·(c2 + c3·r + … + c6·r⁴): c2…c6 fitted minimax (relative error 4e-9 on
  // |r| ≤ ln 2 / 2, far below f32's rounding); close to Taylor's 1/2, 1/6, 1/24, 1/120, 1/720
  f.f32x4(1.387109374e-3).set(y);
  for (const c of [8.369504521e-3, 4.166741608e-2, 1.66665132e-1, 4.999999735e-1])
    f.get(y).get(x).simd('f32x4.mul').f32x4(c).simd('f32x4.add').set(y);
  f.get(y).get(x).get(x).simd('f32x4.mul').simd('f32x4.mul').get(x).simd('f32x4.add');
  f.f32x4(1).simd('f32x4.add');
  f.get(k).simd('f32x4.mul').set(y);
}

/**
 * `expShift(p: i32, n: i32, m: f32) → f32`: x_i ← e^(x_i − m) for the n floats at byte offset p
 * (n a multiple of 4), returning Σ e^(x_i − m) (four lane sums in f32, added in order).
 */
export function expShiftFunction(): FunctionBuilder {
  const f = new FunctionBuilder('expShift', ['i32', 'i32', 'f32'], ['f32']);
  const [p, n, m] = [0, 1, 2];
  const end = f.local('i32');
  const [shift, x, k, y, sum] = Array.from({ length: 5 }, () => f.local('v128'));
  f.get(p).get(n).i32(2).op('i32.shl').op('i32.add').set(end);
  f.get(m).simd('f32x4.splat').set(shift);
  f.f32x4(0).set(sum);
  f.forLt(
    p,
    end,
    16,
    () => {
      f.get(p).load('v128').get(shift).simd('f32x4.sub').set(x);
      emitExp4(f, x, k, y);
      f.get(p).get(y).store('v128');
      f.get(sum).get(y).simd('f32x4.add').set(sum);
    },
    true,
  );
  // The four lanes of the sum, added in order.
  f.get(sum).simd('f32x4.extract_lane', 0);
  for (let lane = 1; lane < 4; lane++) f.get(sum).simd('f32x4.extract_lane', lane).op('f32.add');
  return f;
}
