import { emitModule, FunctionBuilder } from './emitter.js';

/** Optional WebAssembly features a kernel module's functions may be generated for. */
export interface WasmFeatures {
  /**
   * Relaxed SIMD's f32x4.relaxed_madd (a fused multiply-add on x86 with FMA and on ARM):
   * products accumulate with one rounding instead of two.
   */
  relaxedSimd: boolean;
}

/** The features of a module that uses none of the optional ones. */
export const BASELINE_FEATURES: WasmFeatures = Object.freeze({ relaxedSimd: false });

/**
 * Whether this engine validates relaxed SIMD (Chrome ≥ 114, Node ≥ 22; Node 20 only with
 * `--experimental-wasm-relaxed-simd`): a one-function module using f32x4.relaxed_madd.
 */
export function relaxedSimdSupported(): boolean {
  if (typeof WebAssembly !== 'object') return false;
  const f = new FunctionBuilder('madd', [], []);
  f.f32x4(1).f32x4(2).f32x4(3).simd('f32x4.relaxed_madd').op('drop');
  try {
    return WebAssembly.validate(emitModule([f], { initial: 1 }));
  } catch {
    return false;
  }
}
