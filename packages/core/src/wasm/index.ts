/**
 * @tessera/core/wasm: the WebAssembly binary writer the CPU backend generates its SIMD kernels
 * with, for packages that generate kernels of their own (as @tessera/attention does). Build
 * functions with `FunctionBuilder`, put them in a module with `emitModule`, compile it with
 * `compileModule`.
 */
export {
  compileModule,
  emitModule,
  FunctionBuilder,
  type PlainOp,
  type SimdOp,
  type ValType,
} from '../cpu/wasm/emitter.js';
