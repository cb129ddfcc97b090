/**
 * @tessera/core/wasm: the WebAssembly toolkit the CPU backend writes its SIMD kernels with, for
 * packages that generate kernels of their own (as @tessera/attention does). Build functions with
 * `FunctionBuilder`, put them in a module with `emitModule`, compile it with `compileModule` — or
 * hand them to a CPU kernel's `env.wasmModule(...)`, which runs them on the backend's threads over
 * shared memory (`WasmModule`). Building blocks: `emitExp4` / `expShiftFunction` (the SIMD
 * exponential) and the f32 GEMM microkernel (`gemmTileRegisters`, `emitTileStep`, `emitTileStore`)
 * that both the backend's sgemm and @tessera/attention's tile products are built on. `sgemmFunctions` and
 * `sgemmWasm` give such a module the backend's own f32 matrix product (packed panels, SIMD microkernel,
 * threaded tasks), as @tessera/moe's grouped matmul uses it.
 */

export { type MatrixOperand, sgemmFunctions, sgemmWasm } from '../cpu/wasm/sgemm.js';
export { GEMM_SHAPES, type GemmShape } from '../cpu/wasm/sgemm-kernel.js';
export {
  compileModule,
  emitModule,
  FunctionBuilder,
  InvalidWasmModuleError,
  type PlainOp,
  type SimdOp,
  type ValType,
} from './emitter.js';
export { emitExp4, expShiftFunction } from './exp.js';
export { BASELINE_FEATURES, relaxedSimdSupported, type WasmFeatures } from './features.js';
export {
  emitTileStep,
  emitTileStore,
  emitTranspose4Store,
  type GemmTile,
  gemmTileRegisters,
  TILE_COLS,
} from './gemm-tile.js';
export { type JobStats, WasmModule } from './wasm-module.js';
