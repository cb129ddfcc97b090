import { backward, noGrad, zeroGrad } from '@tessera/autograd';
import { type Context, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { crossEntropy, klDiv } from '@tessera/nn';
import { AdamW, CosineWithWarmup } from '@tessera/optim';
import { causalLogProbs, type DpoLossType, dpoLoss, frozenCopy } from '@tessera/preference';
import { colourTargets } from './perception.js';
import {
  GuiPolicy,
  imageTensor,
  type Observation,
  type PolicyConfig,
  promptLength,
  promptTokens,
  responseTokens,
} from './policy.js';
import { COORDINATES, FIRST_COORDINATE, PAD, VOCAB } from './tokenizer.js';

/** A batch of (screenshot, goal, previous action, response) sequences: text [b, promptLength + the longest response]. */
export interface TextBatch {
  images: Tensor[];
  /** [b, s] i32: the left-padded goal, the previous action's kind, <bos>, the response and <eos>, right-padded. */
  text: Tensor;
  /** [b·s] i32 next-token targets: the response tokens, −100 elsewhere. */
  targets: Tensor;
  /**
   * [b, s] f32: 1 at response tokens (what `causalLogProbs` scores), coordinate tokens left out
   * unless asked for; with `only`, at that one response token of each row.
   */
  mask: Tensor;
}

const isCoordinate = (id: number) => id >= FIRST_COORDINATE && id < FIRST_COORDINATE + COORDINATES;

export interface BatchOptions {
  /** Cut too long responses (the agent's own runaway outputs) instead of throwing. */
  truncate?: boolean;
  /** Whether the mask covers coordinate tokens (default true). */
  coordinates?: boolean;
  /** Per row, the one response-token index the mask covers (−1: none). */
  only?: readonly number[];
}

export function makeBatch(
  rows: readonly (Observation & { text: string })[],
  config: PolicyConfig,
  ctx: Context,
  { truncate = false, coordinates = true, only }: BatchOptions = {},
): TextBatch {
  const seqs = rows.map((r) => [
    ...promptTokens(r.goal, r.previous, config),
    ...responseTokens(r.text, config, truncate),
  ]);
  // Padded to the longest row of this batch.
  const s = Math.max(...seqs.map((q) => q.length));
  const prompt = promptLength(config);
  const text: number[] = [];
  const targets: number[] = [];
  const mask: number[] = [];
  seqs.forEach((ids, row) => {
    for (let t = 0; t < s; t++) {
      text.push(t < ids.length ? ids[t] : PAD);
      targets.push(t + 1 >= prompt && t + 1 < ids.length ? ids[t + 1] : -100);
      const scored =
        t >= prompt &&
        t < ids.length &&
        (coordinates || !isCoordinate(ids[t])) &&
        (only === undefined || t - prompt === only[row]);
      mask.push(scored ? 1 : 0);
    }
  });
  const o = { context: ctx };
  return {
    images: rows.map((r) => imageTensor(r.shot, o)),
    text: tensor(text, [rows.length, s], { ...o, dtype: 'i32' }),
    targets: tensor(targets, [rows.length * s], { ...o, dtype: 'i32' }),
    mask: tensor(mask, [rows.length, s], o),
  };
}

export interface BcOptions {
  steps: number;
  /**
   * Weight of the perception loss (the image tokens' colour mix, `colourTargets`, as a soft-target
   * cross-entropy averaged over tokens) added to the response tokens' cross-entropy; 0 or a policy
   * without `config.perception`: none.
   */
  perception?: number;
  batch: number;
  lr: number;
  seed: number;
  context: Context;
  onStep?: (step: number, loss: number) => void;
}

/** Behaviour cloning: AdamW (warmup, cosine to a tenth) on the response tokens' cross-entropy over random demo batches. */
export async function behaviourCloning(
  policy: GuiPolicy,
  samples: readonly (Observation & { text: string })[],
  o: BcOptions,
): Promise<number[]> {
  const ctx = o.context;
  const opt = new AdamW(policy.parameters(), { lr: o.lr, weightDecay: 0.01 });
  const schedule = new CosineWithWarmup(opt, {
    warmupSteps: Math.min(30, o.steps - 1),
    totalSteps: o.steps,
    minLr: o.lr / 10,
  });
  const rng = new Rng(o.seed);
  const losses: number[] = [];
  for (let step = 1; step <= o.steps; step++) {
    const rows = Array.from({ length: o.batch }, () => samples[rng.int(samples.length)]);
    const loss = tidy(() => {
      const b = makeBatch(rows, policy.config, ctx);
      const { logits, colours } = policy.forwardWithColours(b.images, b.text);
      const l = crossEntropy(logits.reshape([-1, VOCAB.length]), b.targets);
      const weight = o.perception ?? 0;
      backward(colours && weight > 0 ? l.add(perceptionLoss(colours, rows, policy).mul(weight)) : l);
      return l;
    }, ctx);
    opt.step();
    schedule.step();
    zeroGrad(policy.parameters());
    const value = await loss.item();
    loss.dispose();
    losses.push(value);
    o.onStep?.(step, value);
  }
  return losses;
}

/** Soft-target cross-entropy of the image tokens' colour logits [b, n, classes] against each screenshot's `colourTargets`, averaged over the tokens. */
export function perceptionLoss(colours: Tensor, rows: readonly Observation[], policy: GuiPolicy): Tensor {
  const [b, n, k] = colours.shape;
  const cell = 2 * policy.config.patch;
  const targets = new Float32Array(b * n * k);
  rows.forEach((r, i) => {
    const t = colourTargets(r.shot, cell);
    if (t.length !== n * k)
      throw new Error(
        `gui-agent perceptionLoss: ${t.length / k} colour cells for a ${r.shot.width}×${r.shot.height} screenshot, ${n} image tokens`,
      );
    targets.set(t, i * n * k);
  });
  const q = tensor(targets, [b, n, k], { context: colours.ctx });
  return q
    .mul(colours.logSoftmax(-1))
    .sum()
    .mul(-1 / (b * n));
}

/**
 * Index among the response tokens of the first token where `rejected` departs from `chosen`
 * (−1 if they are the same): the agent's decision that was wrong. The shared tokens before it
 * have the same log-probability under both and cancel in a DPO margin; the tokens after it follow
 * a prefix the chosen step never has, so they are not themselves mistakes.
 */
export function firstDifference(chosen: string, rejected: string, config: PolicyConfig): number {
  const c = responseTokens(chosen, config);
  const r = responseTokens(rejected, config, true);
  for (let i = 0; i < Math.min(c.length, r.length); i++) if (c[i] !== r[i]) return i;
  return c.length === r.length ? -1 : Math.min(c.length, r.length);
}

/** The agent's wrong response at a state and the expert's corrected one (UI-TARS's reflection pairs). */
export interface ReflectionPair extends Observation {
  chosen: string;
  rejected: string;
}

export interface DpoOptions {
  steps: number;
  batch: number;
  lr: number;
  beta: number;
  /** The preference loss (`dpoLoss`'s type): 'sigmoid' (DPO) by default, 'ipo' normalizes by the scored tokens. */
  loss?: DpoLossType;
  /** Weight of the chosen responses' cross-entropy added to the DPO loss (0: plain DPO). */
  sftWeight: number;
  /**
   * Whether the DPO term scores the coordinate tokens too. Without them it scores the thought and
   * the action's text only, so it cannot push the pointer away from a rejected point (the wrong
   * point of a wrong step is often right on another screen); the chosen steps' cross-entropy still
   * trains the coordinates.
   */
  coordinates: boolean;
  /**
   * Which tokens the DPO term scores: 'all' the response's (less the coordinates unless
   * `coordinates`), or 'first-difference' only the first token where the rejected step departs
   * from the chosen one (`firstDifference`), in both: the margin is then the two decisions'
   * log-probabilities at the same prefix, and the rejected step's continuation, which reads fine
   * after its own wrong start, is not pushed down.
   */
  tokens?: 'all' | 'first-difference';
  /**
   * Demonstrations replayed in the cross-entropy term, `replayBatch` rows per step beside the
   * chosen steps (weighted by `sftWeight` too): the pairs name the decisions to change, the replay
   * keeps every other decision where behaviour cloning left it.
   */
  replay?: readonly (Observation & { text: string })[];
  replayBatch?: number;
  /**
   * States whose next-token distributions the round holds where they were (the agent's own right
   * steps, teacher-forced on its own responses): KL(π_ref ‖ π) summed over each response's tokens
   * and averaged over `anchorBatch` rows per step, weighted by `anchorWeight`. Where the replay's
   * cross-entropy pulls towards one label, this holds every token's whole distribution, the
   * decisions the agent got right included, against the pairs' pull.
   */
  anchor?: readonly (Observation & { text: string })[];
  anchorBatch?: number;
  anchorWeight?: number;
  seed: number;
  context: Context;
  onStep?: (step: number, loss: number, accuracy: number) => void;
}

/** Summed response log-probabilities [b] of each row's response under `policy`, and the scored tokens' count [b]. */
function responseLogProbs(policy: GuiPolicy, b: TextBatch): { sum: Tensor; count: Tensor } {
  return causalLogProbs(policy.forward(b.images, b.text), b.text, b.mask);
}

type Side = 'chosen' | 'rejected';

/** One side of the pairs `idx` as a batch; the rejected responses (the agent's own, possibly runaway) are truncated. */
function sideBatch(
  pairs: readonly ReflectionPair[],
  idx: readonly number[],
  side: Side,
  config: PolicyConfig,
  ctx: Context,
  options: Omit<BatchOptions, 'truncate'> = {},
): TextBatch {
  return makeBatch(
    idx.map((i) => ({ ...pairs[i], text: pairs[i][side] })),
    config,
    ctx,
    { ...options, truncate: side === 'rejected' },
  );
}

/**
 * Summed response log-probabilities of both sides of `count` pairs under `policy` in eval mode,
 * without gradients, `batch` pairs per pass; `batchOf` builds one side's batch for some pairs'
 * indices. The policy's training mode is restored.
 */
async function pairLogProbs(
  policy: GuiPolicy,
  count: number,
  batchOf: (idx: readonly number[], side: Side) => TextBatch,
  ctx: Context,
  batch = 32,
): Promise<Record<Side, number[]>> {
  const wasTraining = policy.training;
  policy.eval();
  const out: Record<Side, number[]> = { chosen: [], rejected: [] };
  for (let i = 0; i < count; i += batch) {
    const idx = Array.from({ length: Math.min(batch, count - i) }, (_, j) => i + j);
    const [c, r] = noGrad(
      () =>
        tidy(
          () => [
            responseLogProbs(policy, batchOf(idx, 'chosen')).sum,
            responseLogProbs(policy, batchOf(idx, 'rejected')).sum,
          ],
          ctx,
        ),
      ctx,
    );
    out.chosen.push(...(await c.data()));
    out.rejected.push(...(await r.data()));
    c.dispose();
    r.dispose();
  }
  if (wasTraining) policy.train();
  return out;
}

/**
 * The reflection round: DPO (`dpoLoss` from @tessera/preference, sigmoid loss or `o.loss`) on (chosen =
 * expert's corrected step, rejected = agent's wrong step) pairs, against the policy as it was
 * before the round (its log-probabilities computed once), optionally plus the chosen responses'
 * cross-entropy and that of replayed demonstrations. Returns the per-step losses.
 */
export async function dpoRound(
  policy: GuiPolicy,
  pairs: readonly ReflectionPair[],
  o: DpoOptions,
): Promise<number[]> {
  const ctx = o.context;
  const first =
    o.tokens === 'first-difference'
      ? pairs.map((p) => firstDifference(p.chosen, p.rejected, policy.config))
      : undefined;
  // The chosen (or, truncated, the rejected) responses of the pairs `idx`, masked as `o` asks.
  const batchOf = (idx: readonly number[], side: Side) =>
    sideBatch(pairs, idx, side, policy.config, ctx, {
      coordinates: o.coordinates,
      only: first && idx.map((i) => first[i]),
    });
  // Reference log-probabilities, once, in eval mode.
  const reference = await pairLogProbs(policy, pairs.length, batchOf, ctx);
  // The anchor's rows per step (0: no anchor term, and no reference copy to hold).
  const anchor = o.anchor ?? [];
  const anchorWeight = o.anchorWeight ?? 0;
  const anchorBatch = anchor.length > 0 && anchorWeight > 0 ? (o.anchorBatch ?? 16) : 0;
  const frozen =
    anchorBatch > 0 ? frozenCopy(policy, () => new GuiPolicy(policy.config, { context: ctx })) : undefined;
  policy.train();
  const opt = new AdamW(policy.parameters(), { lr: o.lr, weightDecay: 0 });
  const rng = new Rng(o.seed);
  const losses: number[] = [];
  for (let step = 1; step <= o.steps; step++) {
    const idx = Array.from({ length: Math.min(o.batch, pairs.length) }, () => rng.int(pairs.length));
    const replay = o.replay ?? [];
    const replayRows =
      replay.length > 0
        ? Array.from({ length: o.replayBatch ?? 0 }, () => replay[rng.int(replay.length)])
        : [];
    const anchorRows = Array.from({ length: anchorBatch }, () => anchor[rng.int(anchor.length)]);
    const [loss, acc] = tidy(() => {
      const cb = batchOf(idx, 'chosen');
      const rb = batchOf(idx, 'rejected');
      const chosenLogits = policy.forward(cb.images, cb.text);
      const chosen = causalLogProbs(chosenLogits, cb.text, cb.mask);
      const rejected = responseLogProbs(policy, rb);
      const ref = (xs: number[]) =>
        tensor(
          idx.map((i) => xs[i]),
          [idx.length],
          { context: ctx },
        );
      const d = dpoLoss(
        {
          policyChosen: chosen.sum,
          policyRejected: rejected.sum,
          referenceChosen: ref(reference.chosen),
          referenceRejected: ref(reference.rejected),
          chosenLength: chosen.count,
          rejectedLength: rejected.count,
        },
        { type: o.loss ?? 'sigmoid', beta: o.beta },
      );
      let total = d.loss;
      if (o.sftWeight > 0) {
        total = total.add(
          crossEntropy(chosenLogits.reshape([-1, VOCAB.length]), cb.targets).mul(o.sftWeight),
        );
        if (replayRows.length > 0) {
          const b = makeBatch(replayRows, policy.config, ctx);
          const logits = policy.forward(b.images, b.text);
          total = total.add(crossEntropy(logits.reshape([-1, VOCAB.length]), b.targets).mul(o.sftWeight));
        }
      }
      if (frozen) total = total.add(anchorKl(policy, frozen, anchorRows, ctx).mul(anchorWeight));
      backward(total);
      return [total, d.chosenRewards.gt(d.rejectedRewards).cast('f32').mean()];
    }, ctx);
    opt.step();
    zeroGrad(policy.parameters());
    const value = await loss.item();
    const accuracy = await acc.item();
    loss.dispose();
    acc.dispose();
    losses.push(value);
    o.onStep?.(step, value, accuracy);
  }
  frozen?.dispose();
  return losses;
}

/**
 * KL(π_ref ‖ π) of the next-token distributions at the response tokens of `rows` (teacher-forced),
 * summed over each row's tokens and averaged over the rows.
 */
export function anchorKl(
  policy: GuiPolicy,
  reference: GuiPolicy,
  rows: readonly (Observation & { text: string })[],
  ctx: Context,
): Tensor {
  const b = makeBatch(rows, policy.config, ctx, { truncate: true });
  const target = noGrad(() => reference.forward(b.images, b.text).logSoftmax(-1), ctx);
  const logp = policy.forward(b.images, b.text).logSoftmax(-1);
  const scored = b.targets.ne(-100).cast('f32').reshape(b.text.shape);
  return klDiv(logp, target, { logTarget: true, reduction: 'none' })
    .sum(-1)
    .mul(scored)
    .sum()
    .div(rows.length);
}

/**
 * The share of `pairs` whose chosen response the policy gives the higher log-probability (whole
 * responses, coordinates included; a tie counts as not preferred). Measured on a round's own pairs
 * it says how much of them the round learned; on pairs it never trained on (the held-out
 * evaluation's mistakes) it says whether what it learned carries over to mistakes it has not seen.
 */
export async function preferredShare(
  policy: GuiPolicy,
  pairs: readonly ReflectionPair[],
  ctx: Context,
  batch = 32,
): Promise<number> {
  if (pairs.length === 0) return Number.NaN;
  const { chosen, rejected } = await pairLogProbs(
    policy,
    pairs.length,
    (idx, side) => sideBatch(pairs, idx, side, policy.config, ctx),
    ctx,
    batch,
  );
  return chosen.filter((c, i) => c > rejected[i]).length / pairs.length;
}
