import { type FlashAttrs, keyRanges } from '@tessera/attention';
import { TesseraError } from '@tessera/core';
import { onnxType } from '../graph-builder.js';
import type { Converter } from './converter.js';
import { reduce } from './structural.js';

/**
 * Flash attention (`attention.flash`, `attention.flashMasked`) as plain ONNX: the kv heads
 * repeated for grouped-query attention, S = QKᵀ·scale, the mask (bool keeps, float adds), the
 * causal / packed-sequence key ranges as a constant bool mask, P = softmax(S), O = PV, and the
 * row logsumexp L when something reads it. Rows that see no key give 0, as the kernel does.
 */
export const flashAttention: Converter<FlashAttrs> = ({ g, inputs, attrs, call }) => {
  if (attrs.dropout > 0) {
    throw new TesseraError(
      'exportOnnx',
      `attention dropout ${attrs.dropout} cannot be exported; call module.eval() (exportOnnx does) or build the layer without dropout`,
    );
  }
  const [q, k, v, mask] = inputs;
  const [b, h, sq, d] = call.inputs[0].shape;
  const [, hk, sk] = call.inputs[1].shape;
  const dv = call.inputs[2].shape[3];
  const dtype = call.inputs[0].dtype;
  // Query head i reads kv head ⌊i·hk/h⌋: each kv head repeated h/hk times in place.
  const repeatHeads = (t: string, width: number): string => {
    if (hk === h) return t;
    const grouped = g.op('Reshape', [t, g.int64s([b, hk, 1, sk, width])]);
    const wide = g.op('Expand', [grouped, g.int64s([b, hk, h / hk, sk, width])]);
    return g.op('Reshape', [wide, g.int64s([b, h, sk, width])]);
  };
  const keys = repeatHeads(k, d);
  const values = repeatHeads(v, dv);
  let scores = g.op('Mul', [
    g.op('MatMul', [q, g.op('Transpose', [keys], { perm: [0, 1, 3, 2] })]),
    g.scalar(attrs.scale, dtype),
  ]);
  const minusInf = g.scalar(Number.NEGATIVE_INFINITY, dtype);
  if (mask !== undefined) {
    scores =
      call.inputs[3].dtype === 'bool' ? g.op('Where', [mask, scores, minusInf]) : g.op('Add', [scores, mask]);
  }
  const { lo, hi } = keyRanges(sq, sk, attrs);
  const restricted = Array.from(lo).some((l, i) => l > 0 || hi[i] < sk);
  const emptyRows = Array.from(lo).some((l, i) => hi[i] <= l);
  if (restricted) {
    const allowed = Array.from({ length: sq * sk }, (_, n) => {
      const [i, j] = [Math.floor(n / sk), n % sk];
      return j >= lo[i] && j < hi[i] ? 1 : 0;
    });
    scores = g.op('Where', [g.constant('bool', [sq, sk], allowed, 'key_ranges'), scores, minusInf]);
  }
  let p = g.op('Softmax', [scores], { axis: -1 });
  if (emptyRows) {
    const seen = Array.from({ length: sq }, (_, i) => (hi[i] > lo[i] ? 1 : 0));
    p = g.op('Where', [g.constant('bool', [sq, 1], seen, 'rows_seen'), p, g.scalar(0, dtype)]);
  }
  const o = g.op('MatMul', [p, values]);
  const lseDType = call.outputs[1].dtype;
  const lse = reduce(g, 'ReduceLogSumExp', scores, [3], false);
  const lseOut = lseDType === dtype ? lse : g.op('Cast', [lse], { to: onnxType(lseDType) });
  return [o, lseOut];
};
