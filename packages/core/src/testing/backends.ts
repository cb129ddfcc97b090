import type { DType } from '../dtype.js';

/** A backend that runs the whole conformance suite in CI, and the dtypes it claims there. */
export interface TableBackend {
  name: string;
  dtypes: readonly DType[];
  /**
   * Ops this backend runs as their decomposition into other ops, having no kernel of its own;
   * the table marks them. The backend's kernel-coverage test keeps this list exact.
   */
  decomposed?: readonly string[];
}

/**
 * The backends the README table lists. WebGPU claims f32, i32, bool and f16 (WGSL has no f64 or bf16;
 * f16 needs the `shader-f16` feature, which the CI adapter, lavapipe, has); its conformance run is in
 * packages/webgpu, which checks this claim against the adapter's, and its kernel-coverage test checks
 * `decomposed` against its kernel table.
 */
export const SUPPORT_TABLE_BACKENDS: readonly TableBackend[] = [
  { name: 'cpu', dtypes: ['f32', 'f64', 'i32', 'bool', 'f16', 'bf16'] },
  {
    name: 'webgpu',
    dtypes: ['f32', 'i32', 'bool', 'f16'],
    decomposed: ['var', 'std', 'logsumexp', 'norm'],
  },
];
