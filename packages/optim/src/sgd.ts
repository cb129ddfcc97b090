import { type Tensor, TesseraError, zerosLike } from '@tessera/core';
import {
  type BaseHyper,
  Optimizer,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamState,
} from './optimizer.js';

export interface SGDHyper extends BaseHyper {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

/**
 * Stochastic gradient descent with PyTorch's momentum convention. With g = ∇ + λ·θ:
 *   b ← g on the first step, else b ← μ·b + (1 − τ)·g   (τ: dampening)
 *   d = g + μ·b with Nesterov, else d = b  (d = g without momentum)
 *   θ ← θ − lr·d.
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(
    params: Iterable<Tensor> | Iterable<ParamGroupSpec<SGDHyper>>,
    options: Partial<SGDHyper> = {},
  ) {
    super('SGD', params, {
      lr: options.lr ?? 1e-3,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      nesterov: options.nesterov ?? false,
      weightDecay: options.weightDecay ?? 0,
    });
  }

  protected override validate(group: ParamGroup<SGDHyper>, index: number): void {
    super.validate(group, index);
    if (!(group.momentum >= 0))
      throw new TesseraError('SGD', `group ${index}: momentum must be ≥ 0, got ${group.momentum}`);
    if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
      throw new TesseraError('SGD', `group ${index}: Nesterov momentum needs momentum > 0 and dampening 0`);
    }
  }

  protected initState(p: Tensor, group: ParamGroup<SGDHyper>): Record<string, Tensor> {
    return group.momentum > 0 ? { momentumBuffer: zerosLike(p) } : {};
  }

  protected update(p: Tensor, grad: Tensor, group: ParamGroup<SGDHyper>, state: ParamState): Tensor {
    let d = group.weightDecay !== 0 ? grad.add(p.mul(group.weightDecay)) : grad;
    const mu = group.momentum;
    if (mu > 0) {
      const buf = state.tensors.momentumBuffer;
      buf.assign(state.step === 1 ? d : buf.mul(mu).add(d.mul(1 - group.dampening)));
      d = group.nesterov ? d.add(buf.mul(mu)) : buf;
    }
    return p.sub(d.mul(group.lr));
  }
}
