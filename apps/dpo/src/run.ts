import { ProgressBar } from '@tessera/app-kit';
import { noGrad } from '@tessera/autograd';
import { createContext, keep, manualSeed, type Tensor } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { type Alignment, align, type Method } from './align.js';
import { type Accuracy, describeAnswer, evaluate } from './evaluate.js';
import { type ModelSize, makeDecoder } from './model.js';
import { isTrap, NoisyAdditions } from './noisy-additions.js';
import { type OwnMistakes, ownMistakePairs } from './own-mistakes.js';
import { supervisedFineTune } from './sft.js';

export interface RunOptions {
  seed: number;
  /** Held-out problems. */
  test: number;
  /** Fraction of the fine-tuning answers that are wrong. */
  wrong: number;
  size: ModelSize;
  sftSteps: number;
  sftBatch: number;
  sftLr: number;
  /** Training prompts the fine-tuned model answers to find its mistakes. */
  prompts: number;
  /** Sampling temperature for those answers. */
  temperature: number;
  methods: Method[];
  steps: number;
  batch: number;
  /** Overrides every method's learning rate. */
  lr?: number;
  /** Held-out problems whose decoded answers are shown. */
  samples: number;
  /** CPU threads of the context. */
  threads: number;
  quiet: boolean;
}

export interface RunResult {
  /** Share of the answers shown during fine-tuning that were wrong. */
  shownWrong: number;
  sft: { accuracy: Accuracy; loss: number; seconds: number };
  mistakes: Omit<OwnMistakes, 'pairs'> & { pairs: number };
  alignments: Alignment[];
  /** Decoded held-out answers: the fine-tuned model's and each method's, per sample problem. */
  samples: { problem: string; sft: string; methods: Record<string, string> }[];
}

/**
 * The whole experiment: fine-tune on noisy additions, measure the model's held-out accuracy, collect
 * its own mistakes on training prompts as preference pairs, then align a copy of it with each method.
 */
export async function run(o: RunOptions, log: (line: string) => void): Promise<RunResult> {
  const context = createContext({ cpu: { threads: o.threads } });
  manualSeed(o.seed, context);
  const rng = new Rng(o.seed);
  const task = new NoisyAdditions(o.test, o.wrong, rng.fork());
  const build = () => makeDecoder(o.size, context);
  const sft = build();
  log(
    `fine-tuning a ${o.size.layers}-layer decoder (${sft.numParameters()} parameters) on additions; ` +
      `${(o.wrong * 100).toFixed(0)}% of its training answers are wrong (the carry out of the units dropped on ` +
      `${(task.trapErrorRate * 100).toFixed(0)}% of the trap problems, whose units digits add to 13 or more)`,
  );
  const began = performance.now();
  const bar = new ProgressBar(o.sftSteps, 'sft', { quiet: o.quiet });
  let loss = Number.NaN;
  const shownWrong = await supervisedFineTune(sft, task, {
    steps: o.sftSteps,
    batch: o.sftBatch,
    lr: o.sftLr,
    rng: rng.fork(),
    onStep: (step, l) => {
      loss = l;
      bar.update(step, `loss ${l.toFixed(3)}`);
    },
  });
  const sftSeconds = (performance.now() - began) / 1000;
  const start = evaluate(sft, task.test);
  const { accuracy, answers: sftAnswers } = await start;
  log(
    `fine-tuned model: held-out exact match ${percent(accuracy.all)} (trap ${percent(accuracy.trap)}, other ${percent(accuracy.other)})`,
  );

  const mistakes = await ownMistakePairs(sft, task, {
    prompts: o.prompts,
    temperature: o.temperature,
    rng: rng.fork(),
  });
  log(
    `its own mistakes: ${mistakes.wrong} wrong of ${mistakes.sampled} sampled training answers (T = ${o.temperature}), ` +
      `${mistakes.droppedCarry} of them the dropped carry → ${mistakes.pairs.length} pairs`,
  );
  if (mistakes.pairs.length === 0)
    throw new Error('dpo: the fine-tuned model made no mistakes to learn from');

  const state = new Map<string, Tensor>(
    noGrad(() => [...sft.stateDict()].map(([name, t]) => [name, keep(t.clone())] as const), context),
  );
  sft.dispose();
  const alignments: Alignment[] = [];
  try {
    for (const method of o.methods) {
      const methodBar = new ProgressBar(o.steps, method, { quiet: o.quiet });
      const result = await align(method, build, state, mistakes.pairs, task.test, {
        steps: o.steps,
        batch: o.batch,
        lr: o.lr,
        seed: o.seed,
        onStep: (m) =>
          methodBar.update(m.step, `loss ${m.loss.toFixed(3)} margin ${m['rewards/margins'].toFixed(2)}`),
      });
      if (result.referenceDrift !== 0) {
        throw new Error(
          `dpo: the ${method} reference model's logits moved by up to ${result.referenceDrift} during training`,
        );
      }
      log(
        `${method}: held-out exact match ${percent(result.accuracy.all)} (trap ${percent(result.accuracy.trap)}, ` +
          `other ${percent(result.accuracy.other)}); reference unchanged`,
      );
      alignments.push(result);
    }
  } finally {
    for (const t of state.values()) t.dispose();
  }

  // Show trap problems first: they are where the methods differ.
  const order = task.test
    .map((_, i) => i)
    .sort((i, j) => Number(isTrap(task.test[j])) - Number(isTrap(task.test[i])));
  const shown = [
    ...order.slice(0, Math.ceil(o.samples / 2)),
    ...order.slice(order.length - Math.floor(o.samples / 2)),
  ];
  const samples = shown.map((i) => ({
    problem: `${task.test[i].a} + ${task.test[i].b}`,
    sft: describeAnswer(task.test[i], sftAnswers[i]),
    methods: Object.fromEntries(
      alignments.map((a) => [a.method, describeAnswer(task.test[i], a.answers[i])]),
    ),
  }));
  return {
    shownWrong,
    sft: { accuracy, loss, seconds: sftSeconds },
    mistakes: { ...mistakes, pairs: mistakes.pairs.length },
    alignments,
    samples,
  };
}

export function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}
