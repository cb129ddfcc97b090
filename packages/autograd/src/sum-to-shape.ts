import { fmtShape, reshape, sum, type Tensor, TesseraError } from '@tessera/core';

/**
 * The adjoint of broadcasting: sums g over the dims that broadcasting added or stretched,
 * giving a gradient of the input's own shape.
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  if (lead < 0)
    throw new TesseraError('autograd', `cannot reduce a gradient ${fmtShape(g.shape)} to ${fmtShape(shape)}`);
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  if (axes.length === 0) return reshape(g, shape);
  const s = sum(g, axes, true);
  const out = reshape(s, shape);
  if (out !== s) s.dispose();
  return out;
}
