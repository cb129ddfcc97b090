import { type CustomOpDef, defineCustomOp, isGradEnabled, rule } from '@tessera/autograd';
import { type CpuInput, type CpuOutput, defineOp, dispatch, type OpDef, type Tensor } from '@tessera/core';

/*
 * Layer and RMS normalization of the rows of a contiguous [rows, n] input as one op each, with
 * fused CPU kernels for the forward and the backward. Per row, with x̂ = (x − μ)·r (layer;
 * r = 1/√(Var[x] + ε)) or x̂ = x·r (RMS; r = 1/√(mean(x²) + ε)) and y = x̂·γ + β:
 *   dγ += dy·x̂,  dβ += dy,  g = dy·γ,
 *   dx = r·(g − mean(g) − x̂·mean(g·x̂))   (layer)
 *   dx = r·(g − x̂·mean(g·x̂))             (RMS; no centring, so no mean(g) term)
 * The forward also returns μ (layer only) and r per row, which the backward reads instead of
 * recomputing them. Where a backend has no kernel (WebGPU), both run as their decompositions in
 * core ops; a backward that records its own graph (createGraph) uses the same core-op form with
 * the statistics recomputed from x, so gradients of gradients flow as before.
 */

export type NormKind = 'layer' | 'rms';

/** Attributes of the fused norm ops (`NORM_OPS`). */
export interface NormAttrs {
  kind: NormKind;
  eps: number;
  /** Which of γ (input 1) and β (input 2) are inputs. */
  weight: boolean;
  bias: boolean;
}

interface NormBackwardAttrs {
  kind: NormKind;
  weight: boolean;
  /** Which gradients to compute: x, γ, β. */
  needs: readonly [boolean, boolean, boolean];
}

function forwardKernel(
  [x, w, b]: CpuInput[],
  [y, ...stats]: CpuOutput[],
  { kind, eps, weight, bias }: NormAttrs,
): void {
  const [rows, n] = x.shape;
  const mu = kind === 'layer' ? stats[0].data : undefined;
  const rs = (kind === 'layer' ? stats[1] : stats[0]).data;
  const xd = x.data;
  const yd = y.data;
  // γ and β as plain arrays (ones and zeros where absent), so one loop serves every case.
  const gamma = new Float64Array(n).fill(1);
  const beta = new Float64Array(n);
  if (weight) for (let i = 0; i < n; i++) gamma[i] = w.data[w.offset + i];
  if (bias) for (let i = 0; i < n; i++) beta[i] = b.data[b.offset + i];
  for (let r = 0; r < rows; r++) {
    const o = x.offset + r * n;
    const yo = r * n;
    let mean = 0;
    if (mu !== undefined) {
      for (let i = 0; i < n; i++) mean += xd[o + i];
      mean /= n;
      mu[r] = mean;
    }
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const c = xd[o + i] - mean;
      ss += c * c;
    }
    const rstd = 1 / Math.sqrt(ss / n + eps);
    rs[r] = rstd;
    for (let i = 0; i < n; i++) yd[yo + i] = (xd[o + i] - mean) * rstd * gamma[i] + beta[i];
  }
}

