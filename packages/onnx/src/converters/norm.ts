import type { NormAttrs } from '@tessera/nn';
import type { Converter } from './converter.js';
import { reduce } from './structural.js';

/**
 * `@tessera/nn`'s fused layer and RMS norms over the rows of [rows, n] as plain ONNX:
 * (x − mean)·1/√(Var + ε) or x·1/√(mean(x²) + ε), then ·γ and +β. The per-row statistics the op
 * also returns are kept for its backward only; nothing in a traced forward reads them.
 */
export const fusedNorm: Converter<NormAttrs> = ({ g, inputs, attrs, call }) => {
  const [x, w, b] = inputs;
  const dtype = call.inputs[0].dtype;
  const centered = attrs.kind === 'layer' ? g.op('Sub', [x, reduce(g, 'ReduceMean', x, [1], true)]) : x;
  const meanSquare = reduce(g, 'ReduceMean', g.op('Mul', [centered, centered]), [1], true);
  const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSquare, g.scalar(attrs.eps, dtype)])])]);
  let y = g.op('Mul', [centered, rstd]);
  if (attrs.weight) y = g.op('Mul', [y, w]);
  if (attrs.bias) y = g.op('Add', [y, b]);
  return [y, ...call.outputs.slice(1).map(() => '')];
};
