import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createContext, manualSeed, memory } from '@tessera/core';
import { Rng } from '@tessera/core/rng';
import { Decoder, generateAsync } from '@tessera/transformer';
import { type TestDevice, testDevice } from '@tessera/webgpu/testing';
import { describe, expect, it } from 'vitest';
import { AdditionTask, VOCAB } from './addition-task.js';
import { parseCli } from './cli.js';
import { run } from './run.js';
import { evaluate, train } from './train.js';

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
    const rng = new Rng(1);
    const task = AdditionTask.create(1, 40, rng);
    expect(task.testProblems.length).toBe(40);
    for (let i = 0; i < 2000; i++) expect(task.isHeldOut(task.sample(rng))).toBe(false);
  });
});

describe('the tiny-gpt model (a @tessera/transformer Decoder)', () => {
  const make = () => {
    const context = createContext();
    manualSeed(2, context);
    const model = new Decoder(
      { vocab: VOCAB.length, dim: 16, layers: 2, heads: 4, kvHeads: 2, qkNorm: true, maxLength: 16 },
      { context },
    );
    return { context, model };
  };

  it('training lowers the loss, and evaluation scores the greedy answers of the held-out problems', async () => {
    const { model } = make();
    const task = AdditionTask.create(1, 10, new Rng(3));
    const losses: number[] = [];
    await train(model, task, {
      steps: 30,
      batch: 16,
      lr: 1e-2,
      rng: new Rng(4),
      onStep: (_, l) => losses.push(l),
    });
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.3);
    // Exact match counted by hand from the greedy answers.
    const answers = await generateAsync(
      model,
      task.testProblems.map((p) => task.prompt(p)),
      { maxNewTokens: task.answerLength },
    );
    const correct = task.testProblems.filter((p, i) => task.decodeAnswer(answers[i]) === p.a + p.b).length;
    expect(await evaluate(model, task, 3)).toBe(correct / task.testProblems.length);
  });
});

describe('the command line', () => {
  it('takes --device webgpu, skips the `--` pnpm passes through and rejects unknown flags', () => {
    expect(parseCli(['--', '--device', 'webgpu', '--steps', '50'])).toMatchObject({
      device: 'webgpu',
      steps: 50,
    });
    expect(parseCli([])).toMatchObject({ device: 'cpu', steps: 500, 'kv-heads': 2, 'rotary-only': false });
    expect(parseCli(['--no-qk-norm', '--top-k', '5'])).toMatchObject({ 'no-qk-norm': true, 'top-k': 5 });
    expect(parseCli(['-h']).help).toBe(true);
    expect(() => parseCli(['--device', 'cuda'])).toThrow("--device must be one of cpu, webgpu, got 'cuda'");
    expect(() => parseCli(['--stpes', '5'])).toThrow("Unknown option '--stpes'");
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
      // After 6 steps a sampled answer may contain any token ('+', '=' decode to NaN).
      for (const sample of r.samples) expect(sample).toMatch(/^\d\+\d=[0-9+=]{2} {2}→ (\d+|NaN) [✓✗]/);
    },
  );

  gpuIt('KV-cache generation gives the greedy tokens of the CPU', async () => {
    const { ctx } = gpu as TestDevice;
    manualSeed(5, ctx);
    const model = new Decoder(
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
    const onCpu = await generateAsync(model, prompts, { maxNewTokens: 5 });
    model.to('webgpu');
    expect(await generateAsync(model, prompts, { maxNewTokens: 5 })).toEqual(onCpu);
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
