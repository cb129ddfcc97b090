import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createContext, memory } from '@tessera/core';
import { readMetadata } from '@tessera/nn';
import { loadFile } from '@tessera/nn/node';
import { readPngSize } from '@tessera/plot';
import { type TestDevice, testDevice } from '@tessera/webgpu/testing';
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';
import { mlp } from './models.js';
import { resample } from './report.js';
import { run } from './run.js';

// Without a WebGPU adapter the GPU smoke test skips, except under CI=true, where it fails (the
// webgpu package's rule; CI installs lavapipe).
const gpu = await testDevice('@tessera/app-mnist WebGPU smoke test');
const gpuIt = it.skipIf('skip' in gpu);

describe('mnist app', () => {
  it('parses its options and rejects bad ones', () => {
    expect(parseCli(['--model', 'cnn', '--epochs', '2', '--seed', '3', '--out', 'x'], 'd')).toMatchObject({
      models: ['cnn'],
      epochs: 2,
      seed: 3,
      out: 'x',
      device: 'cpu',
    });
    expect(parseCli([], 'd').models).toEqual(['mlp', 'cnn']);
    expect(() => parseCli(['--model', 'rnn'], 'd')).toThrow(
      "--model must be one of mlp, cnn, both, got 'rnn'",
    );
    expect(() => parseCli(['--epochs', '0'], 'd')).toThrow('--epochs must be at least 1, got 0');
  });

  gpuIt(
    'smoke (webgpu): one epoch of the MLP on 256 digits trains on the GPU backend like on the CPU, without leaks',
    async () => {
      const { ctx, backend } = gpu as TestDevice;
      const out = mkdtempSync(join(tmpdir(), 'tessera-mnist-gpu-'));
      const argv = ['--model', 'mlp', '--epochs', '1', '--batch-size', '32', '--limit', '256', '--out', out];
      const tensorsBefore = memory(ctx).tensors;
      const buffersBefore = backend.memory().liveBuffers;
      const lines: string[] = [];
      const {
        results: [r],
        files,
      } = await run(parseCli(['--device', 'webgpu', ...argv], out), (l) => lines.push(l), undefined, ctx);
      expect(lines[0]).toMatch(/^WebGPU: /);
      expect(r.device).toBe('webgpu');
      expect(r.model.parameters().every((p) => p.device === 'webgpu')).toBe(true);
      const losses = r.stepLosses;
      expect(losses).toHaveLength(8); // 256 digits in batches of 32
      expect(losses.every(Number.isFinite)).toBe(true);
      // Decreasing-ish: single steps are noisy, so compare halves.
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(losses.slice(4))).toBeLessThan(mean(losses.slice(0, 4)));
      expect(r.testAccuracy).toBeGreaterThan(0.3); // chance is 0.1
      expect(files.map((f) => f.slice(out.length + 1))).toEqual([
        'mnist-mlp.safetensors',
        'mnist-report.png',
      ]);
      r.model.dispose();
      expect(memory(ctx).tensors).toBe(tensorsBefore);
      expect(backend.memory().liveBuffers).toBe(buffersBefore);

      // Same seed, same start (models are initialized on the CPU, then moved): the f32 kernels must
      // follow the CPU run closely, which shows the steps really ran on the GPU backend correctly.
      const cpu = await run(parseCli(argv, out), () => {});
      expect(losses).toEqual(cpu.results[0].stepLosses.map((l) => expect.closeTo(l, 3)));
      expect(Math.abs(r.testAccuracy - cpu.results[0].testAccuracy)).toBeLessThan(0.01);
      cpu.results[0].model.dispose();
    },
  );

  it('smoke: two epochs of the MLP on 500 digits learn, does not leak, and writes weights and a PNG', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-mnist-'));
    const lines: string[] = [];
    const { results, files } = await run(
      parseCli(
        ['--model', 'mlp', '--epochs', '2', '--batch-size', '32', '--limit', '500', '--out', out],
        out,
      ),
      (l) => lines.push(l),
    );
    const [r] = results;
    expect(r.testAccuracy).toBeGreaterThan(0.5); // chance is 0.1
    expect(r.stepLosses[r.stepLosses.length - 1]).toBeLessThan(r.stepLosses[0]);
    expect(r.tensorsAfterEpoch[1]).toBe(r.tensorsAfterEpoch[0]);
    expect(lines.some((l) => /mlp: test accuracy \d+\.\d\d%/.test(l))).toBe(true);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(['mnist-mlp.safetensors', 'mnist-report.png']);
    const weights = await loadFile(files[0], { context: createContext() });
    expect([...weights.keys()]).toEqual(['1.fc0.weight', '1.fc0.bias', '1.fc1.weight', '1.fc1.bias']);
    expect(readMetadata(new Uint8Array(readFileSync(files[0]))).model).toBe('mlp');
    // The saved weights load into a fresh model.
    const fresh = mlp(createContext());
    fresh.loadStateDict(weights);
    expect(readPngSize(new Uint8Array(readFileSync(files[1]))).width).toBeGreaterThan(600);
  });

  it('curve resampling', () => {
    expect(resample([1, 2, 3, 4], 2)).toEqual([1.5, 3.5]);
    expect(resample([1, 2], 4)).toEqual([1, 1, 2, 2]);
  });
});
