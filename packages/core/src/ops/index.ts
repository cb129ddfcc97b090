import type { OpDef } from '../op.js';
import { conv2dBackwardInputDef, conv2dBackwardWeightDef, conv2dDef } from './conv.js';
import { castDef, copyDef } from './copy.js';
import { toDeviceDef } from './device.js';
import { BINARY_DEFS, UNARY_DEFS, whereDef } from './elementwise.js';
import { gatherDef, indexSelectDef, oneHotDef, scatterAddDef } from './indexing.js';
import { concatDef, sliceScatterDef } from './joining.js';
import { matmulDef } from './linalg.js';
import { padBackwardDef, padDef } from './pad.js';
import { avgPool2dBackwardDef, avgPool2dDef, maxPool2dBackwardDef, maxPool2dDef } from './pool.js';
import { flipDef, repeatDef, trilDef, triuDef } from './rearrange.js';
import { REDUCE_DEFS } from './reduce.js';
import { logSoftmaxDef, softmaxDef } from './softmax.js';
import { expandDef, permuteDef, reshapeDef, sliceDef } from './views.js';

export {
  AUTOCAST_POLICY,
  type AutocastOptions,
  autocast,
  autocastDtype,
  autocastInputs,
} from './autocast.js';
export {
  type Conv2dAttrs,
  type Conv2dBackwardInputAttrs,
  type Conv2dBackwardWeightAttrs,
  type Conv2dOptions,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
} from './conv.js';
export { cast, clone, contiguous } from './copy.js';
export {
  arange,
  type CreateOptions,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  tensor,
  zeros,
  zerosLike,
} from './creation.js';
export { type ToOptions, to, toAsync } from './device.js';
export {
  abs,
  add,
  BINARY,
  BINARY_DEFS,
  type BinaryEntry,
  type BinaryName,
  type ClampOptions,
  ceil,
  clamp,
  cos,
  div,
  eq,
  erf,
  exp,
  expm1,
  floor,
  type GeluOptions,
  ge,
  gelu,
  gt,
  le,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  reciprocal,
  relu,
  round,
  rsqrt,
  type SoftplusOptions,
  sigmoid,
  sign,
  silu,
  sin,
  softplus,
  sqrt,
  square,
  sub,
  tanh,
  UNARY,
  UNARY_DEFS,
  type UnaryEntry,
  type UnaryName,
  where,
} from './elementwise.js';
export {
  gather,
  indexSelect,
  type OneHotAttrs,
  type OneHotOptions,
  oneHot,
  scatterAdd,
  takeAlongAxis,
} from './indexing.js';
export { chunk, concat, sliceScatter, split, stack } from './joining.js';
export { matmul } from './linalg.js';
export {
  type PadAttrs,
  type PadBackwardAttrs,
  type PadMode,
  type PadOptions,
  pad,
  padBackward,
} from './pad.js';
export {
  type AvgPool2dAttrs,
  type AvgPool2dBackwardAttrs,
  type AvgPool2dOptions,
  avgPool2d,
  avgPool2dBackward,
  type MaxPool2dAttrs,
  type MaxPool2dOptions,
  maxPool2d,
  maxPool2dBackward,
} from './pool.js';
export { flip, repeat, type TriangleAttrs, tile, tril, triu } from './rearrange.js';
export {
  type ArgReduceAttrs,
  type ArgReduceOptions,
  argmax,
  argmin,
  cumsum,
  logsumexp,
  max,
  mean,
  min,
  type NormAttrs,
  type NormOptions,
  norm,
  prod,
  type ReduceAttrs,
  type ReduceAxes,
  type ReduceOptions,
  std,
  sum,
  type VarAttrs,
  type VarOptions,
  variance,
} from './reduce.js';
export { logSoftmax, softmax } from './softmax.js';
export {
  expand,
  flatten,
  narrow,
  permute,
  reshape,
  slice,
  squeeze,
  transpose,
  unsqueeze,
  view,
} from './views.js';

/** Every op core defines, for support tables and for autograd's rule-coverage test. */
export const CORE_OPS: readonly OpDef[] = Object.freeze([
  copyDef as OpDef,
  castDef as OpDef,
  toDeviceDef as OpDef,
  ...Object.values(UNARY_DEFS),
  ...Object.values(BINARY_DEFS),
  whereDef as OpDef,
  reshapeDef as OpDef,
  permuteDef as OpDef,
  sliceDef as OpDef,
  expandDef as OpDef,
  concatDef as OpDef,
  sliceScatterDef as OpDef,
  gatherDef as OpDef,
  indexSelectDef as OpDef,
  scatterAddDef as OpDef,
  oneHotDef as OpDef,
  padDef as OpDef,
  padBackwardDef as OpDef,
  trilDef as OpDef,
  triuDef as OpDef,
  repeatDef as OpDef,
  flipDef as OpDef,
  ...REDUCE_DEFS,
  softmaxDef as OpDef,
  logSoftmaxDef as OpDef,
  matmulDef as OpDef,
  conv2dDef as OpDef,
  conv2dBackwardInputDef as OpDef,
  conv2dBackwardWeightDef as OpDef,
  maxPool2dDef as OpDef,
  avgPool2dDef as OpDef,
  maxPool2dBackwardDef as OpDef,
  avgPool2dBackwardDef as OpDef,
]);
