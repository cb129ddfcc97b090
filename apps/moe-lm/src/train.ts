import { backward, noGrad, zeroGrad } from '@tessera/autograd';
import { type Context, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { moeLayers } from '@tessera/moe';
import { crossEntropy, type Module } from '@tessera/nn';
import { AdamW } from '@tessera/optim';
import { type Corpus, sampleWindows, validationWindows } from './corpus.js';

/** A next-character model: token ids [b, s] (i32) → logits [b, s, vocab]. */
export type LanguageModel = Module & { forward(tokens: Tensor): Tensor };

export interface TrainOptions {
  steps: number;
  batch: number;
  seq: number;
  lr: number;
  /** Evaluate every this many steps (and at the end). */
  evalEvery: number;
  /** Held-out windows per evaluation. */
  validWindows: number;
  /** γ of auxiliary-loss-free balancing (0: off). */
  biasRate: number;
  seed: number;
  device: string;
  context: Context;
  /** Called after each step (progress). */
  onStep?: (step: number, loss: number, tokensPerSecond: number) => void;
}

export interface TrainResult {
  /** Steps at which the model was evaluated. */
  evalSteps: number[];
  /** Validation bits per character at those steps. */
  validBpc: number[];
  /** Training tokens per second (evaluation excluded). */
  tokensPerSecond: number;
  /** Per evaluation, per MoE layer: each expert's share of the last training step's token-slots. */
  loadShares: number[][][];
  /** Per evaluation, per MoE layer: the coefficient of variation of that load. */
  loadCv: number[][];
}

const LN2 = Math.log(2);

/**
 * AdamW on cross-entropy of the next character over random windows of the training text, plus each
 * MoE layer's auxiliary loss (if configured), and after each step one auxiliary-loss-free bias
 * update per MoE layer when `biasRate` > 0. Evaluates bits per character on fixed held-out windows.
 */
export async function train(model: LanguageModel, corpus: Corpus, o: TrainOptions): Promise<TrainResult> {
  const ctx = o.context;
  const rng = new Rng(o.seed);
  const moes = moeLayers(model);
  const opt = new AdamW(model.parameters(), { lr: o.lr, weightDecay: 0.01 });
  const vocab = corpus.tokenizer.vocabSize;
  const onDevice = (ids: number[], shape: number[]) =>
    tensor(ids, shape, { dtype: 'i32', device: o.device, context: ctx });
  const valid = validationWindows(corpus.valid, o.validWindows, o.seq);
  const validInputs = onDevice(valid.inputs, [o.validWindows, o.seq]);
  const validTargets = onDevice(valid.targets, [o.validWindows * o.seq]);
  const result: TrainResult = { evalSteps: [], validBpc: [], tokensPerSecond: 0, loadShares: [], loadCv: [] };
  let trainMs = 0;

  const evaluate = async (step: number) => {
    const shares: number[][] = [];
    const cvs: number[] = [];
    for (const m of moes) {
      const metrics = await m.metrics();
      const total = metrics.tokensPerExpert.reduce((a, b) => a + b, 0);
      shares.push(metrics.tokensPerExpert.map((l) => l / total));
      cvs.push(metrics.cv);
    }
    model.eval();
    const nll = tidy(
      () => noGrad(() => crossEntropy(model.forward(validInputs).reshape([-1, vocab]), validTargets), ctx),
      ctx,
    );
    model.train();
    result.evalSteps.push(step);
    result.validBpc.push((await nll.item()) / LN2);
    nll.dispose();
    result.loadShares.push(shares);
    result.loadCv.push(cvs);
  };

  for (let step = 1; step <= o.steps; step++) {
    const t0 = performance.now();
    const { inputs, targets } = sampleWindows(corpus.train, o.batch, o.seq, rng);
    const loss = tidy(() => {
      const x = onDevice(inputs, [o.batch, o.seq]);
      const y = onDevice(targets, [o.batch * o.seq]);
      let l = crossEntropy(model.forward(x).reshape([-1, vocab]), y);
      for (const m of moes) {
        const aux = m.auxLoss();
        if (aux) l = l.add(aux);
      }
      backward(l);
      return l;
    }, ctx);
    opt.step();
    zeroGrad(model.parameters());
    if (o.biasRate > 0) for (const m of moes) m.updateBias(o.biasRate);
    const value = await loss.item();
    loss.dispose();
    trainMs += performance.now() - t0;
    o.onStep?.(step, value, (step * o.batch * o.seq) / (trainMs / 1000));
    if (step % o.evalEvery === 0 || step === o.steps) await evaluate(step);
  }
  validInputs.dispose();
  validTargets.dispose();
  result.tokensPerSecond = (o.steps * o.batch * o.seq) / (trainMs / 1000);
  return result;
}
