import { createContext, randn } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { VisionTower } from './index.js';

describe('VisionTower', () => {
  it('turns pictures of different sizes into ⌈⌈H/p⌉/2⌉·⌈⌈W/p⌉/2⌉ tokens each at the language model width', () => {
    const context = createContext();
    const tower = new VisionTower(
      { channels: 3, patch: 4, dim: 16, layers: 1, heads: 2, baseGrid: { rows: 4, cols: 4 }, outDim: 24 },
      { context },
    );
    // 12×20 → 3×5 patches → 2×3 merged; 9×9 → 3×3 patches (padded) → 2×2 merged.
    const out = tower.forward([randn([3, 12, 20], { context }), randn([3, 9, 9], { context })]);
    expect(out.counts).toEqual([6, 4]);
    expect(out.grids).toEqual([
      { rows: 3, cols: 5 },
      { rows: 3, cols: 3 },
    ]);
    expect(out.tokens.shape).toEqual([10, 24]);
    const names = [...tower.stateDict().keys()];
    expect(names.some((n) => n.startsWith('vit.'))).toBe(true);
    expect(names.some((n) => n.startsWith('projector.'))).toBe(true);
  });
});
