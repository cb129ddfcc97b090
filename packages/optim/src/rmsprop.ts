import { type Tensor, TesseraError, zerosLike } from '@tessera/core';
import {
  type BaseHyper,
  Optimizer,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamState,
} from './optimizer.js';

export interface RMSpropHyper extends BaseHyper {
  alpha: number;
  eps: number;
  momentum: number;
  centered: boolean;
}

/**
 * RMSprop (Hinton's lecture 6e, in PyTorch's form). With g = ∇ + λ·θ:
 *   v ← α·v + (1 − α)·g²
 *   centered: ḡ ← α·ḡ + (1 − α)·g and a = √(v − ḡ²) + ε; else a = √v + ε
 *   momentum μ > 0: b ← μ·b + g/a, θ ← θ − lr·b; else θ ← θ − lr·g/a.
 */
export class RMSprop extends Optimizer<RMSpropHyper> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupSpec<RMSpropHyper>>,
    options: Partial<RMSpropHyper> = {},
  ) {
    super('RMSprop', params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      weightDecay: options.weightDecay ?? 0,
    });
  }

  protected override validate(group: ParamGroup<RMSpropHyper>, index: number): void {
    super.validate(group, index);
    if (!(group.alpha >= 0 && group.alpha <= 1)) {
      throw new TesseraError('RMSprop', `group ${index}: alpha must be in [0, 1], got ${group.alpha}`);
    }
    if (!(group.momentum >= 0)) {
      throw new TesseraError('RMSprop', `group ${index}: momentum must be ≥ 0, got ${group.momentum}`);
    }
  }

  protected initState(p: Tensor, group: ParamGroup<RMSpropHyper>): Record<string, Tensor> {
    const s: Record<string, Tensor> = { squareAvg: zerosLike(p) };
    if (group.centered) s.gradAvg = zerosLike(p);
    if (group.momentum > 0) s.momentumBuffer = zerosLike(p);
    return s;
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup<RMSpropHyper>, state: ParamState): Tensor {
    const g = group.weightDecay !== 0 ? grad.add(p.mul(group.weightDecay)) : grad;
    const a = group.alpha;
    const { squareAvg, gradAvg, momentumBuffer } = state.tensors;
    squareAvg.assign(squareAvg.mul(a).add(g.square().mul(1 - a)));
    let avg: Tensor;
    if (group.centered) {
      gradAvg.assign(gradAvg.mul(a).add(g.mul(1 - a)));
      avg = squareAvg.sub(gradAvg.square()).sqrt().add(group.eps);
    } else {
      avg = squareAvg.sqrt().add(group.eps);
    }
    if (group.momentum > 0) {
      momentumBuffer.assign(momentumBuffer.mul(group.momentum).add(g.div(avg)));
      return p.sub(momentumBuffer.mul(group.lr));
    }
    return p.sub(g.div(avg).mul(group.lr));
  }
}
