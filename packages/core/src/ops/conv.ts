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

/** 2-D convolution over NCHW input with OIHW weights (cross-correlation, as in PyTorch). */
export interface Conv2dAttrs {
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  groups: number;
}

export interface Conv2dOptions {
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
  groups?: number;
}

export interface Conv2dBackwardInputAttrs extends Conv2dAttrs {
  inputShape: number[];
}

export interface Conv2dBackwardWeightAttrs extends Conv2dAttrs {
  weightShape: number[];
}

function checkAttrs(op: string, a: Conv2dAttrs): void {
  checkPairAttr(op, 'stride', a.stride, 1);
  checkPairAttr(op, 'padding', a.padding, 0);
  checkPairAttr(op, 'dilation', a.dilation, 1);
  if (!Number.isInteger(a.groups) || a.groups < 1)
    fail(op, `groups must be a positive integer, got ${a.groups}`);
}

/** Output shape of conv2d for input shape xs and weight shape ws, validating both. */
export function conv2dOutShape(
  op: string,
  xs: readonly number[],
  ws: readonly number[],
  a: Conv2dAttrs,
): number[] {
  checkAttrs(op, a);
  if (xs.length !== 4) fail(op, `expected input [N, C, H, W], got ${fmtShape(xs)}`);
  if (ws.length !== 4)
    fail(op, `expected weight [outChannels, inChannels / groups, kH, kW], got ${fmtShape(ws)}`);
  const [n, c, h, w] = xs;
  const [o, cg, kh, kw] = ws;
  const g = a.groups;
  if (c % g !== 0 || o % g !== 0) {
    fail(
      op,
      `groups ${g} must divide the input channels ${c} and output channels ${o} (input ${fmtShape(xs)}, weight ${fmtShape(ws)})`,
    );
  }
  if (cg * g !== c) {
    fail(
      op,
      `weight ${fmtShape(ws)} expects ${cg * g} input channels with groups ${g}, but the input ${fmtShape(xs)} has ${c}`,
    );
  }
  const oh = windowOutSize(h, kh, a.stride[0], a.padding[0], a.dilation[0]);
  const ow = windowOutSize(w, kw, a.stride[1], a.padding[1], a.dilation[1]);
  if (oh < 1 || ow < 1) {
    fail(
      op,
      `input ${fmtShape(xs)} with padding ${fmtShape(a.padding)} is smaller than the dilated kernel of weight ${fmtShape(ws)} (output would be ${oh}x${ow})`,
    );
  }
  return [n, o, oh, ow];
}

function checkFloat(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (!isFloat(t.dtype))
      fail(op, `expected floating tensors, got ${t.dtype} ${fmtShape(t.shape)}; cast to f32 first`);
    if (t.dtype !== ts[0].dtype) {
      fail(
        op,
        `inputs must share a dtype, got ${ts.map((u) => `${u.dtype} ${fmtShape(u.shape)}`).join(' and ')}`,
      );
    }
  }
}

export const conv2dDef = defineOp<Conv2dAttrs>({
  name: 'conv2d',
  differentiable: true,
  infer: (inputs, a) => {
    const [x, w, b] = inputs;
    if (inputs.length < 2 || inputs.length > 3)
      fail('conv2d', `expected inputs [x, weight] or [x, weight, bias], got ${inputs.length}`);
    checkFloat('conv2d', ...inputs);
    const shape = conv2dOutShape('conv2d', x.shape, w.shape, a);
    if (b && !shapesEqual(b.shape, [w.shape[0]])) {
      fail(
        'conv2d',
        `bias must have shape [${w.shape[0]}] (one per output channel), got ${fmtShape(b.shape)}`,
      );
    }
    return [{ shape, dtype: x.dtype }];
  },
});

/** ∂L/∂x of conv2d given ∂L/∂out (the transposed convolution): inputs [gradOut, weight]. */
export const conv2dBackwardInputDef = defineOp<Conv2dBackwardInputAttrs>({
  name: 'conv2dBackwardInput',
  differentiable: false,
  infer: ([gy, w], a) => {
    checkFloat('conv2dBackwardInput', gy, w);
    const expected = conv2dOutShape('conv2dBackwardInput', a.inputShape, w.shape, a);
    if (!shapesEqual(gy.shape, expected)) {
      fail(
        'conv2dBackwardInput',
        `gradOut ${fmtShape(gy.shape)} does not match the conv2d output ${fmtShape(expected)} for input ${fmtShape(a.inputShape)} and weight ${fmtShape(w.shape)}`,
      );
    }
    return [{ shape: [...a.inputShape], dtype: gy.dtype }];
  },
});

/** ∂L/∂weight of conv2d given ∂L/∂out: inputs [x, gradOut]. */
export const conv2dBackwardWeightDef = defineOp<Conv2dBackwardWeightAttrs>({
  name: 'conv2dBackwardWeight',
  differentiable: false,
  infer: ([x, gy], a) => {
    checkFloat('conv2dBackwardWeight', x, gy);
    const expected = conv2dOutShape('conv2dBackwardWeight', x.shape, a.weightShape, a);
    if (!shapesEqual(gy.shape, expected)) {
      fail(
        'conv2dBackwardWeight',
        `gradOut ${fmtShape(gy.shape)} does not match the conv2d output ${fmtShape(expected)} for input ${fmtShape(x.shape)} and weight ${fmtShape(a.weightShape)}`,
      );
    }
    return [{ shape: [...a.weightShape], dtype: x.dtype }];
  },
});

export function conv2dAttrs(op: string, o: Conv2dOptions): Conv2dAttrs {
  checkOptions(op, o, ['stride', 'padding', 'dilation', 'groups']);
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) fail(op, `groups must be a positive integer, got ${groups}`);
  return {
    stride: toPair(op, 'stride', o.stride ?? 1, 1),
    padding: toPair(op, 'padding', o.padding ?? 0, 0),
    dilation: toPair(op, 'dilation', o.dilation ?? 1, 1),
    groups,
  };
}

/** conv2d over [N, C, H, W] (or unbatched [C, H, W]) input with [O, C / groups, kH, kW] weights. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor, options: Conv2dOptions = {}): Tensor {
  if (!isTensor(x) || !isTensor(weight)) {
    const [which, other] = isTensor(x) ? ['weight', weight] : ['x', x];
    fail('conv2d', `x and weight must be Tensors, but ${which} is ${describeNonTensor(other)}`);
  }
  const attrs = conv2dAttrs('conv2d', options);
  const unbatched = x.rank === 3;
  const input = unbatched ? unsqueeze(x, 0) : x;
  let out: Tensor | undefined;
  try {
    out = dispatch(conv2dDef, bias ? [input, weight, bias] : [input, weight], attrs)[0];
    return unbatched ? squeeze(out, 0) : out;
  } finally {
    if (unbatched) {
      input.dispose();
      out?.dispose();
    }
  }
}

export function conv2dBackwardInput(
  gradOut: Tensor,
  weight: Tensor,
  inputShape: readonly number[],
  options: Conv2dOptions = {},
): Tensor {
  const attrs = { ...conv2dAttrs('conv2dBackwardInput', options), inputShape: [...inputShape] };
  return dispatch(conv2dBackwardInputDef, [gradOut, weight], attrs)[0];
}

export function conv2dBackwardWeight(
  x: Tensor,
  gradOut: Tensor,
  weightShape: readonly number[],
  options: Conv2dOptions = {},
): Tensor {
  const attrs = { ...conv2dAttrs('conv2dBackwardWeight', options), weightShape: [...weightShape] };
  return dispatch(conv2dBackwardWeightDef, [x, gradOut], attrs)[0];
}
