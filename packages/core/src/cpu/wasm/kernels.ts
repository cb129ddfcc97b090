import type { FunctionBuilder } from '../../wasm/emitter.js';
import { BASELINE_FEATURES, type WasmFeatures } from '../../wasm/features.js';
import {
  BINARY_SIMD,
  binaryKernel,
  COMPARE_SIMD,
  compareKernel,
  UNARY_SIMD,
  unaryKernel,
  whereKernel,
} from './elementwise-kernel.js';
import { sgemmFunctions } from './sgemm.js';
import { softmaxRowsFunction } from './softmax.js';

/** The CPU backend's own kernel module (sgemm_block first: sgemm_task calls it by index 0). */
export function coreKernelFunctions(features: WasmFeatures = BASELINE_FEATURES): FunctionBuilder[] {
  return [
    ...sgemmFunctions(features),
    ...Object.keys(BINARY_SIMD).map(binaryKernel),
    ...Object.keys(UNARY_SIMD).map(unaryKernel),
    ...Object.keys(COMPARE_SIMD).map(compareKernel),
    whereKernel(),
    softmaxRowsFunction(),
  ];
}
