import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KVCache } from '@tessera/attention';
import { createContext, manualSeed, memory, tensor, tidy } from '@tessera/core';
import { type TestDevice, testDevice } from '@tessera/webgpu/testing';
import { describe, expect, it } from 'vitest';
import { AdditionTask, seededRandom, VOCAB } from './addition-task.js';
import { parseCli } from './cli.js';
import { run } from './run.js';
import { generate, pickToken } from './sample.js';
import { TinyGpt } from './tiny-gpt.js';
import { train } from './train.js';

// Without a WebGPU adapter the GPU tests skip, except under CI=true, where they fail (the webgpu
// package's rule; CI installs lavapipe).
const gpu = await testDevice('@tessera/app-tiny-gpt WebGPU tests');
const gpuIt = it.skipIf('skip' in gpu);

describe('the addition task', () => {
  it('writes zero-padded operands and the reversed sum', () => {
    const task = new AdditionTask(3, []);
    const p = { a: 47, b: 385 };
    expect(task.text(task.encode(p))).toBe('047+385=2340');
    expect(task.decodeAnswer(task.answer(p))).toBe(432);
    expect(task.sequenceLength).toBe(12);
  });

  it('never trains on a held-out problem', () => {
    const random = seededRandom(1);
    const task = AdditionTask.create(1, 40, random);
    expect(task.testProblems.length).toBe(40);
    for (let i = 0; i < 2000; i++) expect(task.isHeldOut(task.sample(random))).toBe(false);
  });
});

describe('TinyGpt', () => {
  const make = () => {
    const context = createContext();
    manualSeed(2, context);
    const model = new TinyGpt(
      {
        vocab: VOCAB.length,
        dim: 16,
        layers: 2,
        heads: 4,
        kvHeads: 2,
        qkNorm: true,
        tied: false,
        maxLength: 16,
      },
      { context },
    );
    return { context, model };
  };

  it('KV-cache decoding gives the logits of recomputing the full sequence', () => {
    const { context, model } = make();
    const seq = [1, 2, 3, 10, 4, 5, 6, 11, 7, 9];
    const full = tidy(
      () => Array.from(model.forward(tensor(seq, [1, seq.length], { dtype: 'i32', context })).dataSync()),
      context,
    );
    const cache = new KVCache(2);
    const steps: number[] = [];
    for (const [a, b] of [
      [0, 8],
      [8, 9],
      [9, 10],
    ]) {
      const logits = tidy(
        () =>
          Array.from(
            model.forward(tensor(seq.slice(a, b), [1, b - a], { dtype: 'i32', context }), cache).dataSync(),
          ),
        context,
      );
      steps.push(...logits);
    }
    expect(steps.length).toBe(full.length);
    steps.forEach((x, i) => {
      expect(x).toBeCloseTo(full[i], 4);
    });
    cache.dispose();
  });

  it('training lowers the loss', async () => {
    const { model } = make();
    const task = AdditionTask.create(1, 10, seededRandom(3));
    const losses: number[] = [];
    await train(model, task, {
      steps: 30,
      batch: 16,
      lr: 1e-2,
      random: seededRandom(4),
      onStep: (_, l) => losses.push(l),
    });
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.3);
  });
});

describe('the command line', () => {
  it('takes --device webgpu, skips the `--` pnpm passes through and rejects unknown flags', () => {
    expect(parseCli(['--', '--device', 'webgpu', '--steps', '50'])).toMatchObject({
      device: 'webgpu',
      steps: 50,
    });
    expect(parseCli([]).device).toBe('cpu');
    expect(() => parseCli(['--device', 'cuda'])).toThrow('--device must be cpu or webgpu, got cuda');
    expect(() => parseCli(['--stpes', '5'])).toThrow('unknown argument --stpes');
  });
});

describe('sampling', () => {
  it('temperature 0 is argmax; top-k keeps only the k best', () => {
    expect(pickToken([0.1, 3, -1, 2], {})).toBe(1);
    const random = seededRandom(9);
    for (let i = 0; i < 200; i++)
      expect([1, 3]).toContain(pickToken([0.1, 3, -1, 2], { temperature: 5, topK: 2, random }));
  });
});

describe('tiny-gpt on WebGPU', () => {
  // A model small enough for lavapipe: 1-digit additions, dim 16, 6 steps of 8.
  const tiny = [
    '--digits',
    '1',
    '--steps',
    '6',
    '--batch',
    '8',
    '--dim',
    '16',
    '--test',
    '20',
    '--samples',
    '2',
  ];

  gpuIt(
    'trains like the CPU (same losses within f32 error), evaluates and samples, without leaks',
    async () => {
      const { ctx, backend } = gpu as TestDevice;
      const tensorsBefore = memory(ctx).tensors;
      const buffersBefore = backend.memory().liveBuffers;
      const lines: string[] = [];
      const r = await run(parseCli(['--device', 'webgpu', ...tiny]), (l) => lines.push(l), undefined, ctx);
      expect(lines[0]).toMatch(/^WebGPU: /);
      expect(lines[1]).toMatch(/ on webgpu$/);
      expect(memory(ctx).tensors).toBe(tensorsBefore);
      expect(backend.memory().liveBuffers).toBe(buffersBefore);

      // Same seed, same start (the model is initialized on the CPU, then moved).
      const cpu = await run(parseCli(tiny), () => {});
      expect(r.losses).toHaveLength(6);
      r.losses.forEach((l, i) => {
        expect(Math.abs(l - cpu.losses[i])).toBeLessThan(1e-3 * cpu.losses[i]);
      });
      // Greedy answers may differ only where two logits tie within f32 error.
      expect(Math.abs(r.accuracy - cpu.accuracy)).toBeLessThanOrEqual(0.05);
      expect(r.samples).toHaveLength(2);
      for (const sample of r.samples) expect(sample).toMatch(/^\d\+\d=\d\d {2}→ \d+ /);
    },
  );

  gpuIt('KV-cache generation gives the greedy tokens of the CPU', async () => {
    const { ctx } = gpu as TestDevice;
    manualSeed(5, ctx);
    const model = new TinyGpt(
      {
        vocab: VOCAB.length,
        dim: 16,
        layers: 2,
        heads: 4,
        kvHeads: 2,
        qkNorm: true,
        tied: true,
        maxLength: 16,
      },
      { context: ctx },
    );
    const prompts = [
      [1, 2, 10, 3, 4, 11],
      [9, 9, 10, 0, 7, 11],
    ];
    const onCpu = await generate(model, prompts, 5);
    model.to('webgpu');
    expect(await generate(model, prompts, 5)).toEqual(onCpu);
    model.dispose();
  });

  gpuIt('the command line runs with --device webgpu', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--conditions=@tessera/source', main, '--device', 'webgpu', ...tiny],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/^WebGPU: /m);
    expect(out).toMatch(/exact-match accuracy on 20 held-out problems: \d+\.\d%/);
  });
});
