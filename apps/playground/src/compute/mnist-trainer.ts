import { backward, noGrad } from '@tessera/autograd';
import { type Context, manualSeed, type Tensor, tensor, tidy } from '@tessera/core';
import { DataLoader, type MnistSplit, mnistDataset, mnistFromClassArrays } from '@tessera/data';
import { crossEntropy, Flatten, MLP, Sequential } from '@tessera/nn';
import { AdamW } from '@tessera/optim';
import { decodeDigits } from '../mnist/digits-asset.js';
import type { MnistTrainRequest, MnistTrainResult, TrainProgress } from './protocol.js';
import { readScalars } from './scalars.js';

/** Held-out digits of the page's subset (the rest train). */
const TEST_SIZE = 500;

/** An MLP trained on the page's MNIST subset, then used to classify drawn digits. */
export class MnistTrainer {
  private model: Sequential | undefined;

  constructor(
    private readonly context: Context,
    private readonly device: 'cpu' | 'webgpu',
  ) {}

  async train(r: MnistTrainRequest, onProgress: (p: TrainProgress) => void): Promise<MnistTrainResult> {
    const { context, device } = this;
    this.model?.to('cpu');
    this.model = undefined;
    const { train, test } = mnistFromClassArrays(decodeDigits(new Uint8Array(r.digits)), {
      context,
      testSize: TEST_SIZE,
    });
    manualSeed(r.seed, context);
    const model = new Sequential(new Flatten(), new MLP([784, r.hidden, 10], { context }));
    if (device !== 'cpu') model.to(device);
    const optimizer = new AdamW(model.parameters(), { lr: r.lr, weightDecay: 0.01 });
    const loader = new DataLoader(mnistDataset(train), {
      batchSize: r.batchSize,
      shuffle: true,
      seed: r.seed,
      dropLast: true,
    });
    const total = r.epochs * loader.length;
    const unread: Tensor[] = [];
    const losses: number[] = [];
    model.train();
    const start = performance.now();
    let step = 0;
    for (let epoch = 0; epoch < r.epochs; epoch++) {
      for (const [images, labels] of loader) {
        const loss = tidy(() => {
          const l = crossEntropy(model.forward(images.to(device)), labels.to(device));
          backward(l);
          return l;
        }, context);
        optimizer.step();
        optimizer.zeroGrad();
        images.dispose();
        labels.dispose();
        unread.push(loss);
        step++;
        // Read (and report) every fifth step: one GPU round trip for five losses, and a bound on
        // how far the host runs ahead of the GPU.
        if (step % 5 === 0 || step === total) {
          losses.push(...(await readScalars(unread.splice(0))));
          const recent = losses.slice(-5);
          const seconds = (performance.now() - start) / 1000;
          onProgress({
            step,
            total,
            loss: recent.reduce((a, b) => a + b, 0) / recent.length,
            rate: (step * r.batchSize) / seconds,
          });
        }
      }
    }
    const seconds = (performance.now() - start) / 1000;
    optimizer.dispose();
    this.model = model;
    const testAccuracy = await this.accuracy(test);
    const trainSize = train.labels.shape[0];
    for (const t of [train.images, train.labels, test.images, test.labels]) t.dispose();
    return { testAccuracy, testSize: TEST_SIZE, trainSize, steps: total, seconds };
  }

  private async accuracy(split: MnistSplit): Promise<number> {
    const model = this.requireModel();
    model.eval();
    const predicted = noGrad(
      () => tidy(() => model.forward(split.images.to(this.device)).argmax(-1), this.context),
      this.context,
    );
    const got = await predicted.data();
    predicted.dispose();
    const labels = split.labels.dataSync();
    let right = 0;
    for (let i = 0; i < labels.length; i++) if (got[i] === labels[i]) right++;
    return right / labels.length;
  }

  /** Class probabilities of one 28×28 image (784 values in [0, 1]). */
  async classify(pixels: Float32Array): Promise<number[]> {
    const model = this.requireModel();
    if (pixels.length !== 784) throw new Error(`classify: expected 784 pixels, got ${pixels.length}`);
    model.eval();
    const probs = noGrad(
      () =>
        tidy(() => {
          const x = tensor(pixels, [1, 1, 28, 28], { context: this.context }).to(this.device);
          return model.forward(x).softmax(-1);
        }, this.context),
      this.context,
    );
    const values = Array.from(await probs.data());
    probs.dispose();
    return values;
  }

  private requireModel(): Sequential {
    if (!this.model) throw new Error('MNIST: train the model first');
    return this.model;
  }
}
