import { dispatch } from '../dispatch.js';
import { fail, fmtShape } from '../errors.js';
import { describeNonTensor, isTensor } from '../is-tensor.js';
import { defineOp } from '../op.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { squeeze, unsqueeze } from './views.js';

/**
 * Matrix product of operands of rank ≥ 2: the last two dims multiply ([…, m, k]·[…, k, n]),
 * the leading (batch) dims broadcast. The public function handles 1-D operands.
 */
export const matmulDef = defineOp({
  name: 'matmul',
  differentiable: true,
  infer: ([a, b]) => {
    if (a.rank < 2 || b.rank < 2) {
      fail('matmul', `the op takes operands of rank >= 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
    }
    if (a.dtype === 'bool' || b.dtype === 'bool') {
      fail(
        'matmul',
        `bool operands are not supported (${fmtShape(a.shape)} ${a.dtype}, ${fmtShape(b.shape)} ${b.dtype}); cast to f32 or i32`,
      );
    }
    if (a.dtype !== b.dtype) {
      fail(
        'matmul',
        `operands must share a dtype, got ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)}; cast one of them`,
      );
    }
    const k = a.shape[a.rank - 1];
    if (b.shape[b.rank - 2] !== k) {
      fail(
        'matmul',
        `inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)} (${k} vs ${b.shape[b.rank - 2]})`,
      );
    }
    const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    return [{ shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]], dtype: a.dtype }];
  },
});

/**
 * NumPy matmul: a 1-D left operand is a row vector and a 1-D right operand a column vector
 * (made so by unsqueeze views), and the added dims are squeezed from the result.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!isTensor(a) || !isTensor(b)) {
    const [which, other] = isTensor(a) ? ['second', b] : ['first', a];
    fail('matmul', `both operands must be Tensors, but the ${which} is ${describeNonTensor(other)}`);
  }
  if (a.rank === 0 || b.rank === 0) {
    fail(
      'matmul',
      `operands must have at least one dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  const x = a.rank === 1 ? unsqueeze(a, 0) : a;
  const y = b.rank === 1 ? unsqueeze(b, -1) : b;
  let out: Tensor | undefined;
  try {
    out = dispatch(matmulDef, [x, y], {})[0];
    if (a.rank > 1 && b.rank > 1) return out;
    const drop = [...(a.rank === 1 ? [out.rank - 2] : []), ...(b.rank === 1 ? [out.rank - 1] : [])];
    return squeeze(out, drop);
  } finally {
    if (x !== a) x.dispose();
    if (y !== b) y.dispose();
    if (out && (a.rank === 1 || b.rank === 1)) out.dispose();
  }
}
