import { fmtShape, type Tensor, TesseraError } from '@tessera/core';
import { fusedNorm, type NormKind, normInCoreOps } from './norm-op.js';

function lastAxes(op: string, x: Tensor, normalizedShape: readonly number[]): number[] {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.rank - k);
  if (k === 0 || k > x.rank || tail.some((d, i) => d !== normalizedShape[i])) {
    throw new TesseraError(
      op,
      `input ${fmtShape(x.shape)} must end in the normalized shape ${fmtShape(normalizedShape)}`,
    );
  }
  return Array.from({ length: k }, (_, i) => x.rank - k + i);
}

function checkAffine(
  op: string,
  name: string,
  t: Tensor | undefined,
  normalizedShape: readonly number[],
): void {
  if (
    t !== undefined &&
    (t.rank !== normalizedShape.length || t.shape.some((d, i) => d !== normalizedShape[i]))
  ) {
    throw new TesseraError(
      op,
      `${name} ${fmtShape(t.shape)} must have the normalized shape ${fmtShape(normalizedShape)}`,
    );
  }
}

/**
 * The fused op's form of a norm over the trailing `k` axes, or undefined where it does not apply:
 * f32 or f64 inputs of one dtype, not empty, β only together with γ. Other cases (half
 * dtypes, mixed dtypes) keep the core-op form, whose promotion and errors they rely on.
 */
function fused(
  kind: NormKind,
  x: Tensor,
  k: number,
  weight: Tensor | undefined,
  bias: Tensor | undefined,
  eps: number,
): Tensor | undefined {
  const fits = (t: Tensor | undefined) => t === undefined || (t.dtype === x.dtype && t.device === x.device);
  const n = x.shape.slice(x.rank - k).reduce((a, d) => a * d, 1);
  if (!(x.dtype === 'f32' || x.dtype === 'f64') || !fits(weight) || !fits(bias)) return undefined;
  if (x.size === 0 || (bias !== undefined && weight === undefined)) return undefined;
  const flat = (t: Tensor | undefined) => t?.contiguous().reshape([n]);
  const y = fusedNorm(kind, x.contiguous().reshape([x.size / n, n]), flat(weight), flat(bias), eps);
  return y.reshape(x.shape);
}

/**
 * Layer normalization (Ba et al.): y = (x − E[x]) / √(Var[x] + ε) · γ + β over the trailing
 * `normalizedShape` axes, with the biased (population) variance.
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  weight?: Tensor,
  bias?: Tensor,
  eps = 1e-5,
): Tensor {
  const axes = lastAxes('layerNorm', x, normalizedShape);
  checkAffine('layerNorm', 'weight', weight, normalizedShape);
  checkAffine('layerNorm', 'bias', bias, normalizedShape);
  return (
    fused('layer', x, axes.length, weight, bias, eps) ?? normInCoreOps('layer', x, axes, eps, weight, bias).y
  );
}

/** RMSNorm (Zhang & Sennrich): y = x / √(mean(x²) + ε) · γ over the trailing axes. */
export function rmsNorm(x: Tensor, normalizedShape: readonly number[], weight?: Tensor, eps = 1e-6): Tensor {
  const axes = lastAxes('rmsNorm', x, normalizedShape);
  checkAffine('rmsNorm', 'weight', weight, normalizedShape);
  return fused('rms', x, axes.length, weight, undefined, eps) ?? normInCoreOps('rms', x, axes, eps, weight).y;
}
