import { detach } from '@tessera/autograd';
import { type Tensor, TesseraError, where, zeros } from '@tessera/core';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * The policy's and the reference's log-probabilities of the chosen (preferred, y_w) and rejected
 * (y_l) responses, one value per pair [b], summed over the response tokens (`sequenceLogProbs(…).sum`).
 * The lengths |y| (response token counts [b]) are needed by the per-token normalized losses (IPO).
 */
export interface PairLogProbs {
  policyChosen: Tensor;
  policyRejected: Tensor;
  referenceChosen: Tensor;
  referenceRejected: Tensor;
  chosenLength?: Tensor;
  rejectedLength?: Tensor;
}

/** The losses of the DPO family: see `dpoLoss` for each formula. */
export type DpoLossType = 'sigmoid' | 'robust' | 'hinge' | 'ipo';

export interface DpoLossOptions {
  /** 'sigmoid' (DPO, default), 'robust', 'hinge' or 'ipo'. */
  type?: DpoLossType;
  /** β: the strength of the pull towards the reference (default 0.1, TRL's default). */
  beta?: number;
  /** ε ∈ [0, 0.5): the assumed fraction of flipped preference labels ('sigmoid' and 'robust'; default 0). */
  labelSmoothing?: number;
}

/** What a pairwise preference loss returns. */
export interface PreferenceLoss {
  /** The mean of `losses`: the scalar to backpropagate. */
  loss: Tensor;
  /** The loss of each pair [b]. */
  losses: Tensor;
  /** The implicit reward of each chosen response [b], detached (for DPO: β·(log πθ − log π_ref)). */
  chosenRewards: Tensor;
  /** The implicit reward of each rejected response [b], detached. */
  rejectedRewards: Tensor;
}

/** log σ(x) = −softplus(−x), stable for large |x|. */
export function logSigmoid(x: Tensor): Tensor {
  return x.neg().softplus().neg();
}

/**
 * The DPO family (Rafailov et al. 2023 and its relatives, as TRL names them), with the log-ratio
 * margin Δ = (log πθ(y_w|x) − log π_ref(y_w|x)) − (log πθ(y_l|x) − log π_ref(y_l|x)):
 *
 * - `sigmoid` (DPO): −log σ(βΔ); with label smoothing ε, conservative DPO (cDPO):
 *   −(1 − ε)·log σ(βΔ) − ε·log σ(−βΔ).
 * - `robust` (rDPO, Chowdhury et al. 2024): (−(1 − ε)·log σ(βΔ) + ε·log σ(−βΔ)) / (1 − 2ε), an
 *   unbiased estimate of the clean-label loss when a fraction ε of the labels is flipped.
 * - `hinge` (SLiC): relu(1 − βΔ).
 * - `ipo` (Azar et al. 2023): (Δ̄ − 1/(2β))², where Δ̄ uses per-token normalized log-ratios,
 *   Δ̄ = (log πθ(y_w) − log π_ref(y_w))/|y_w| − (log πθ(y_l) − log π_ref(y_l))/|y_l|.
 *
 * The rewards are β·(log πθ − log π_ref) of each response, detached, whatever the type.
 */
