/**
 * One training step of a 784-256-10 ReLU MLP (batch 128, softmax cross-entropy, Adam) in
 * steps/s: Tessera (@tessera/autograd and @tessera/optim's Adam) against tfjs
 * (tf.train.adam, same model) on its `cpu` and `wasm` backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backward, requiresGrad } from '@tessera/autograd';
import { type Context, createContext, logSoftmax, matmul, type Tensor, tensor, tidy } from '@tessera/core';
import { Adam } from '@tessera/optim';
import { type Contender, randomData, timeInterleaved, useTfBackend } from './timing.js';

const BATCH = 128;
const SIZES = [784, 256, 10];
const LR = 1e-3;
const [B1, B2, EPS] = [0.9, 0.999, 1e-7];
/** Steps per timed run; steps/s is the median over the rounds. */
const STEPS = 10;
const ROUNDS = 7;

function initialWeights(): Float32Array[] {
  const w1 = randomData(SIZES[0] * SIZES[1], 11).map((x) => x * 0.1);
  const w2 = randomData(SIZES[1] * SIZES[2], 12).map((x) => x * 0.3);
  return [w1, new Float32Array(SIZES[1]), w2, new Float32Array(SIZES[2])];
}

function batch(): { x: Float32Array; y: Float32Array } {
  const x = randomData(BATCH * SIZES[0], 13);
  const y = new Float32Array(BATCH * SIZES[2]);
  for (let i = 0; i < BATCH; i++) y[i * SIZES[2] + (i % SIZES[2])] = 1;
  return { x, y };
}

/**
 * One training step of the 784-256-10 ReLU MLP: softmax cross-entropy of one-hot `y`, backward,
 * an optimizer step (shared with bench:profile).
 */
export function mlpStep(
  params: readonly Tensor[],
  x: Tensor,
  y: Tensor,
  opt: { step(): void; zeroGrad(): void },
): void {
  tidy(() => {
    const [w1, b1, w2, b2] = params;
    const logits = matmul(matmul(x, w1).add(b1).relu(), w2).add(b2);
    const loss = logSoftmax(logits, -1).mul(y).sum(-1).mean().neg();
    backward(loss);
    loss.itemSync();
  }, x.ctx);
  opt.step();
  opt.zeroGrad();
}

const SHAPES = [[SIZES[0], SIZES[1]], [SIZES[1]], [SIZES[1], SIZES[2]], [SIZES[2]]];

/** Tessera: forward and backward under autograd, then @tessera/optim's Adam. */
function tesseraMlp(name: string, ctx: Context) {
  const { x: xd, y: yd } = batch();
  const x = tensor(xd, [BATCH, SIZES[0]], { context: ctx });
  const y = tensor(yd, [BATCH, SIZES[2]], { context: ctx });
  const params = initialWeights().map((w, i) => requiresGrad(tensor(w, SHAPES[i], { context: ctx })));
  const opt = new Adam(params, { lr: LR, betas: [B1, B2], eps: EPS });
  const step = () => mlpStep(params, x, y, opt);
  const c: Contender = {
    name,
    run: () => {
      for (let s = 0; s < STEPS; s++) step();
    },
  };
  return {
    c,
    dispose: () => {
      opt.dispose();
      for (const q of [x, y, ...params]) q.dispose();
    },
  };
}

function tfjsMlp(backend: 'cpu' | 'wasm') {
  const { x: xd, y: yd } = batch();
  let state: { x: tf.Tensor; y: tf.Tensor; vars: tf.Variable[]; opt: tf.Optimizer } | undefined;
  const c: Contender = {
    name: `tfjs ${backend}`,
    prepare: async () => {
      await useTfBackend(backend);
      state ??= {
        x: tf.tensor2d(xd, [BATCH, SIZES[0]]),
        y: tf.tensor2d(yd, [BATCH, SIZES[2]]),
        vars: initialWeights().map((w, i) => tf.variable(tf.tensor(w, SHAPES[i]))),
        opt: tf.train.adam(LR, B1, B2, EPS),
      };
    },
    run: () => {
      const { x, y, vars, opt } = state!;
      const [w1, b1, w2, b2] = vars;
      for (let s = 0; s < STEPS; s++) {
        const loss = opt.minimize(
          () =>
            tf.losses.softmaxCrossEntropy(
              y,
              tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2),
            ),
          true,
          vars,
        );
        loss!.dataSync();
        loss!.dispose();
      }
    },
  };
  return {
    c,
    dispose: () => {
      if (!state) return;
      for (const q of [state.x, state.y, ...state.vars]) q.dispose();
      state.opt.dispose();
    },
  };
}

export interface MlpResult {
  impl: string;
  stepsPerSec: number;
  msPerStep: number;
  /** Process CPU ms per step (all threads). */
  cpuMsPerStep: number;
  runs: number;
}

export async function benchMlp(threads: number): Promise<MlpResult[]> {
  const multi = createContext({ cpu: { threads } });
  const single = createContext({ cpu: { threads: 1 } });
  const parts = [
    tesseraMlp(`tessera (${threads} threads)`, multi),
    tesseraMlp('tessera (1 thread)', single),
    tfjsMlp('wasm'),
    tfjsMlp('cpu'),
  ];
  const timed = await timeInterleaved(
    parts.map((p) => p.c),
    ROUNDS,
    30_000,
  );
  for (const p of parts) p.dispose();
  multi.backend('cpu').dispose?.();
  single.backend('cpu').dispose?.();
  return [...timed].map(([impl, r]) => ({
    impl,
    msPerStep: r.ms / STEPS,
    cpuMsPerStep: r.cpuMs / STEPS,
    stepsPerSec: (1000 * STEPS) / r.ms,
    runs: r.runs,
  }));
}
