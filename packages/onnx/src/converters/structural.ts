import type {
  ArgReduceAttrs,
  AvgPool2dAttrs,
  AxisAttrs,
  Conv2dAttrs,
  CoreOpTable,
  DType,
  MaxPool2dAttrs,
  NormAttrs,
  OneHotAttrs,
  PadAttrs,
  ReduceAttrs,
  TriangleAttrs,
  VarAttrs,
} from '@tessera/core';
import { type GraphBuilder, onnxType } from '../graph-builder.js';
import type { ConvertCall, Converter } from './converter.js';

/**
 * A Reduce* node over `axes`. From opset 18 every reduction takes its axes as an input; before,
 * only ReduceSum did (since 13) and the others took an attribute.
 */
export function reduce(
  g: GraphBuilder,
  opType: string,
  x: string,
  axes: readonly number[],
  keepdim: boolean,
): string {
  if (axes.length === 0) return g.op('Identity', [x]);
  const keepdims = keepdim ? 1 : 0;
  if (opType === 'ReduceSum' || g.opset >= 18) return g.op(opType, [x, g.int64s(axes)], { keepdims });
  return g.op(opType, [x], { axes, keepdims });
}

const reduction =
  (opType: string): Converter<ReduceAttrs> =>
  ({ g, inputs, attrs }) => [reduce(g, opType, inputs[0], attrs.axes, attrs.keepdim)];

/** x with the traced output's shape (views: the trace knows every shape, so none is inferred). */
const reshapeToOutput: Converter = ({ g, inputs, call }) => [
  g.op('Reshape', [inputs[0], g.int64s(call.outputs[0].shape)]),
];

const float = (c: ConvertCall<unknown>, i: number, dtype: DType): string =>
  c.call.inputs[i].dtype === dtype ? c.inputs[i] : c.g.op('Cast', [c.inputs[i]], { to: onnxType(dtype) });

/** Σ (x − mean)² / (n − correction) over axes, in the output dtype. */
function variance(c: ConvertCall<VarAttrs>): string {
  const { g, attrs, call } = c;
  const dtype = call.outputs[0].dtype;
  const x = float(c, 0, dtype);
  const centered = g.op('Sub', [x, reduce(g, 'ReduceMean', x, attrs.axes, true)]);
  const squares = reduce(g, 'ReduceSum', g.op('Mul', [centered, centered]), attrs.axes, attrs.keepdim);
  const n = attrs.axes.reduce((p, a) => p * call.inputs[0].shape[a], 1);
  return g.op('Div', [squares, g.scalar(Math.max(n - attrs.correction, 0), dtype)]);
}

const argReduce =
  (opType: 'ArgMax' | 'ArgMin'): Converter<ArgReduceAttrs> =>
  ({ g, inputs, attrs, call }) => {
    const x = call.inputs[0];
    // axis null: over the flattened tensor; ONNX returns int64, Tessera i32.
    const flat = attrs.axis === null || x.rank === 0;
    const source = flat ? g.op('Reshape', [inputs[0], g.int64s([-1])]) : inputs[0];
    const index = g.op(opType, [source], { axis: flat ? 0 : attrs.axis!, keepdims: attrs.keepdim ? 1 : 0 });
    const shaped = flat ? g.op('Reshape', [index, g.int64s(call.outputs[0].shape)]) : index;
    return [g.op('Cast', [shaped], { to: onnxType('i32') })];
  };

const pads = (p: readonly [number, number]) => [p[0], p[1], p[0], p[1]];

