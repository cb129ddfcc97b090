import type { DType } from '../dtype.js';

/** A backend that runs the whole conformance suite in CI, and the dtypes it claims there. */
export interface TableBackend {
  name: string;
  dtypes: readonly DType[];
}

/**
 * The backends the README table lists. WebGPU claims f32, i32 and bool (WGSL has no f64; f16/bf16
 * storage is not implemented there yet); its conformance run is in packages/webgpu.
 */
export const SUPPORT_TABLE_BACKENDS: readonly TableBackend[] = [
  { name: 'cpu', dtypes: ['f32', 'f64', 'i32', 'bool', 'f16', 'bf16'] },
  { name: 'webgpu', dtypes: ['f32', 'i32', 'bool'] },
];
