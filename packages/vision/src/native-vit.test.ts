import { checkGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { interpolatePositions } from './interpolate-positions.js';
import { NativeViT, packImages } from './native-vit.js';
import { patchify } from './patchify.js';
import { pixelShuffle, pixelShufflePacked } from './pixel-shuffle.js';
import { PixelShuffleProjector } from './projector.js';
import { vitCases } from './testing/vit-cases.js';

const context = createContext();

describe('native-resolution ViT and pixel-shuffle projector (CPU)', () => {
  vitCases(() => context, 'cpu', it);
});

describe('gradients by finite differences (f64)', () => {
  const o = { context, dtype: 'f64' as const };

  it('patchify with bottom/right padding', async () => {
    const x = randn([2, 5, 7], o);
    expect((await checkGrad((t) => patchify(t, 3).square().sum(), [x])).ok).toBe(true);
  });

  it('interpolatePositions to a larger and a smaller grid', async () => {
    const table = randn([6, 3], o);
    const f = (t: Tensor) =>
      interpolatePositions(t, { rows: 2, cols: 3 }, 5, 4)
        .square()
        .sum()
        .add(interpolatePositions(t, { rows: 2, cols: 3 }, 1, 2).square().sum());
    expect((await checkGrad(f, [table])).ok).toBe(true);
  });

  it('pixelShuffle over an odd grid', async () => {
    const x = randn([15, 2], o);
    expect((await checkGrad((t) => pixelShuffle(t, { rows: 3, cols: 5 }).square().sum(), [x])).ok).toBe(true);
  });

  it('pixelShufflePacked over two grids', async () => {
    const x = randn([15 + 4, 2], o);
    const grids = [
      { rows: 3, cols: 5 },
      { rows: 2, cols: 2 },
    ];
    expect((await checkGrad((t) => pixelShufflePacked(t, grids).square().sum(), [x])).ok).toBe(true);
  });

  it('the encoder and projector end to end, with respect to the pixels', async () => {
    manualSeed(2, context);
    const vit = new NativeViT(
      {
        channels: 1,
        patch: 2,
        dim: 8,
        layers: 1,
        heads: 1,
        baseGrid: { rows: 2, cols: 2 },
        strategy: 'flash',
      },
      o,
    );
    const projector = new PixelShuffleProjector(8, 4, o);
    const a = randn([1, 4, 6], o);
    const b = randn([1, 3, 3], o);
    const f = (x: Tensor, y: Tensor) => {
      const e = vit.forward([x, y]);
      return projector.forward(e.features, e.grids).square().sum();
    };
    expect((await checkGrad(f, [a, b])).ok).toBe(true);
  });
});

describe('errors', () => {
  it('name the function and the shapes', () => {
    expect(() => patchify(randn([4, 4], { context }), 2)).toThrow(
      'image must be [channels, height, width], got [4, 4]',
    );
    expect(() => packImages([randn([3, 4, 4], { context }), randn([1, 4, 4], { context })], 2)).toThrow(
      'image 1 must be [3, height, width] like image 0, got [1, 4, 4]',
    );
    expect(() => pixelShuffle(randn([5, 2], { context }), { rows: 2, cols: 3 })).toThrow(
      'x must be [2·3 patches = 6, dim], got [5, 2]',
    );
  });
});
