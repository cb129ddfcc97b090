import { fmtShape, matmul, type Tensor, TesseraError } from '@tessera/core';

/** y = x·Wᵀ + b with W of shape [out, in] (PyTorch's layout) and x of shape […, in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  if (weight.rank !== 2 || x.rank < 1 || x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new TesseraError(
      'linear',
      `input ${fmtShape(x.shape)} must end in the weight's in-features: weight ${fmtShape(weight.shape)} is [out, in]`,
    );
  }
  if (bias !== undefined && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new TesseraError(
      'linear',
      `bias ${fmtShape(bias.shape)} must be [${weight.shape[0]}] for weight ${fmtShape(weight.shape)}`,
    );
  }
  const y = matmul(x, weight.transpose());
  return bias === undefined ? y : y.add(bias);
}
