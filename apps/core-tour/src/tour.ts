import {
  arange,
  type Context,
  concat,
  eye,
  manualSeed,
  matmul,
  memory,
  randn,
  softmax,
  tensor,
  tidy,
} from '@tessera/core';

export interface TourStep {
  title: string;
  lines: string[];
}

const fmt = (xs: ArrayLike<number>, digits = 3): string =>
  `[${Array.from(xs, (x) => (Number.isInteger(x) ? String(x) : x.toFixed(digits))).join(', ')}]`;

/**
 * A walk through core: creation, broadcasting, views, reductions, matmul and a tiny
 * classifier's forward pass, with memory accounted for at the end. Each step returns what it
 * printed, so the test can check the numbers against hand-computed values.
 */
export function runTour(ctx: Context): TourStep[] {
  const o = { context: ctx };
  const steps: TourStep[] = [];
  const start = memory(ctx).tensors;

  tidy(() => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      o,
    );
    const b = tensor([10, 20, 30], o);
    steps.push({
      title: 'broadcasting: [2, 3] + [3], then × 2',
      lines: [`${fmt(a.add(b).mul(2).dataSync())}`],
    });
    const t = a.transpose();
    steps.push({
      title: 'views share storage: transpose and a strided slice',
      lines: [
        `transpose shape ${JSON.stringify(t.shape)} strides ${JSON.stringify(t.strides)} → ${fmt(t.dataSync())}`,
        `a[:, ::2] → ${fmt(a.slice(1, 0, undefined, 2).dataSync())}`,
      ],
    });
    steps.push({
      title: 'reductions over axes',
      lines: [
        `sum(axis 0) ${fmt(a.sum(0).dataSync())}, mean(axis 1) ${fmt(a.mean(1).dataSync())}`,
        `max ${a.max().itemSync()}, argmax(axis 1) ${fmt(a.argmax(1).dataSync())}`,
      ],
    });
    const n = 64;
    const x = arange(n * n, undefined, 1, o)
      .reshape([n, n])
      .div(n * n);
    const y = matmul(x, x.transpose());
    steps.push({
      title: `matmul of a ${n}×${n} ramp by its transpose`,
      lines: [
        `trace(x·xᵀ) = ${y
          .mul(eye(n, n, o))
          .sum()
          .itemSync()
          .toFixed(4)}`,
        `‖x‖²_F      = ${x.square().sum().itemSync().toFixed(4)} (the same number, as it must be)`,
      ],
    });
    return undefined;
  }, ctx);

  tidy(() => {
    manualSeed(0, ctx);
    const features = randn([5, 4], o);
    const weights = randn([4, 3], o);
    const logits = matmul(features, weights).add(tensor([0.5, 0, -0.5], o));
    const probs = softmax(logits, -1);
    steps.push({
      title: 'a linear classifier: softmax(x·W + b) on 5 seeded samples',
      lines: [
        `probabilities of sample 0 ${fmt(probs.slice(0, 0, 1).dataSync())}`,
        `largest |row sum − 1|: ${probs.sum(-1).sub(1).abs().max().itemSync().toExponential(1)}`,
        `predicted classes ${fmt(probs.argmax(-1).dataSync())}`,
        `stacked with logits: shape ${JSON.stringify(concat([logits, probs], 1).shape)}`,
      ],
    });
    return undefined;
  }, ctx);

  steps.push({
    title: 'memory',
    lines: [`live tensors after the tour: ${memory(ctx).tensors - start} (tidy freed every intermediate)`],
  });
  return steps;
}
