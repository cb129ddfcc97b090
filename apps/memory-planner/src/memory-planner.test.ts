import { parseCommand } from '@tessera/app-kit';
import { type Context, createContext } from '@tessera/core';
import { readPngSize } from '@tessera/plot';
import { testDevice } from '@tessera/webgpu/testing';
import { describe, expect, it } from 'vitest';
import { COMMAND, configFrom } from './main.js';
import { measure } from './measure.js';
import { formatBytes, planBarsPng, planReport } from './report.js';

describe('memory planner app', () => {
  it('prints Llama 2 7B on 8 ranks with the ZeRO paper’s per-rank model state', () => {
    const o = parseCommand(COMMAND, ['--model', 'llama2-7b', '--ranks', '8', '--flash']);
    const { text, plan } = planReport(configFrom(o), {
      optimizer: o.optimizer,
      precision: o.precision,
      ranks: o.ranks,
      seq: o.seq,
      microBatch: o['micro-batch'],
      flash: o.flash,
    });
    const psi = 6_738_415_616;
    expect(text).toContain('parameters 6,738,415,616');
    // Stage 3 holds 16Ψ/N bytes of model state; stage 1 holds 4Ψ + 12Ψ/N.
    const stage3 = plan.rows[3];
    expect(stage3.weights + stage3.gradients + stage3.optimizer).toBe(16 * (psi / 8) + 0);
    const stage1 = plan.rows[1];
    expect(stage1.weights + stage1.gradients + stage1.optimizer).toBe(4 * psi + 12 * (psi / 8));
    expect(text).toContain(formatBytes(stage3.total));
    expect(readPngSize(planBarsPng('t', plan))).toEqual({ width: 720, height: 420 });
  });
  it('overrides a preset from flags and rejects bad values with the usage text', () => {
    const o = parseCommand(COMMAND, ['--model', 'gpt2-small', '--layers', '24']);
    expect(configFrom(o).layers).toBe(24);
    expect(() => parseCommand(COMMAND, ['--precision', 'fp8'])).toThrow(
      /--precision must be one of f32, mixed-f16, mixed-bf16/,
    );
  });
});

describe('predicted against measured bytes', () => {
  it('model state of the MLP, CNN and tiny-gpt equals the bytes held after two steps, and activations at the peak are within 25 %, CPU and WebGPU', async () => {
    const gpu = await testDevice('@tessera/app-memory-planner WebGPU measurement');
    const devices: ['cpu' | 'webgpu', Context][] = [['cpu', createContext()]];
    if (!('skip' in gpu)) devices.push(['webgpu', gpu.ctx]);
    for (const [device, context] of devices) {
      for (const model of ['mlp', 'cnn', 'tiny-gpt'] as const) {
        const m = await measure(model, context, device);
        expect(m.statePredicted, `${model} on ${device}`).toBe(m.stateMeasured);
        expect(m.activationsMeasured).toBeGreaterThan(0);
        const error = Math.abs(m.activationsPredicted - m.activationsMeasured) / m.activationsMeasured;
        expect(
          error,
          `${model} on ${device}: activations ${m.activationsPredicted} predicted, ${m.activationsMeasured} measured`,
        ).toBeLessThan(0.25);
      }
    }
  });
});
