import { type CpuKernel, defineOp, dispatch, type Tensor } from '@tessera/core';

/** The scalars of one Adam/AdamW step (see adam.ts). */
export interface FusedAdamAttrs {
  b1: number;
  b2: number;
  /** lr / (1 − β₁ᵗ). */
  stepSize: number;
  /** √(1 − β₂ᵗ). */
  rootC2: number;
  eps: number;
  /** Adam's L2 weight decay λ, added to the gradient as λ·θ. */
  l2: number;
  /** AdamW's decoupled decay, θ·(1 − lr·λ) before the step (1 for none). */
  scale: number;
}

/**
 * θ, m, v ← one Adam step over dense f32 arrays in a single pass, each element computed in f64
 * and rounded once: g′ = g + l2·θ, m ← β₁·m + (1 − β₁)·g′, v ← β₂·v + (1 − β₂)·g′²,
 * θ ← scale·θ − stepSize·m / (√v / rootC2 + ε). The op-by-op form costs ~15 dispatches, ~10
 * temporaries and as many passes over memory per parameter; on a small model's many small
 * parameters the dispatches dominate the optimizer step.
 */
const fusedAdamKernel: CpuKernel<FusedAdamAttrs> = ([p, g, m, v], [po, mo, vo], a) => {
  const [pd, gd, md, vd] = [p.data, g.data, m.data, v.data];
  const [op, og, om, ov] = [p.offset, g.offset, m.offset, v.offset];
  const [pn, mn, vn] = [po.data, mo.data, vo.data];
  const { b1, b2, stepSize, rootC2, eps, l2, scale } = a;
  const [c1, c2] = [1 - b1, 1 - b2];
  for (let i = 0; i < pn.length; i++) {
    const theta = pd[op + i];
    const grad = gd[og + i] + l2 * theta;
    const mi = b1 * md[om + i] + c1 * grad;
    const vi = b2 * vd[ov + i] + c2 * grad * grad;
    mn[i] = mi;
    vn[i] = vi;
    pn[i] = scale * theta - (stepSize * mi) / (Math.sqrt(vi) / rootC2 + eps);
  }
};

const fusedAdamDef = defineOp<FusedAdamAttrs>({
  name: 'optim.fusedAdam',
  differentiable: false,
  infer: ([p, , m, v]) => [
    { shape: [...p.shape], dtype: p.dtype },
    { shape: [...m.shape], dtype: m.dtype },
    { shape: [...v.shape], dtype: v.dtype },
  ],
  kernels: { cpu: fusedAdamKernel as CpuKernel },
});

/** Whether the fused step applies: contiguous f32 tensors of one shape on the CPU. */
export function canFuseAdam(p: Tensor, g: Tensor, m: Tensor, v: Tensor): boolean {
  return [p, g, m, v].every(
    (t) =>
      t.device === 'cpu' &&
      t.dtype === 'f32' &&
      t.isContiguous &&
      t.shape.length === p.shape.length &&
      t.shape.every((d, i) => d === p.shape[i]),
  );
}

/** One fused Adam step: the new θ, m and v (see fusedAdamKernel). */
export function fusedAdam(p: Tensor, g: Tensor, m: Tensor, v: Tensor, attrs: FusedAdamAttrs): Tensor[] {
  return dispatch(fusedAdamDef, [p, g, m, v], attrs);
}
