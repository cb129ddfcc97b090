import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/** Shape and dtype of one output, as an op's inference computes it. */
export interface OutputSpec {
  shape: number[];
  dtype: DType;
}

/** Layout of a view's output over its input's storage. */
export interface ViewSpec {
  shape: number[];
  strides: number[];
  offset: number;
}

/**
 * An op, defined once: validation and shape/dtype inference, and optionally a view layout,
 * a decomposition into other ops, and kernels of its own (custom ops from other packages).
 * Backends supply kernels by name; autograd supplies gradient rules by name.
 */
export interface OpDef<A = unknown> {
  readonly name: string;
  /** Floating outputs of this op have a gradient rule in @tessera/autograd. */
  readonly differentiable: boolean;
  /** Validates inputs and attrs (throwing errors that name the op) and infers the outputs. */
  infer(inputs: readonly Tensor[], attrs: A): OutputSpec[];
  /** View ops share their input's storage and return its new layout instead of running a kernel. */
  view?(input: Tensor, attrs: A): ViewSpec;
  /** Composite ops: the same result from other ops, used where a backend lacks a kernel. */
  decompose?(inputs: readonly Tensor[], attrs: A): Tensor[];
  /** Ops that are not kernels at all (device transfers) do their whole work here. */
  run?(inputs: readonly Tensor[], attrs: A): Tensor[];
  /**
   * Inside `autocast`: 'lower' computes from the scope's half dtype (matmul-like ops), 'f32' from
   * f32 (reductions, softmax, norms). Core's own ops take their policy from autocast's table.
   */
  readonly autocast?: 'lower' | 'f32';
  /** Kernels shipped with the op itself, keyed by device; the CPU one is the reference. */
  readonly kernels?: Readonly<Record<string, unknown>>;
}

/** Identity helper that keeps the attrs type of a definition. */
export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  return Object.freeze(def);
}

/** Attrs of ops that act along one (normalized) axis. */
export interface AxisAttrs {
  axis: number;
}