export function dpoLoss(logps: PairLogProbs, options: DpoLossOptions = {}): PreferenceLoss {
  const type = options.type ?? 'sigmoid';
  const beta = options.beta ?? 0.1;
  const eps = options.labelSmoothing ?? 0;
  checkBeta('dpoLoss', beta);
  if (!['sigmoid', 'robust', 'hinge', 'ipo'].includes(type)) {
    throw new TesseraError('dpoLoss', `type must be 'sigmoid', 'robust', 'hinge' or 'ipo', got '${type}'`);
  }
  if (!(eps >= 0 && eps < 0.5)) {
    throw new TesseraError('dpoLoss', `labelSmoothing must be in [0, 0.5), got ${eps}`);
  }
  if (eps !== 0 && (type === 'hinge' || type === 'ipo')) {
    throw new TesseraError(
      'dpoLoss',
      `labelSmoothing applies to 'sigmoid' and 'robust', not '${type}' (got ${eps})`,
    );
  }
  const { policyChosen, policyRejected, referenceChosen, referenceRejected } = logps;
  checkSameShape('dpoLoss', { policyChosen, policyRejected, referenceChosen, referenceRejected });
  const chosenRatio = policyChosen.sub(referenceChosen);
  const rejectedRatio = policyRejected.sub(referenceRejected);
  let losses: Tensor;
  if (type === 'ipo') {
    const { chosenLength, rejectedLength } = logps;
    if (!chosenLength || !rejectedLength) {
      throw new TesseraError(
        'dpoLoss',
        "type 'ipo' normalizes by length: pass chosenLength and rejectedLength",
      );
    }
    checkSameShape('dpoLoss', { policyChosen, chosenLength, rejectedLength });
    const margin = chosenRatio.div(chosenLength).sub(rejectedRatio.div(rejectedLength));
    losses = margin.sub(1 / (2 * beta)).square();
  } else {
    const logits = chosenRatio.sub(rejectedRatio).mul(beta);
    if (type === 'hinge') losses = logits.neg().add(1).relu();
    else if (type === 'robust') {
      losses = logSigmoid(logits)
        .mul(-(1 - eps))
        .add(logSigmoid(logits.neg()).mul(eps))
        .div(1 - 2 * eps);
    } else losses = smoothedSigmoidLoss(logits, eps);
  }
  return {
    loss: losses.mean(),
    losses,
    chosenRewards: detach(chosenRatio.mul(beta)),
    rejectedRewards: detach(rejectedRatio.mul(beta)),
  };
}

/** −(1 − ε)·log σ(z) − ε·log σ(−z): the logistic loss with label smoothing. */
function smoothedSigmoidLoss(z: Tensor, eps: number): Tensor {
  const main = logSigmoid(z).neg();
  return eps === 0 ? main : main.mul(1 - eps).sub(logSigmoid(z.neg()).mul(eps));
}

/** The policy's summed log-probabilities and the response lengths: what SimPO needs (no reference). */
export interface SimpoInputs {
  policyChosen: Tensor;
  policyRejected: Tensor;
  chosenLength: Tensor;
  rejectedLength: Tensor;
}

export interface SimpoLossOptions {
  /** β, the reward scale (default 2, in the paper's range 2–2.5). */
  beta?: number;
  /** γ, the target reward margin (default 1: γ/β = 0.5). */
  gamma?: number;
  /** ε ∈ [0, 0.5): label smoothing as in cDPO (default 0). */
  labelSmoothing?: number;
}

/**
 * SimPO (Meng et al. 2024), reference-free with length-normalized rewards r(y) = β·log πθ(y|x)/|y|:
 * −log σ(r(y_w) − r(y_l) − γ), or with label smoothing ε, −(1 − ε)·log σ(h) − ε·log σ(−h) for
 * h = r(y_w) − r(y_l) − γ. The rewards returned are r(y), detached.
 */
export function simpoLoss(inputs: SimpoInputs, options: SimpoLossOptions = {}): PreferenceLoss {
  const beta = options.beta ?? 2;
  const gamma = options.gamma ?? 1;
  const eps = options.labelSmoothing ?? 0;
  checkBeta('simpoLoss', beta);
  if (!Number.isFinite(gamma)) throw new TesseraError('simpoLoss', `gamma must be finite, got ${gamma}`);
  if (!(eps >= 0 && eps < 0.5)) {
    throw new TesseraError('simpoLoss', `labelSmoothing must be in [0, 0.5), got ${eps}`);
  }
  checkSameShape('simpoLoss', { ...inputs });
  const chosen = inputs.policyChosen.div(inputs.chosenLength).mul(beta);
  const rejected = inputs.policyRejected.div(inputs.rejectedLength).mul(beta);
  const losses = smoothedSigmoidLoss(chosen.sub(rejected).sub(gamma), eps);
  return { loss: losses.mean(), losses, chosenRewards: detach(chosen), rejectedRewards: detach(rejected) };
}

