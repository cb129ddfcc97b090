import { backward, requiresGrad } from '@tessera/autograd';
import { manualSeed, randn, type Tensor } from '@tessera/core';
import { testDevice } from '@tessera/webgpu/testing';
import { describe, expect, it } from 'vitest';
import { layerNorm, rmsNorm } from '../functional/normalization.js';

const gpu = await testDevice('@tessera/nn WebGPU tests');
const gpuIt = it.skipIf('skip' in gpu);

/**
 * WebGPU has no kernel for the fused norms: there they run as their decompositions in core ops,
 * forward and backward. Both must agree with the CPU's fused kernels.
 */
describe('layer and RMS norm on WebGPU (decompositions) against the CPU kernels', () => {
  for (const kind of ['layer', 'rms'] as const) {
    for (const affine of [false, true]) {
      gpuIt(`${kind}Norm, ${affine ? 'γ and β' : 'no affine'}: output and gradients`, async () => {
        if ('skip' in gpu) return;
        const { ctx } = gpu;
        manualSeed(5, ctx);
        const values = [
          randn([6, 3, 16], { context: ctx }),
          randn([16], { context: ctx }),
          randn([16], { context: ctx }),
        ];
        const run = async (device: 'cpu' | 'webgpu') => {
          const [x, w, b] = values.map((t) => requiresGrad(t.to(device)));
          const weight = affine ? w : undefined;
          const bias = affine && kind === 'layer' ? b : undefined;
          const y = kind === 'layer' ? layerNorm(x, [16], weight, bias) : rmsNorm(x, [16], weight);
          const r = values[0].mul(0.5).sin().to(device);
          backward(y.mul(r).sum());
          const read = async (t: Tensor | undefined) => (t ? Array.from(await t.data()) : []);
          return [await read(y), await read(x.grad), await read(weight?.grad), await read(bias?.grad)];
        };
        const [cpu, webgpu] = [await run('cpu'), await run('webgpu')];
        cpu.forEach((want, k) => {
          expect(webgpu[k].length).toBe(want.length);
          want.forEach((v, i) => {
            expect(webgpu[k][i]).toBeCloseTo(v, 4);
          });
        });
      });
    }
  }
});