/** ONNX for core's views, joins, reductions, products, convolutions and pooling. */
export const STRUCTURAL_CONVERTERS: CoreOpTable<Converter> = {
  copy: ({ g, inputs }) => [g.op('Identity', [inputs[0]])],
  toDevice: ({ g, inputs }) => [g.op('Identity', [inputs[0]])],
  cast: ({ g, inputs, attrs }) => [
    g.op('Cast', [inputs[0]], { to: onnxType((attrs as { dtype: DType }).dtype) }),
  ],
  reshape: reshapeToOutput,
  permute: ({ g, inputs, attrs, call }) => {
    const rank = call.inputs[0].rank;
    const perm = (attrs as { axes: number[] }).axes.map((a) => (a < 0 ? a + rank : a));
    return [g.op('Transpose', [inputs[0]], { perm })];
  },
  slice: ({ g, inputs, attrs }) => {
    const { axis, start, end, step } = attrs as { axis: number; start: number; end: number; step: number };
    return [
      g.op('Slice', [inputs[0], g.int64s([start]), g.int64s([end]), g.int64s([axis]), g.int64s([step])]),
    ];
  },
  expand: ({ g, inputs, call }) => [g.op('Expand', [inputs[0], g.int64s(call.outputs[0].shape)])],
  concat: ({ g, inputs, attrs }) => [g.op('Concat', [...inputs], { axis: (attrs as AxisAttrs).axis })],
  gather: ({ g, inputs, attrs }) => [
    g.op('GatherElements', [inputs[0], inputs[1]], { axis: (attrs as AxisAttrs).axis }),
  ],
  indexSelect: ({ g, inputs, attrs }) => [
    g.op('Gather', [inputs[0], inputs[1]], { axis: (attrs as AxisAttrs).axis }),
  ],
  // indices[..., None] == [0, 1, …, n − 1], cast: onnxruntime's OneHot lacks int32-index kernels.
  oneHot: ({ g, inputs, attrs, call }) => {
    const { numClasses, dtype } = attrs as OneHotAttrs;
    const classes = g.constant(
      'i32',
      [numClasses],
      Array.from({ length: numClasses }, (_, i) => i),
      'classes',
    );
    const column = g.op('Reshape', [inputs[0], g.int64s([...call.inputs[0].shape, 1])]);
    return [g.op('Cast', [g.op('Equal', [column, classes])], { to: onnxType(dtype) })];
  },
  tril: ({ g, inputs, attrs }) => [
    g.op('Trilu', [inputs[0], g.int64s([(attrs as TriangleAttrs).k])], { upper: 0 }),
  ],
  triu: ({ g, inputs, attrs }) => [
    g.op('Trilu', [inputs[0], g.int64s([(attrs as TriangleAttrs).k])], { upper: 1 }),
  ],
  repeat: ({ g, inputs, attrs }) => [g.op('Tile', [inputs[0], g.int64s((attrs as { reps: number[] }).reps)])],
  flip: ({ g, inputs, attrs, call }) => {
    const rank = call.inputs[0].rank;
    const axes = (attrs as { axes: number[] }).axes.map((a) => (a < 0 ? a + rank : a));
    // A reversed slice of every flipped axis: from the last element down past the first.
    return [
      g.op('Slice', [
        inputs[0],
        g.int64s(axes.map(() => -1)),
        g.int64s(axes.map(() => Number.MIN_SAFE_INTEGER)),
        g.int64s(axes),
        g.int64s(axes.map(() => -1)),
      ]),
    ];
  },
  pad: ({ g, inputs, attrs, call }) => {
    const { pads: pairs, mode, value } = attrs as PadAttrs;
    const onnxPads = [...pairs.map((p) => p[0]), ...pairs.map((p) => p[1])];
    const fill = g.scalar(value, call.inputs[0].dtype);
    const onnxMode = mode === 'replicate' ? 'edge' : mode;
    return [g.op('Pad', [inputs[0], g.int64s(onnxPads), fill], { mode: onnxMode })];
  },
  sum: reduction('ReduceSum'),
  mean: reduction('ReduceMean'),
  prod: reduction('ReduceProd'),
  max: reduction('ReduceMax'),
  min: reduction('ReduceMin'),
  logsumexp: reduction('ReduceLogSumExp'),
  argmax: argReduce('ArgMax'),
  argmin: argReduce('ArgMin'),
  var: (c) => [variance(c as ConvertCall<VarAttrs>)],
  std: (c) => [c.g.op('Sqrt', [variance(c as ConvertCall<VarAttrs>)])],
  norm: ({ g, inputs, attrs, call }) => {
    const { p, axes, keepdim } = attrs as NormAttrs;
    const x = inputs[0];
    if (p === 2) return [reduce(g, 'ReduceL2', x, axes, keepdim)];
    if (p === 1) return [reduce(g, 'ReduceL1', x, axes, keepdim)];
    if (p === Number.POSITIVE_INFINITY) return [reduce(g, 'ReduceMax', g.op('Abs', [x]), axes, keepdim)];
    if (p === Number.NEGATIVE_INFINITY) return [reduce(g, 'ReduceMin', g.op('Abs', [x]), axes, keepdim)];
    const dtype = call.outputs[0].dtype;
    if (p === 0) {
      const nonzero = g.op('Not', [g.op('Equal', [x, g.scalar(0, call.inputs[0].dtype)])]);
      return [reduce(g, 'ReduceSum', g.op('Cast', [nonzero], { to: onnxType(dtype) }), axes, keepdim)];
    }
    const powered = g.op('Pow', [g.op('Abs', [x]), g.scalar(p, dtype)]);
    return [g.op('Pow', [reduce(g, 'ReduceSum', powered, axes, keepdim), g.scalar(1 / p, dtype)])];
  },
  cumsum: ({ g, inputs, attrs }) => [g.op('CumSum', [inputs[0], g.int64s([(attrs as AxisAttrs).axis])])],
  softmax: ({ g, inputs, attrs }) => [g.op('Softmax', [inputs[0]], { axis: (attrs as AxisAttrs).axis })],
  logSoftmax: ({ g, inputs, attrs }) => [
    g.op('LogSoftmax', [inputs[0]], { axis: (attrs as AxisAttrs).axis }),
  ],
  matmul: ({ g, inputs }) => [g.op('MatMul', [inputs[0], inputs[1]])],
  conv2d: ({ g, inputs, attrs, call }) => {
    const a = attrs as Conv2dAttrs;
    const w = call.inputs[1].shape;
    return [
      g.op('Conv', [...inputs], {
        kernel_shape: [w[2], w[3]],
        strides: [...a.stride],
        pads: pads(a.padding),
        dilations: [...a.dilation],
        group: a.groups,
      }),
    ];
  },
  maxPool2d: ({ g, inputs, attrs }) => {
    const a = attrs as MaxPool2dAttrs;
    return [
      g.op('MaxPool', [inputs[0]], {
        kernel_shape: [...a.kernel],
        strides: [...a.stride],
        pads: pads(a.padding),
        dilations: [...a.dilation],
      }),
    ];
  },
  avgPool2d: ({ g, inputs, attrs }) => {
    const a = attrs as AvgPool2dAttrs;
    return [
      g.op('AveragePool', [inputs[0]], {
        kernel_shape: [...a.kernel],
        strides: [...a.stride],
        pads: pads(a.padding),
        count_include_pad: a.countIncludePad ? 1 : 0,
      }),
    ];
  },
};
