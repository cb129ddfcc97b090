/**
 * @tessera/core/wasm: the WebAssembly binary writer the CPU backend generates its SIMD kernels
 * with, for packages that generate kernels of their own (as @tessera/attention does). Build
 * functions with `FunctionBuilder`, put them in a module with `emitModule`, compile it with
 * `compileModule` — or hand them to a CPU kernel's `env.wasmRuntime(...)`, which runs them on the
 * backend's threads over shared memory (`WasmRuntime`). `sgemmFunctions` and `sgemmWasm` give such a
 * runtime the backend's own f32 matrix product (packed panels, SIMD microkernel, threaded tasks).
 */
export {
  compileModule,
  emitModule,
  FunctionBuilder,
  type PlainOp,
  type SimdOp,
  type ValType,
} from '../cpu/wasm/emitter.js';
export type { WasmRuntime } from '../cpu/wasm/runtime.js';
export { type MatrixOperand, sgemmFunctions, sgemmWasm } from '../cpu/wasm/sgemm.js';
