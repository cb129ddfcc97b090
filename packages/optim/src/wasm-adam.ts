import type { CpuKernelEnv } from '@tessera/core';
import { FunctionBuilder, type WasmModule } from '@tessera/core/wasm';
import type { FusedAdamAttrs } from './fused-adam.js';

/**
 * The fused Adam/AdamW step in WebAssembly SIMD, four f32 lanes at a time, split across the CPU
 * backend's threads (its pool shares the module's memory):
 *
 *   adam(p, g, m, v, scalars, n, chunk, t)
 *
 * over the f32 arrays at byte offsets p, g, m, v (in place: p, m and v are overwritten) for the
 * elements [t·chunk, min(n, (t + 1)·chunk)) rounded up to whole vectors (the arrays are padded),
 * with the step's scalars at `scalars` (f32: β₁, 1 − β₁, β₂, 1 − β₂, stepSize, rootC2, ε, l2,
 * scale): g′ = g + l2·θ, m ← β₁·m + (1 − β₁)·g′, v ← β₂·v + (1 − β₂)·g′², θ ← scale·θ −
 * stepSize·m / (√v / rootC2 + ε), each operation rounded to f32 (the TypeScript kernel computes
 * in f64 and rounds once, so the two differ in the last bits).
 */
function adamFunction(): FunctionBuilder {
  const f = new FunctionBuilder('adam', new Array(8).fill('i32'));
  const [p, g, m, v, sc, n, chunk, t] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [i, end] = [f.local('i32'), f.local('i32')];
  const [b1, c1, b2, c2, step, root, eps, l2, scale] = Array.from({ length: 9 }, () => f.local('v128'));
  const [theta, grad, mi, vi] = Array.from({ length: 4 }, () => f.local('v128'));
  [b1, c1, b2, c2, step, root, eps, l2, scale].forEach((x, k) => {
    f.get(sc)
      .splatLoad(k * 4)
      .set(x);
  });
  // Byte range [i, end) of this task.
  f.get(t).get(chunk).op('i32.mul').i32(2).op('i32.shl').set(i);
  f.get(i).get(chunk).i32(2).op('i32.shl').op('i32.add').set(end);
  f.get(n)
    .i32(2)
    .op('i32.shl')
    .get(end)
    .get(n)
    .i32(2)
    .op('i32.shl')
    .get(end)
    .op('i32.lt_u')
    .op('select')
    .set(end);
  f.forLt(i, end, 16, () => {
    const at = (base: number) => f.get(base).get(i).op('i32.add');
    at(p).load('v128').set(theta);
    at(g).load('v128').get(l2).get(theta).simd('f32x4.mul').simd('f32x4.add').set(grad);
    at(m)
      .load('v128')
      .get(b1)
      .simd('f32x4.mul')
      .get(c1)
      .get(grad)
      .simd('f32x4.mul')
      .simd('f32x4.add')
      .set(mi);
    at(v).load('v128').get(b2).simd('f32x4.mul');
    f.get(c2).get(grad).simd('f32x4.mul').get(grad).simd('f32x4.mul').simd('f32x4.add').set(vi);
    at(m).get(mi).store('v128');
    at(v).get(vi).store('v128');
    at(p).get(scale).get(theta).simd('f32x4.mul');
    f.get(step).get(mi).simd('f32x4.mul');
    f.get(vi).simd('f32x4.sqrt').get(root).simd('f32x4.div').get(eps).simd('f32x4.add');
    f.simd('f32x4.div').simd('f32x4.sub').store('v128');
  });
  return f;
}

/** The module's functions (one list, so the backend builds the module once: CpuKernelEnv.wasmModule). */
export const adamModuleFunctions = (): FunctionBuilder[] => [adamFunction()];

/** Before the cost model has a rate for `adam`, steps over at least this many elements split. */
const PARALLEL_ELEMS = 1 << 16;

/** f32 views of one Adam step's operands: p, g, m, v in; p, m, v out (n elements each). */
export interface AdamArrays {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
  po: Float32Array;
  mo: Float32Array;
  vo: Float32Array;
}

/**
 * One Adam step with `adam` in the backend's kernel module: the operands are copied into its
 * memory, the step runs on one or all threads (WasmModule.split), the results are copied out.
 * False (nothing written) where the module or its memory is unavailable.
 */
export function adamWasm(env: CpuKernelEnv | undefined, x: AdamArrays, s: FusedAdamAttrs): boolean {
  const rt: WasmModule | undefined = env?.wasmModule(adamModuleFunctions);
  if (!rt) return false;
  const n = x.po.length;
  const padded = Math.ceil(n / 16) * 16;
  const base = rt.reserve((4 * padded + 16) * 4);
  if (base < 0) return false;
  const w = base / 4;
  const [pw, gw, mw, vw, sw] = [w, w + padded, w + 2 * padded, w + 3 * padded, w + 4 * padded];
  const f32 = rt.f32();
  f32.set(x.p, pw);
  f32.set(x.g, gw);
  f32.set(x.m, mw);
  f32.set(x.v, vw);
  f32.set([s.b1, 1 - s.b1, s.b2, 1 - s.b2, s.stepSize, s.rootC2, s.eps, s.l2, s.scale], sw);
  const parallel = rt.split('adam', n, PARALLEL_ELEMS);
  const chunk = parallel ? Math.ceil(n / (2 * rt.threads) / 16) * 16 : padded;
  const tasks = Math.ceil(n / chunk);
  rt.run('adam', [pw * 4, gw * 4, mw * 4, vw * 4, sw * 4, n, chunk], tasks, parallel, undefined, n);
  const out = rt.f32();
  x.po.set(out.subarray(pw, pw + n));
  x.mo.set(out.subarray(mw, mw + n));
  x.vo.set(out.subarray(vw, vw + n));
  return true;
}
