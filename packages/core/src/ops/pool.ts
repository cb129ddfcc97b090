import { dispatch } from '../dispatch.js';
import { isFloat } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { describeNonTensor, isTensor } from '../is-tensor.js';
import { defineOp } from '../op.js';
import { checkOptions } from '../options.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { squeeze, unsqueeze } from './views.js';
import { checkPairAttr, type Pair, toPair, windowOutSize } from './window.js';

/** Max and average pooling over the last two dims of NCHW input. */
export interface MaxPool2dAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
}

export interface AvgPool2dAttrs {
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  /** Divide by the full window size (true) or by the number of non-padding elements. */
  countIncludePad: boolean;
}

export interface AvgPool2dBackwardAttrs extends AvgPool2dAttrs {
  inputShape: number[];
}

export interface MaxPool2dOptions {
  kernelSize: number | Pair;
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
}

export interface AvgPool2dOptions {
  kernelSize: number | Pair;
  stride?: number | Pair;
  padding?: number | Pair;
  countIncludePad?: boolean;
}

type WindowAttrs = { kernel: Pair; stride: Pair; padding: Pair; dilation?: Pair };

/** Output shape of a pool over input shape xs, validating the window. */
export function poolOutShape(op: string, xs: readonly number[], a: WindowAttrs): number[] {
  checkPairAttr(op, 'kernel', a.kernel, 1);
  checkPairAttr(op, 'stride', a.stride, 1);
  checkPairAttr(op, 'padding', a.padding, 0);
  const dil = a.dilation ?? [1, 1];
  checkPairAttr(op, 'dilation', dil, 1);
  if (xs.length !== 4) fail(op, `expected input [N, C, H, W], got ${fmtShape(xs)}`);
  if (a.padding[0] > a.kernel[0] / 2 || a.padding[1] > a.kernel[1] / 2) {
    fail(op, `padding ${fmtShape(a.padding)} must be at most half the kernel ${fmtShape(a.kernel)}`);
  }
  const oh = windowOutSize(xs[2], a.kernel[0], a.stride[0], a.padding[0], dil[0]);
  const ow = windowOutSize(xs[3], a.kernel[1], a.stride[1], a.padding[1], dil[1]);
  if (oh < 1 || ow < 1) {
    fail(
      op,
      `input ${fmtShape(xs)} is smaller than the kernel ${fmtShape(a.kernel)} (output would be ${oh}x${ow})`,
    );
  }
  return [xs[0], xs[1], oh, ow];
}

function checkFloat(op: string, t: Tensor): void {
  if (!isFloat(t.dtype))
    fail(op, `expected a floating tensor, got ${t.dtype} ${fmtShape(t.shape)}; cast to f32 first`);
}

function checkGrad(op: string, gy: Tensor, expected: number[], xs: readonly number[]): void {
  if (!shapesEqual(gy.shape, expected)) {
    fail(
      op,
      `gradOut ${fmtShape(gy.shape)} does not match the pool output ${fmtShape(expected)} for input ${fmtShape(xs)}`,
    );
  }
}

export const maxPool2dDef = defineOp<MaxPool2dAttrs>({
  name: 'maxPool2d',
  differentiable: true,
  infer: ([x], a) => {
    checkFloat('maxPool2d', x);
    return [{ shape: poolOutShape('maxPool2d', x.shape, a), dtype: x.dtype }];
  },
});

export const avgPool2dDef = defineOp<AvgPool2dAttrs>({
  name: 'avgPool2d',
  differentiable: true,
  infer: ([x], a) => {
    checkFloat('avgPool2d', x);
    return [{ shape: poolOutShape('avgPool2d', x.shape, a), dtype: x.dtype }];
  },
});

/** ∂L/∂x of maxPool2d: each window's gradient goes to its first max. Inputs [x, gradOut]. */
export const maxPool2dBackwardDef = defineOp<MaxPool2dAttrs>({
  name: 'maxPool2dBackward',
  differentiable: false,
  infer: ([x, gy], a) => {
    checkFloat('maxPool2dBackward', x);
    checkGrad('maxPool2dBackward', gy, poolOutShape('maxPool2dBackward', x.shape, a), x.shape);
    return [{ shape: [...x.shape], dtype: gy.dtype }];
  },
});

/** ∂L/∂x of avgPool2d: each window spreads its gradient over its elements. Inputs [gradOut]. */
export const avgPool2dBackwardDef = defineOp<AvgPool2dBackwardAttrs>({
  name: 'avgPool2dBackward',
  differentiable: false,
  infer: ([gy], a) => {
    checkFloat('avgPool2dBackward', gy);
    checkGrad('avgPool2dBackward', gy, poolOutShape('avgPool2dBackward', a.inputShape, a), a.inputShape);
    return [{ shape: [...a.inputShape], dtype: gy.dtype }];
  },
});

export function maxPool2dAttrs(op: string, o: MaxPool2dOptions): MaxPool2dAttrs {
  checkOptions(op, o, ['kernelSize', 'stride', 'padding', 'dilation']);
  if (o?.kernelSize === undefined) fail(op, 'give options.kernelSize');
  const kernel = toPair(op, 'kernelSize', o.kernelSize, 1);
  return {
    kernel,
    stride: o.stride === undefined ? kernel : toPair(op, 'stride', o.stride, 1),
    padding: toPair(op, 'padding', o.padding ?? 0, 0),
    dilation: toPair(op, 'dilation', o.dilation ?? 1, 1),
  };
}

export function avgPool2dAttrs(op: string, o: AvgPool2dOptions): AvgPool2dAttrs {
  checkOptions(op, o, ['kernelSize', 'stride', 'padding', 'countIncludePad']);
  if (o?.kernelSize === undefined) fail(op, 'give options.kernelSize');
  const kernel = toPair(op, 'kernelSize', o.kernelSize, 1);
  return {
    kernel,
    stride: o.stride === undefined ? kernel : toPair(op, 'stride', o.stride, 1),
    padding: toPair(op, 'padding', o.padding ?? 0, 0),
    countIncludePad: o.countIncludePad ?? true,
  };
}

/** Runs a 4-D op on unbatched [C, H, W] input by adding and removing the batch dim. */
function batched(x: Tensor, f: (x4: Tensor) => Tensor): Tensor {
  if (!isTensor(x)) fail('pool', `expected a Tensor, got ${describeNonTensor(x)}`);
  if (x.rank !== 3) return f(x);
  const x4 = unsqueeze(x, 0);
  let out: Tensor | undefined;
  try {
    out = f(x4);
    return squeeze(out, 0);
  } finally {
    x4.dispose();
    out?.dispose();
  }
}

/** Max over each window; padding counts as −inf. */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  const attrs = maxPool2dAttrs('maxPool2d', options);
  return batched(x, (x4) => dispatch(maxPool2dDef, [x4], attrs)[0]);
}

export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  const attrs = avgPool2dAttrs('avgPool2d', options);
  return batched(x, (x4) => dispatch(avgPool2dDef, [x4], attrs)[0]);
}

export function maxPool2dBackward(x: Tensor, gradOut: Tensor, options: MaxPool2dOptions): Tensor {
  return dispatch(maxPool2dBackwardDef, [x, gradOut], maxPool2dAttrs('maxPool2dBackward', options))[0];
}

export function avgPool2dBackward(
  gradOut: Tensor,
  inputShape: readonly number[],
  options: AvgPool2dOptions,
): Tensor {
  const attrs = { ...avgPool2dAttrs('avgPool2dBackward', options), inputShape: [...inputShape] };
  return dispatch(avgPool2dBackwardDef, [gradOut], attrs)[0];
}