/** Inputs x, (γ,) μ (layer only), r, dy; outputs dx, (dγ, dβ). */
function backwardKernel(ins: CpuInput[], outs: CpuOutput[], attrs: NormBackwardAttrs): void {
  const { kind, weight, needs } = attrs;
  const x = ins[0];
  let k = 1;
  const w = weight ? ins[k++] : undefined;
  const mu = kind === 'layer' ? ins[k++] : undefined;
  const rs = ins[k++];
  const dy = ins[k];
  const [rows, n] = x.shape;
  const xd = x.data;
  const gd = dy.data;
  const dxd = outs[0].data;
  const gamma = new Float64Array(n).fill(1);
  if (w !== undefined) for (let i = 0; i < n; i++) gamma[i] = w.data[w.offset + i];
  const xhat = new Float64Array(n);
  const g = new Float64Array(n);
  const sw = new Float64Array(n);
  const sb = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = x.offset + r * n;
    const go = dy.offset + r * n;
    const mean = mu === undefined ? 0 : mu.data[mu.offset + r];
    const rstd = rs.data[rs.offset + r];
    let sg = 0;
    let sgx = 0;
    for (let i = 0; i < n; i++) {
      const h = (xd[o + i] - mean) * rstd;
      const d = gd[go + i];
      const gi = d * gamma[i];
      xhat[i] = h;
      g[i] = gi;
      sg += gi;
      sgx += gi * h;
      sw[i] += d * h;
      sb[i] += d;
    }
    if (!needs[0]) continue;
    const a = mu === undefined ? 0 : sg / n;
    const c = sgx / n;
    const xo = r * n;
    for (let i = 0; i < n; i++) dxd[xo + i] = rstd * (g[i] - a - xhat[i] * c);
  }
  if (needs[1]) outs[1].data.set(sw);
  if (needs[2]) outs[2].data.set(sb);
}

/** The statistics over `axes` in core ops (kept dims): μ (layer only), x − μ (x for RMS) and r. */
function statsOf(
  kind: NormKind,
  x: Tensor,
  axes: readonly number[],
  eps: number,
): { mean?: Tensor; centered: Tensor; rstd: Tensor } {
  const mean = kind === 'layer' ? x.mean([...axes], true) : undefined;
  const centered = mean === undefined ? x : x.sub(mean);
  return {
    mean,
    centered,
    rstd: centered
      .square()
      .mean([...axes], true)
      .add(eps)
      .rsqrt(),
  };
}

/**
 * A norm over `axes` in core ops: the op's decomposition, and the form `layerNorm` and `rmsNorm`
 * keep where the fused op does not apply (half or mixed dtypes, whose promotion it relies on).
 */
export function normInCoreOps(
  kind: NormKind,
  x: Tensor,
  axes: readonly number[],
  eps: number,
  weight?: Tensor,
  bias?: Tensor,
): { y: Tensor; mean?: Tensor; rstd: Tensor } {
  const { mean, centered, rstd } = statsOf(kind, x, axes, eps);
  let y = centered.mul(rstd);
  if (weight !== undefined) y = y.mul(weight);
  if (bias !== undefined) y = y.add(bias);
  return { y, mean, rstd };
}

/** The backward in core ops (the decomposition, and the form a createGraph backward records). */
function backwardInCoreOps(
  kind: NormKind,
  x: Tensor,
  w: Tensor | undefined,
  mean: Tensor | undefined,
  rstd: Tensor,
  dy: Tensor,
  needs: readonly boolean[],
): (Tensor | undefined)[] {
  const [rows] = x.shape;
  const r = rstd.reshape([rows, 1]);
  const xhat = (mean === undefined ? x : x.sub(mean.reshape([rows, 1]))).mul(r);
  const g = w === undefined ? dy : dy.mul(w);
  let dx: Tensor | undefined;
  if (needs[0]) {
    let t = g.sub(xhat.mul(g.mul(xhat).mean(-1, true)));
    if (kind === 'layer') t = t.sub(g.mean(-1, true));
    dx = t.mul(r);
  }
  return [dx, needs[1] ? dy.mul(xhat).sum(0) : undefined, needs[2] ? dy.sum(0) : undefined];
}

function makeBackward(kind: NormKind): OpDef<NormBackwardAttrs> {
  return defineOp<NormBackwardAttrs>({
    name: `nn.${kind}NormBackward`,
    differentiable: false,
    infer: ([x], { weight }) => {
      const n = x.shape[1];
      const vec = { shape: [n], dtype: x.dtype };
      return [{ shape: [...x.shape], dtype: x.dtype }, ...(weight ? [vec, vec] : [])];
    },
    // Every output the op declares: dx, and dγ, dβ with γ (the rule drops those it did not want).
    decompose: (ins, { weight }) => {
      const [x] = ins;
      let k = 1;
      const w = weight ? ins[k++] : undefined;
      const mean = kind === 'layer' ? ins[k++] : undefined;
      const rstd = ins[k++];
      const out = backwardInCoreOps(kind, x, w, mean, rstd, ins[k], [true, weight, weight]);
      return out.filter((t): t is Tensor => t !== undefined);
    },
    kernels: { cpu: backwardKernel },
  });
}

