/**
 * One training step of an MLP 784-256-10 (ReLU, softmax cross-entropy, batch 128, Adam) in
 * Tessera (@tessera/nn + @tessera/optim on the CPU backend) and in TensorFlow.js's `cpu` and
 * `wasm` backends (tf.train.adam), in one process with the same data. A step is forward,
 * backward, the Adam update and reading the loss back. Each gets a warm-up, then the median of
 * timed single steps; prints steps/s and writes results/mlp-step.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// The tfjs umbrella package: tfjs-core alone registers no gradients, so tf.train.adam needs it.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { backward } from '@tessera/autograd';
import { createContext, manualSeed, tensor, tidy } from '@tessera/core';
import { crossEntropy, MLP } from '@tessera/nn';
import { Adam } from '@tessera/optim';

const BATCH = 128;
const IN = 784;
const HIDDEN = 256;
const OUT = 10;
const WARMUP = 5;
const RUNS = 25;

interface Result {
  impl: string;
  stepsPerSecond: number;
  medianMs: number;
  runs: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'mlp-step.json');

function randomData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeSteps(impl: string, step: () => void | Promise<void>): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) await step();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await step();
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  return { impl, stepsPerSecond: 1000 / ms, medianMs: ms, runs: RUNS };
}

const images = randomData(BATCH * IN, 1);
const labels = Int32Array.from({ length: BATCH }, (_, i) => (i * 7) % OUT);

async function benchTessera(): Promise<Result> {
  const context = createContext();
  manualSeed(0, context);
  const model = new MLP([IN, HIDDEN, OUT], { context });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = tensor(images, [BATCH, IN], { context });
  const y = tensor(labels, { context });
  return timeSteps('tessera-cpu', () => {
    tidy(() => {
      const loss = crossEntropy(model.forward(x), y);
      backward(loss);
      loss.itemSync();
    }, context);
    opt.step();
    opt.zeroGrad();
  });
}

async function benchTfjs(backend: 'cpu' | 'wasm'): Promise<Result> {
  await tf.setBackend(backend);
  await tf.ready();
  const glorot = (shape: [number, number], seed: number) =>
    tf.variable(tf.randomUniform(shape, -1 / Math.sqrt(shape[0]), 1 / Math.sqrt(shape[0]), 'float32', seed));
  const w1 = glorot([IN, HIDDEN], 1);
  const b1 = tf.variable(tf.zeros([HIDDEN]));
  const w2 = glorot([HIDDEN, OUT], 2);
  const b2 = tf.variable(tf.zeros([OUT]));
  const x = tf.tensor2d(images, [BATCH, IN]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), OUT);
  const opt = tf.train.adam(1e-3);
  const result = await timeSteps(`tfjs-${backend}`, async () => {
    const loss = opt.minimize(
      () =>
        tf.losses.softmaxCrossEntropy(
          y,
          tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2),
        ) as tf.Scalar,
      true,
    );
    await loss!.data();
    loss!.dispose();
  });
  tf.dispose([w1, b1, w2, b2, x, y]);
  opt.dispose();
  return result;
}

async function main(): Promise<void> {
  const wasmDir = join(dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm'))), '/');
  setWasmPaths(wasmDir);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const results = [await benchTessera(), await benchTfjs('cpu'), await benchTfjs('wasm')];
  const wasm = results[2].stepsPerSecond;
  console.log(
    `\nMLP ${IN}-${HIDDEN}-${OUT} training step (batch ${BATCH}, Adam), median of ${RUNS} after ${WARMUP} warm-up`,
  );
  console.table(
    results.map((r) => ({
      impl: r.impl,
      'steps/s': r.stepsPerSecond.toFixed(1),
      'ms/step': r.medianMs.toFixed(1),
      'vs tfjs-wasm': `${(r.stepsPerSecond / wasm).toFixed(2)}×`,
    })),
  );
  mkdirSync(dirname(resultsPath), { recursive: true });
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
  };
  writeFileSync(
    resultsPath,
    `${JSON.stringify({ ...meta, batch: BATCH, model: `${IN}-${HIDDEN}-${OUT}`, results }, null, 2)}\n`,
  );
  console.log(`wrote ${resultsPath}`);
}

await main();