/** Unpaired examples for KTO: each response is desirable or undesirable on its own. */
export interface KtoInputs {
  /** log πθ(y|x) of each response [b]. */
  policy: Tensor;
  /** log π_ref(y|x) of each response [b]. */
  reference: Tensor;
  /** Whether each response is desirable [b] (bool). */
  desirable: Tensor;
  /**
   * log πθ(y'|x) − log π_ref(y'|x) for mismatched pairs (a response to another prompt), whose mean,
   * clamped at 0 and detached, estimates KL(πθ ‖ π_ref): the reference point z₀. Default: z₀ = 0.
   */
  klLogRatios?: Tensor;
}

export interface KtoLossOptions {
  /** β (default 0.1). */
  beta?: number;
  /** λ_D, the weight of desirable examples (default 1). */
  desirableWeight?: number;
  /** λ_U, the weight of undesirable examples (default 1). */
  undesirableWeight?: number;
}

export interface KtoLoss {
  loss: Tensor;
  losses: Tensor;
  /** β·(log πθ − log π_ref) of each response, detached. */
  rewards: Tensor;
  /** The reference point z₀ (a scalar tensor). */
  kl: Tensor;
}

/**
 * KTO (Ethayarajh et al. 2024) on unpaired examples, with r = log πθ(y|x) − log π_ref(y|x) and the
 * reference point z₀: a desirable response costs λ_D·(1 − σ(β(r − z₀))), an undesirable one
 * λ_U·(1 − σ(β(z₀ − r))). The loss is the mean over the examples.
 */
export function ktoLoss(inputs: KtoInputs, options: KtoLossOptions = {}): KtoLoss {
  const beta = options.beta ?? 0.1;
  const wD = options.desirableWeight ?? 1;
  const wU = options.undesirableWeight ?? 1;
  checkBeta('ktoLoss', beta);
  if (!(wD >= 0 && wU >= 0 && Number.isFinite(wD) && Number.isFinite(wU))) {
    throw new TesseraError(
      'ktoLoss',
      `the weights must be finite and non-negative, got λ_D ${wD}, λ_U ${wU}`,
    );
  }
  const { policy, reference, desirable } = inputs;
  checkSameShape('ktoLoss', { policy, reference, desirable });
  if (desirable.dtype !== 'bool') {
    throw new TesseraError('ktoLoss', `desirable must be a bool tensor, got ${desirable.dtype}`);
  }
  const ratio = policy.sub(reference);
  const kl = inputs.klLogRatios
    ? detach(inputs.klLogRatios.mean().clamp(0))
    : zeros([], { dtype: policy.dtype, device: policy.device, context: policy.ctx });
  const desirableLoss = ratio.sub(kl).mul(beta).sigmoid().neg().add(1).mul(wD);
  const undesirableLoss = kl.sub(ratio).mul(beta).sigmoid().neg().add(1).mul(wU);
  const losses = where(desirable, desirableLoss, undesirableLoss);
  return { loss: losses.mean(), losses, rewards: detach(ratio.mul(beta)), kl };
}

function checkBeta(op: string, beta: number): void {
  if (!(beta > 0 && Number.isFinite(beta)))
    throw new TesseraError(op, `beta must be positive and finite, got ${beta}`);
}

function checkSameShape(op: string, tensors: Record<string, Tensor>): void {
  const entries = Object.entries(tensors);
  const [firstName, first] = entries[0];
  if (first.rank !== 1)
    throw new TesseraError(op, `${firstName} must be one value per example [b], got ${fmt(first.shape)}`);
  for (const [name, t] of entries.slice(1)) {
    if (t.rank !== 1 || t.shape[0] !== first.shape[0]) {
      throw new TesseraError(op, `${name} ${fmt(t.shape)} must match ${firstName} ${fmt(first.shape)}`);
    }
  }
}