/** One definition per kind and γ's presence: a rule lists the inputs it saves by index. */
function makeForward(
  kind: NormKind,
  affine: boolean,
  backwardDef: OpDef<NormBackwardAttrs>,
): CustomOpDef<NormAttrs> {
  const statsCount = kind === 'layer' ? 2 : 1;
  return defineCustomOp<NormAttrs>({
    name: affine ? `nn.${kind}NormAffine` : `nn.${kind}Norm`,
    autocast: 'f32',
    infer: ([x]) => {
      const stat = { shape: [x.shape[0]], dtype: x.dtype };
      return [{ shape: [...x.shape], dtype: x.dtype }, ...Array.from({ length: statsCount }, () => stat)];
    },
    decompose: ([x, w, b], { eps, weight, bias }) => {
      const { y, mean, rstd } = normInCoreOps(
        kind,
        x,
        [-1],
        eps,
        weight ? w : undefined,
        bias ? b : undefined,
      );
      const [rows] = x.shape;
      return [y, ...(mean === undefined ? [] : [mean.reshape([rows])]), rstd.reshape([rows])];
    },
    kernels: { cpu: forwardKernel },
    gradient: rule<NormAttrs>({
      saves: { inputs: affine ? [0, 1] : [0], outputs: kind === 'layer' ? [1, 2] : [1] },
      vjp: ({ g, x: saved, y, attrs, needs }) => {
        const [x, w] = saved;
        const weight = attrs.weight ? w : undefined;
        const mean = kind === 'layer' ? y[1] : undefined;
        const rstd = kind === 'layer' ? y[2] : y[1];
        const want: [boolean, boolean, boolean] = [
          needs[0],
          attrs.weight && needs[1],
          attrs.bias && needs[2],
        ];
        if (isGradEnabled(x.ctx)) {
          // Recorded for a second derivative: the statistics are recomputed in core ops, because
          // this op's rule passes no gradient back through its μ and r outputs.
          const s = statsOf(kind, x, [-1], attrs.eps);
          return backwardInCoreOps(kind, x, weight, s.mean, s.rstd, g, want);
        }
        const ins = [x, ...(weight ? [weight] : []), ...(mean ? [mean] : []), rstd, g.contiguous()];
        const out = dispatch(backwardDef, ins, { kind, weight: attrs.weight, needs: want });
        const grads = out.map((t, i) => (want[i] ? t : undefined));
        out.forEach((t, i) => {
          if (!want[i]) t.dispose();
        });
        return grads;
      },
    }),
  });
}

const layerBackward = makeBackward('layer');
const rmsBackward = makeBackward('rms');
/**
 * The fused norm ops by kind, without and with γ (`nn.layerNorm`, `nn.layerNormAffine`,
 * `nn.rmsNorm`, `nn.rmsNormAffine`), for code that meets them in a traced graph (an exporter).
 */
export const NORM_OPS = {
  layer: [makeForward('layer', false, layerBackward), makeForward('layer', true, layerBackward)],
  rms: [makeForward('rms', false, rmsBackward), makeForward('rms', true, rmsBackward)],
} as const;

/**
 * Normalizes the rows of a contiguous [rows, n] x with optional γ [n] (and β [n], only with γ),
 * all of x's floating dtype: one fused op, its statistics kept for its backward.
 */
export function fusedNorm(
  kind: NormKind,
  x: Tensor,
  weight: Tensor | undefined,
  bias: Tensor | undefined,
  eps: number,
): Tensor {
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const [y, ...stats] = dispatch(NORM_OPS[kind][weight ? 1 : 0], inputs, {
    kind,
    eps,
    weight: weight !== undefined,
    bias: bias !== undefined,
  });
  for (const s of stats) s.dispose();
  return y;
}
