import { createContext, manualSeed } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { Decoder } from '@tessera/transformer';
import { describe, expect, it } from 'vitest';
import { AdditionTask, VOCAB } from './addition-task.js';
import { evaluate, train } from './train.js';

/**
 * The demo's default steps. At 300 the test hung on when the loss leaves its plateau (~step 200),
 * which shifts with rounding: kernels as close as 1e-6 (issue #24's fused Adam, SIMD silu) gave f32
 * 8% or 85–91% held-out. By 500 both precisions are past it on any of those kernels.
 */
const STEPS = 500;

/** One short run of the demo's model (2-digit addition, 100 held-out problems); the same seeds for every precision. */
async function run(precision: 'f32' | 'bf16') {
  const context = createContext();
  manualSeed(5, context);
  const model = new Decoder(
    { vocab: VOCAB.length, dim: 48, layers: 2, heads: 4, kvHeads: 2, qkNorm: true, maxLength: 16 },
    { context },
  );
  const task = AdditionTask.create(2, 100, new Rng(6));
  const losses: number[] = [];
  await train(model, task, {
    steps: STEPS,
    batch: 64,
    lr: 1e-2,
    rng: new Rng(7),
    autocast: precision === 'f32' ? undefined : precision,
    onStep: (_, l) => losses.push(l),
  });
  return { losses, accuracy: await evaluate(model, task, 100) };
}

const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;

describe('tiny-gpt under autocast', () => {
  it('bf16 autocast training reaches the held-out accuracy of f32 training, its loss curve alongside', async () => {
    const f32 = await run('f32');
    const bf16 = await run('bf16');
    const curve = (r: { losses: number[] }) =>
      [0, 50, 100, 150, 200, 250, 300, 350, 400, 450]
        .map((k) => mean(r.losses.slice(k, k + 50)).toFixed(3))
        .join(' ');
    console.log(
      `2-digit addition, ${STEPS} steps: held-out exact match f32 ${f32.accuracy}, bf16 ${bf16.accuracy}; ` +
        `50-step mean losses f32 ${curve(f32)}, bf16 ${curve(bf16)}`,
    );
    expect(f32.accuracy).toBeGreaterThanOrEqual(0.85);
    // Stated tolerance: at least f32's held-out accuracy less 5 points…
    expect(bf16.accuracy).toBeGreaterThanOrEqual(f32.accuracy - 0.05);
    // …and the loss curve within 0.05 nats of f32's over the first 100 steps (before the fast drop,
    // whose timing shifts with rounding) and no higher than f32's + 0.1 at the end.
    for (let at = 50; at <= 100; at += 50) {
      expect(
        Math.abs(mean(bf16.losses.slice(at - 50, at)) - mean(f32.losses.slice(at - 50, at))),
      ).toBeLessThan(0.05);
    }
    expect(mean(bf16.losses.slice(-50))).toBeLessThan(mean(f32.losses.slice(-50)) + 0.1);
  }, 240_000);
});
