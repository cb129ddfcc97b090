import { scaledDotProductAttention } from '@tessera/attention';
import { createContext } from '@tessera/core';
import { Identity } from '@tessera/nn';
import { exportOnnx } from '@tessera/onnx';

/**
 * A naive attention graph, softmax(Q Kᵀ·scale) V over [b, h, s, d] float inputs q, k, v
 * (Transpose → MatMul → Mul → Softmax → MatMul, opset 17), as ModelProto bytes: @tessera/onnx's
 * export of `scaledDotProductAttention`, traced once on zeros through the flash kernel (so the
 * trace never holds the s × s scores).
 */
export function naiveAttentionModel(shape: readonly number[]): Uint8Array {
  return exportOnnx(new Identity(), {
    inputs: ['q', 'k', 'v'].map((name) => ({ name, shape })),
    outputNames: ['o'],
    context: createContext(),
    forward: (q, k, v) => scaledDotProductAttention(q, k, v, { strategy: 'flash' }),
  });
}
