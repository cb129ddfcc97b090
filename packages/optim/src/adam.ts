import { type Tensor, TesseraError, zerosLike } from '@tessera/core';
import { canFuseAdam, fusedAdam } from './fused-adam.js';
import {
  type BaseHyper,
  Optimizer,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamState,
} from './optimizer.js';

export interface AdamHyper extends BaseHyper {
  betas: [number, number];
  eps: number;
}

/**
 * Adam (Kingma & Ba 2015). With g = ∇ + λ·θ (L2 weight decay, as in PyTorch's Adam):
 *   m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²,
 *   m̂ = m/(1 − β₁ᵗ),   v̂ = v/(1 − β₂ᵗ),   θ ← θ − lr·m̂/(√v̂ + ε).
 */
export class Adam extends Optimizer<AdamHyper> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupSpec<AdamHyper>>,
    options: Partial<AdamHyper> = {},
  ) {
    super('Adam', params, defaults(options, 0));
  }

  protected override validate(group: ParamGroup<AdamHyper>, index: number): void {
    super.validate(group, index);
    checkAdam(this.name, group, index);
  }

  protected initState(p: Tensor): Record<string, Tensor> {
    return { expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup<AdamHyper>, state: ParamState): Tensor {
    const fused = fusedStep(p, grad, group, state, group.weightDecay, 1);
    if (fused) return fused;
    const g = group.weightDecay !== 0 ? grad.add(p.mul(group.weightDecay)) : grad;
    return adamStep(p, g, group, state);
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam without L2 in the gradient, the decay applied to the
 * weights directly and scaled by lr: θ ← θ·(1 − lr·λ), then the Adam step on ∇. Default λ 0.01.
 */
export class AdamW extends Optimizer<AdamHyper> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupSpec<AdamHyper>>,
    options: Partial<AdamHyper> = {},
  ) {
    super('AdamW', params, defaults(options, 0.01));
  }

  protected override validate(group: ParamGroup<AdamHyper>, index: number): void {
    super.validate(group, index);
    checkAdam(this.name, group, index);
  }

  protected initState(p: Tensor): Record<string, Tensor> {
    return { expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup<AdamHyper>, state: ParamState): Tensor {
    const fused = fusedStep(p, grad, group, state, 0, 1 - group.lr * group.weightDecay);
    if (fused) return fused;
    const decayed = group.weightDecay !== 0 ? p.mul(1 - group.lr * group.weightDecay) : p;
    return adamStep(decayed, grad, group, state);
  }
}

function defaults(o: Partial<AdamHyper>, weightDecay: number): AdamHyper {
  return {
    lr: o.lr ?? 1e-3,
    betas: o.betas ?? [0.9, 0.999],
    eps: o.eps ?? 1e-8,
    weightDecay: o.weightDecay ?? weightDecay,
  };
}

function checkAdam(name: string, g: AdamHyper, index: number): void {
  const [b1, b2] = g.betas;
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) {
    throw new TesseraError(name, `group ${index}: betas must be in [0, 1), got [${b1}, ${b2}]`);
  }
  if (!(g.eps >= 0)) throw new TesseraError(name, `group ${index}: eps must be ≥ 0, got ${g.eps}`);
}

/**
 * The whole step as one op where it applies (contiguous f32 on the CPU, fused-adam.ts): m and v
 * are assigned here, the new θ returned. Undefined elsewhere (the op-by-op adamStep then runs).
 */
function fusedStep(
  p: Tensor,
  g: Tensor,
  group: AdamHyper,
  state: ParamState,
  l2: number,
  scale: number,
): Tensor | undefined {
  const { expAvg, expAvgSq } = state.tensors;
  if (!canFuseAdam(p, g, expAvg, expAvgSq)) return undefined;
  const [b1, b2] = group.betas;
  const stepSize = group.lr / (1 - b1 ** state.step);
  const rootC2 = Math.sqrt(1 - b2 ** state.step);
  const [np, nm, nv] = fusedAdam(p, g, expAvg, expAvgSq, {
    b1,
    b2,
    stepSize,
    rootC2,
    eps: group.eps,
    l2,
    scale,
  });
  expAvg.assign(nm);
  expAvgSq.assign(nv);
  return np;
}

function adamStep(p: Tensor, g: Tensor, group: AdamHyper, state: ParamState): Tensor {
  const [b1, b2] = group.betas;
  const { expAvg, expAvgSq } = state.tensors;
  expAvg.assign(expAvg.mul(b1).add(g.mul(1 - b1)));
  expAvgSq.assign(expAvgSq.mul(b2).add(g.square().mul(1 - b2)));
  const c1 = 1 - b1 ** state.step;
  const c2 = 1 - b2 ** state.step;
  // lr·m̂/(√v̂ + ε) = (lr/c₁)·m / (√v/√c₂ + ε)
  const denom = expAvgSq.sqrt().div(Math.sqrt(c2)).add(group.eps);
  return p.sub(expAvg.div(denom).mul(group.lr / c1));
}
