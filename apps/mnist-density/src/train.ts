import { ProgressBar } from '@tessera/app-kit';
import { backward, noGrad } from '@tessera/autograd';
import { type Context, keep, type Tensor, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import type { Module } from '@tessera/nn';
import { Adam } from '@tessera/optim';

/** What the app needs of a model of @tessera/autoregressive. */
export interface DensityModel extends Module {
  readonly n: number;
  logProb(x: Tensor): Tensor;
  conditionalLogits(x: Tensor): Tensor;
  sample(count: number, options: { seed: number }): Tensor;
}

export interface Recipe {
  lr: number;
  /** L2 penalty added to the gradient of weight matrices (Adam's coupled weight decay); biases get none. */
  weightDecay: number;
  batchSize: number;
  /** The training objective's log-likelihoods [B] of a batch (default model.logProb). */
  trainLogProb?: (x: Tensor) => Tensor;
  /** Called before each step (MADE switches mask sets here). */
  beforeStep?: (step: number) => void;
}

export interface TrainOptions {
  name: string;
  model: DensityModel;
  recipe: Recipe;
  train: Tensor;
  validation: Tensor;
  maxEpochs: number;
  patience: number;
  /** Training stops after this many seconds (checked after each epoch). */
  seconds: number;
  seed: number;
  context: Context;
  log: (line: string) => void;
  quiet: boolean;
}

export interface TrainResult {
  epochs: number;
  bestEpoch: number;
  bestValidationNll: number;
  /** Validation NLL after every epoch. */
  validationCurve: number[];
  /** Wall-clock seconds of training (validation passes included). */
  seconds: number;
  stoppedBy: 'patience' | 'time' | 'max-epochs';
}

/** Mean negative log-likelihood in nats over the rows of data [N, n], in batches without gradients. */
export function meanNll(logProb: (x: Tensor) => Tensor, data: Tensor, context: Context, batch = 500): number {
  const rows = data.shape[0];
  let total = 0;
  for (let start = 0; start < rows; start += batch) {
    const size = Math.min(batch, rows - start);
    total += noGrad(
      () =>
        tidy(
          () =>
            logProb(data.narrow(0, start, size))
              .sum()
              .neg(),
          context,
        ),
      context,
    ).itemSync();
  }
  return total / rows;
}

/**
 * Adam on minibatches of shuffled training rows (a new permutation from the seeded Rng each epoch), the
 * validation NLL after every epoch, early stopping after `patience` epochs without improvement, and the
 * best epoch's parameters restored at the end.
 */
export function trainWithEarlyStopping(o: TrainOptions): TrainResult {
  const { model, recipe, context } = o;
  const rows = o.train.shape[0];
  const stepsPerEpoch = Math.floor(rows / recipe.batchSize);
  if (stepsPerEpoch < 1)
    throw new Error(`${o.name}: ${rows} training rows are fewer than one batch of ${recipe.batchSize}`);
  const params = model.parameters();
  const optimizer = new Adam(
    [
      { params: params.filter((p) => p.rank > 1), weightDecay: recipe.weightDecay },
      { params: params.filter((p) => p.rank <= 1), weightDecay: 0 },
    ],
    { lr: recipe.lr },
  );
  const trainLogProb = recipe.trainLogProb ?? ((x: Tensor) => model.logProb(x));
  const rng = new Rng(o.seed);
  const bar = new ProgressBar(o.maxEpochs * stepsPerEpoch, o.name, { quiet: o.quiet, out: process.stderr });
  const start = performance.now();
  const curve: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let snapshot: Tensor[] = [];
  let stoppedBy: TrainResult['stoppedBy'] = 'max-epochs';
  let step = 0;
  for (let epoch = 1; epoch <= o.maxEpochs; epoch++) {
    const order = rng.permutation(rows);
    let lossSum = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      recipe.beforeStep?.(step);
      const loss = tidy(() => {
        const index = order.slice(s * recipe.batchSize, (s + 1) * recipe.batchSize);
        const batch = o.train.indexSelect(0, tensor(Int32Array.from(index), { dtype: 'i32', context }));
        const l = trainLogProb(batch).mean().neg();
        backward(l);
        return l.itemSync();
      }, context);
      optimizer.step();
      optimizer.zeroGrad();
      lossSum += loss;
      step++;
      bar.update(
        step,
        `epoch ${epoch} nll ${(lossSum / (s + 1)).toFixed(2)}${best < Infinity ? ` best val ${best.toFixed(2)}` : ''}`,
      );
    }
    const val = meanNll((x) => model.logProb(x), o.validation, context);
    curve.push(val);
    const elapsed = (performance.now() - start) / 1000;
    if (val < best) {
      best = val;
      bestEpoch = epoch;
      for (const t of snapshot) t.dispose();
      snapshot = params.map((p) => keep(p.clone()));
    }
    o.log(
      `${o.name} epoch ${epoch}: train NLL ${(lossSum / stepsPerEpoch).toFixed(2)}, validation NLL ${val.toFixed(2)} nats${bestEpoch === epoch ? ' (best)' : ''}, ${elapsed.toFixed(0)} s`,
    );
    if (epoch - bestEpoch >= o.patience) {
      stoppedBy = 'patience';
      break;
    }
    if (elapsed > o.seconds && epoch < o.maxEpochs) {
      stoppedBy = 'time';
      break;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (snapshot.length === 0)
    throw new Error(`${o.name}: the validation NLL was never finite (${curve.join(', ')})`);
  noGrad(() => {
    params.forEach((p, i) => {
      p.assign(snapshot[i]);
    });
  }, context);
  for (const t of snapshot) t.dispose();
  optimizer.dispose();
  return {
    epochs: curve.length,
    bestEpoch,
    bestValidationNll: best,
    validationCurve: curve,
    seconds,
    stoppedBy,
  };
}
