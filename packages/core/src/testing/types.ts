import type { Context } from '../context.js';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import type { Ref } from './reference/base.js';

/**
 * How an input is laid out in memory. The logical values are the same in every layout, so
 * the reference never sees the difference; kernels must.
 */
export type Layout = 'contiguous' | 'transposed' | 'strided' | 'offset';

export interface InputSpec {
  shape: number[];
  layout?: Layout;
  /** Value range of the generated inputs (default [-3, 3]); integers for i32 inputs. */
  range?: [number, number];
  /** Fixed values instead of generated ones (row-major). */
  values?: number[];
  /** Overrides the case's dtype for this input (e.g. an i32 index tensor). */
  dtype?: DType;
}

/** One conformance case: an op call, and the reference it must match. */
export interface OpCase {
  /** Op name as in CORE_OPS (the coverage test reads this). */
  op: string;
  name: string;
  inputs: InputSpec[];
  /** dtypes to run the case at (default f32 and f64). */
  dtypes?: DType[];
  run: (xs: Tensor[]) => Tensor | Tensor[];
  /** Reference outputs, from the inputs' exact stored values in f64. */
  ref: (xs: Ref[], dtype: DType) => Ref | Ref[];
  /** Relative tolerance at f32 (default 1e-5); scaled for other dtypes. */
  tol?: number;
}

/** Helpers an error case uses to make inputs on the suite's backend. */
export interface ErrorHelpers {
  ctx: Context;
  device: string;
  /** A tensor of the given shape filled with small distinct values, or with `values` (row-major). */
  t(shape: number[], dtype?: DType, values?: number[]): Tensor;
}

/** A call that must throw before any work, naming the op and the offending shapes/values. */
export interface ErrorCase {
  op: string;
  name: string;
  run: (h: ErrorHelpers) => unknown;
  /** Substrings the message must contain besides the op name (e.g. "[2, 3]"). */
  mentions: string[];
}

export interface CaseGroup {
  cases: OpCase[];
  errors: ErrorCase[];
}
