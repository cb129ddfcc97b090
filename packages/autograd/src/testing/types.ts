import type { Tensor } from '@tessera/core';
import type { InputSpec } from '@tessera/core/testing';

/** One gradient check: an op call on inputs built from specs, checked by checkGrad. */
export interface GradCase {
  /** Op name as in CORE_OPS (the coverage test reads this). */
  op: string;
  name: string;
  inputs: InputSpec[];
  run: (xs: Tensor[]) => Tensor | Tensor[];
  /** Finite-difference step and tolerance, when the defaults of checkGrad do not fit. */
  eps?: number;
  tol?: number;
}
