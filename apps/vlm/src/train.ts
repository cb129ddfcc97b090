import { backward, noGrad, zeroGrad } from '@tessera/autograd';
import { type Context, tensor, tidy } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { moeLayers } from '@tessera/moe';
import { AdamW, CosineWithWarmup } from '@tessera/optim';
import { type LayoutOptions, makeBatch, VisionLanguageModel, type VlmConfig } from './model.js';
import {
  type Example,
  groundingQuestions,
  type Phrasing,
  QUESTION_TYPES,
  type QuestionType,
  randomExample,
  type Scene,
} from './scenes.js';

export interface TrainOptions {
  steps: number;
  batch: number;
  lr: number;
  layout: LayoutOptions;
  /** Which text targets the loss covers: the answers only (LLaVA's instruction tuning) or every text token. */
  lossOn: 'answers' | 'text';
  /** Further questions per training picture, asked after the first in the same sequence. */
  moreQuestions: number;
  /** How the questions are worded (held-out questions must use the same). */
  phrasing?: Phrasing;
  /** Relative frequency of the question types in training (uniform when left out). */
  typeWeights?: Readonly<Record<QuestionType, number>>;
  /** A curriculum: the first this many steps draw one-object pictures only (0: none). */
  oneObjectSteps?: number;
  /** Also ask up to this many grounding questions per training picture (`groundingQuestions`; 0: none). */
  grounding?: number;
  seed: number;
  device: string;
  context: Context;
  /** Applied to every training picture (e.g. the square resize); identity by default. */
  view?: (scene: Scene) => Scene;
  onStep?: (step: number, loss: number) => void;
}

/**
 * AdamW (warmup, then cosine to a tenth) on the text-token cross-entropy plus the MoE layers'
 * load-balancing losses, over freshly generated training examples (never a held-out pair).
 */
export async function trainModel(
  config: VlmConfig,
  o: TrainOptions,
): Promise<{ model: VisionLanguageModel; losses: number[] }> {
  const ctx = o.context;
  const model = new VisionLanguageModel(config, { context: ctx });
  if (o.device !== 'cpu') model.to(o.device);
  const moes = moeLayers(model);
  const opt = new AdamW(model.parameters(), { lr: o.lr, weightDecay: 0.01 });
  const schedule = new CosineWithWarmup(opt, {
    warmupSteps: Math.min(50, o.steps - 1),
    totalSteps: o.steps,
    minLr: o.lr / 10,
  });
  const rng = new Rng(o.seed);
  const view = o.view ?? ((s: Scene) => s);
  const losses: number[] = [];
  for (let step = 1; step <= o.steps; step++) {
    const examples = Array.from({ length: o.batch }, () => {
      const ex = randomExample(rng, false, {
        more: o.moreQuestions,
        phrasing: o.phrasing,
        typeWeights: o.typeWeights,
        maxObjects: step <= (o.oneObjectSteps ?? 0) ? 1 : 3,
      });
      return withGrounding(ex, view(ex.scene), o.grounding ?? 0, rng, o.phrasing);
    });
    const loss = tidy(() => {
      const batch = makeBatch(
        examples,
        config,
        o.layout,
        { context: ctx, device: o.device },
        o.lossOn === 'answers',
      );
      // Text cross-entropy (plus the image tokens' auxiliary loss) and every MoE layer's load-balancing loss.
      const terms = [model.trainingLoss(batch), ...moes.flatMap((m) => m.auxLoss() ?? [])];
      const total = terms.reduce((a, b) => a.add(b));
      backward(total);
      return total;
    }, ctx);
    opt.step();
    schedule.step();
    zeroGrad(model.parameters());
    const value = await loss.item();
    loss.dispose();
    losses.push(value);
    o.onStep?.(step, value);
  }
  return { model, losses };
}

/**
 * A training example shown as `shown` (the scene itself or, e.g., its square-resized view), with up
 * to `n` of its grounding questions (drawn at random, answered in `shown`'s cells) shuffled in among
 * its questions.
 */
export function withGrounding(ex: Example, shown: Scene, n: number, rng: Rng, phrasing?: Phrasing): Example {
  if (n === 0) return { ...ex, scene: shown };
  const grounding = rng.shuffle(groundingQuestions(ex.scene, phrasing, shown)).slice(0, n);
  const [question, ...more] = rng.shuffle([ex.question, ...(ex.more ?? []), ...grounding]);
  return { scene: shown, question, more };
}

export interface Evaluation {
  /** Accuracy per question type and overall. */
  accuracy: Record<QuestionType | 'overall', number>;
  /** Questions per type. */
  counts: Record<QuestionType, number>;
  /** The predicted answer of every example. */
  predictions: string[];
  /** Per MoE layer, each expert's share of the routed token-slots over the evaluation. */
  expertLoad: number[][];
}

/** Greedy one-word answers (argmax over the whole vocabulary at the position before the answer) in batches of 64. */
export async function evaluate(
  model: VisionLanguageModel,
  examples: readonly Example[],
  o: { layout: LayoutOptions; device: string; context: Context; view?: (scene: Scene) => Scene },
  vocab: readonly string[],
): Promise<Evaluation> {
  const ctx = o.context;
  const view = o.view ?? ((s: Scene) => s);
  const moes = moeLayers(model);
  const load = moes.map(() => new Array<number>(model.config.experts).fill(0));
  const predictions: string[] = [];
  model.eval();
  for (let start = 0; start < examples.length; start += 64) {
    const chunk = examples.slice(start, start + 64).map((ex) => ({ ...ex, scene: view(ex.scene) }));
    const picked = tidy(
      () =>
        noGrad(() => {
          const batch = makeBatch(chunk, model.config, o.layout, { context: ctx, device: o.device });
          const logits = model.forward(batch);
          const [b, s, v] = logits.shape;
          const rows = logits.reshape([b * s, v]);
          const at = tensor(batch.answerAt, [chunk.length], { dtype: 'i32', context: ctx, device: o.device });
          return rows.indexSelect(0, at).argmax(-1);
        }, ctx),
      ctx,
    );
    const ids = Array.from(await picked.data());
    picked.dispose();
    for (const id of ids) predictions.push(vocab[id]);
    for (const [i, m] of moes.entries()) {
      const metrics = await m.metrics();
      metrics.tokensPerExpert.forEach((n, e) => {
        load[i][e] += n;
      });
    }
  }
  model.train();
  const correct = Object.fromEntries(QUESTION_TYPES.map((t) => [t, 0])) as Record<QuestionType, number>;
  const counts = Object.fromEntries(QUESTION_TYPES.map((t) => [t, 0])) as Record<QuestionType, number>;
  examples.forEach((ex, i) => {
    const type = ex.question.type;
    if (type === 'where')
      throw new Error('vlm: grounding questions are a training signal and are not scored');
    counts[type]++;
    if (predictions[i] === ex.question.answer) correct[type]++;
  });
  const accuracy = Object.fromEntries(
    QUESTION_TYPES.map((t) => [t, counts[t] ? correct[t] / counts[t] : 0]),
  ) as Evaluation['accuracy'];
  accuracy.overall = Object.values(correct).reduce((a, b) => a + b, 0) / examples.length;
  const expertLoad = load.map((l) => {
    const total = l.reduce((a, b) => a + b, 0);
    return l.map((n) => n / total);
  });
  return { accuracy, counts, predictions, expertLoad };
}
