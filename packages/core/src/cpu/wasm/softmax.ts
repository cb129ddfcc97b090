import { FunctionBuilder } from '../../wasm/emitter.js';
import { emitExp4 } from '../../wasm/exp.js';
import type { WasmModule } from '../../wasm/wasm-module.js';
import type { Lanes } from '../lanes.js';
import type { CpuInput } from '../types.js';

/**
 * `softmax_rows(p, stats, n4, rows, perTask, normalize, t)`: for rows [t·perTask, …) of n4 floats
 * (a multiple of 4) at p, in place: m = the row's max (NaN if any is NaN), x ← e^(x − m) with the
 * SIMD exponential, s = Σ e^(x − m) summed in f64; stats[row] = (m, s) as two f64; with
 * `normalize`, x ← x / s. Padding lanes hold −∞, which adds 0 to s and nothing to m.
 */
export function softmaxRowsFunction(): FunctionBuilder {
  const f = new FunctionBuilder('softmax_rows', Array<'i32'>(7).fill('i32'));
  const [p, stats, n4, rows, perTask, normalize, t] = [0, 1, 2, 3, 4, 5, 6];
  const [r, rEnd, row, end, q] = Array.from({ length: 5 }, () => f.local('i32'));
  const [vm, x, k, y, s0, s1] = Array.from({ length: 6 }, () => f.local('v128'));
  const m = f.local('f32');
  const s = f.local('f64');
  // [r, rEnd) = [t·perTask, min((t + 1)·perTask, rows))
  f.get(t).get(perTask).op('i32.mul').set(r);
  f.get(r).get(perTask).op('i32.add').tee(rEnd).get(rows).get(rEnd).get(rows).op('i32.lt_u');
  f.op('select').set(rEnd);
  f.get(p).get(r).get(n4).op('i32.mul').i32(2).op('i32.shl').op('i32.add').set(row);
  f.get(stats).get(r).i32(4).op('i32.shl').op('i32.add').set(stats);
  f.forLt(r, rEnd, 1, () => {
    f.get(row).get(n4).i32(2).op('i32.shl').op('i32.add').set(end);
    // m: lane-wise max, then across the lanes (f32.max propagates NaN)
    f.f32x4(Number.NEGATIVE_INFINITY).set(vm);
    f.get(row).set(q);
    f.forLt(q, end, 16, () => {
      f.get(vm).get(q).load('v128').simd('f32x4.max').set(vm);
    });
    f.get(vm).simd('f32x4.extract_lane', 0);
    for (let lane = 1; lane < 4; lane++) f.get(vm).simd('f32x4.extract_lane', lane).op('f32.max');
    f.tee(m).simd('f32x4.splat').set(vm);
    // x ← e^(x − m); s0, s1: the exponentials' low and high pairs summed as f64x2
    f.f32x4(0).set(s0).f32x4(0).set(s1);
    f.get(row).set(q);
    f.forLt(q, end, 16, () => {
      f.get(q).load('v128').get(vm).simd('f32x4.sub').set(x);
      emitExp4(f, x, k, y);
      f.get(q).get(y).store('v128');
      f.get(s0).get(y).simd('f64x2.promote_low_f32x4').simd('f64x2.add').set(s0);
      f.get(s1).get(y).get(y).shuffle32([2, 3, 2, 3]).simd('f64x2.promote_low_f32x4');
      f.simd('f64x2.add').set(s1);
    });
    f.get(s0).simd('f64x2.extract_lane', 0).get(s0).simd('f64x2.extract_lane', 1).op('f64.add');
    f.get(s1).simd('f64x2.extract_lane', 0).op('f64.add');
    f.get(s1).simd('f64x2.extract_lane', 1).op('f64.add').set(s);
    f.get(stats).get(m).op('f64.promote_f32').store('f64', 0);
    f.get(stats).get(s).store('f64', 8);
    f.inc(stats, 16);
    f.get(normalize).if();
    f.get(s).op('f32.demote_f64').simd('f32x4.splat').set(vm);
    f.get(row).set(q);
    f.forLt(q, end, 16, () => {
      f.get(q).get(q).load('v128').get(vm).simd('f32x4.div').store('v128');
    });
    f.end();
    f.get(end).set(row);
  });
  return f;
}

/** Rows of at least this many floats in all run on every thread. */
const PARALLEL_FLOATS = 1 << 15;

/** Whether offsets are 0, 1, 2, … (a lane that is contiguous in memory). */
export function isUnitStride(offsets: Int32Array): boolean {
  for (let k = 0; k < offsets.length; k++) if (offsets[k] !== k) return false;
  return true;
}

/** The rows after `softmax_rows`, and (m, s) per lane (s = Σ e^(x − m)). */
export interface ExpRows {
  /** Lane o's exponentials (normalized where asked) at rows[o·n4 …]. */
  rows: Float32Array;
  n4: number;
  /** stats[2o] = m, stats[2o + 1] = s. */
  stats: Float64Array;
}

/**
 * Runs softmax_rows over every lane of an f32 input (lanes of length ≥ 1): the lanes are copied
 * into wasm memory as rows padded with −∞ to a multiple of 4. Undefined when the scratch does not
 * fit. The views stay valid until the module's next job.
 */
export function expRowsWasm(
  rt: WasmModule,
  x: CpuInput,
  lanes: Lanes,
  normalize: boolean,
): ExpRows | undefined {
  const { outer: rows, inner: n } = lanes;
  const n4 = Math.ceil(n / 4) * 4;
  const base = rt.reserve(rows * 16 + rows * n4 * 4);
  if (base < 0) return undefined;
  const rowsAt = base + rows * 16;
  const heap = rt.f32();
  const src = x.data as Float32Array;
  const contiguous = isUnitStride(lanes.inInner);
  for (let o = 0; o < rows; o++) {
    const from = x.offset + lanes.inOuter[o];
    const to = rowsAt / 4 + o * n4;
    if (contiguous) heap.set(src.subarray(from, from + n), to);
    else for (let k = 0; k < n; k++) heap[to + k] = src[from + lanes.inInner[k]];
    heap.fill(Number.NEGATIVE_INFINITY, to + n, to + n4);
  }
  const parallel = rows > 1 && rt.split('softmax_rows', rows * n4, PARALLEL_FLOATS);
  const perTask = parallel ? Math.ceil(rows / (4 * rt.threads)) : rows;
  rt.run(
    'softmax_rows',
    [rowsAt, base, n4, rows, perTask, normalize ? 1 : 0],
    Math.ceil(rows / perTask),
    parallel,
    undefined,
    rows * n4,
  );
  return {
    rows: rt.f32().subarray(rowsAt / 4, rowsAt / 4 + rows * n4),
    n4,
    stats: new Float64Array(rt.memory.buffer, base, 2 * rows),
  };
}
