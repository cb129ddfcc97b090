import { type Context, manualSeed, randn, type Tensor, tensor } from '@tessera/core';
import { expect, type it } from 'vitest';
import { interpolatePositions, interpolatePositionsPacked } from '../interpolate-positions.js';
import { NativeViT, packImages, unpackImages } from '../native-vit.js';
import { patchGrid } from '../patchify.js';
import { pixelShuffle, pixelShufflePacked, pixelUnshuffle } from '../pixel-shuffle.js';
import { PixelShuffleProjector } from '../projector.js';

/**
 * The encoder and projector tests of issue #18, item 6, written once and run on the CPU
 * (`native-vit.test.ts`) and on WebGPU (`webgpu/native-vit-webgpu.test.ts`). `device` is where
 * the modules and inputs go; expected values come from formulas and naive loops on the host.
 */

export const PATCH = 4;
/** Image sizes [H, W]: multiples of the patch, sizes that need padding, odd and even grids. */
export const SIZES: [number, number][] = [
  [12, 20],
  [9, 9],
  [16, 8],
  [4, 4],
  [13, 30],
  [20, 12],
];

const read = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

/** Deterministic host pixels for an image of a given size (no device randomness). */
function pixels(h: number, w: number, salt: number): number[] {
  return Array.from({ length: 3 * h * w }, (_, i) => Math.sin(0.37 * i + salt) * 0.5 + 0.5);
}

function encoder(ctx: Context, device: string): NativeViT {
  manualSeed(3, ctx);
  const vit = new NativeViT(
    {
      channels: 3,
      patch: PATCH,
      dim: 16,
      layers: 2,
      heads: 2,
      baseGrid: { rows: 4, cols: 4 },
      strategy: 'flash',
    },
    { context: ctx },
  );
  return device === 'cpu' ? vit : vit.to(device);
}

export function vitCases(ctxOf: () => Context, device: string, run: typeof it): void {
  const image = (h: number, w: number, salt: number) =>
    tensor(pixels(h, w, salt), [3, h, w], { context: ctxOf() }).to(device);

  run('packing isolates images: changing one leaves the others bit-identical', async () => {
    const vit = encoder(ctxOf(), device);
    const sizes = SIZES; // 80 patches: more than one 64-row flash tile, sequences starting mid-tile
    const before = vit.forward(sizes.map(([h, w], i) => image(h, w, i)));
    const after = vit.forward(sizes.map(([h, w], i) => image(h, w, i === 1 ? 10 : i)));
    expect(before.features.device).toBe(device);
    const a = unpackImages(before.features, before.cuSeqlens);
    const b = unpackImages(after.features, after.cuSeqlens);
    for (const i of sizes.keys()) {
      if (i === 1) expect(await read(b[i])).not.toEqual(await read(a[i]));
      else expect(await read(b[i])).toEqual(await read(a[i]));
    }
    // Each image packed with others equals that image encoded alone (up to float reassociation).
    for (const [i, [h, w]] of sizes.entries()) {
      const alone = await read(vit.forward([image(h, w, i)]).features);
      const packed = await read(a[i]);
      expect(packed.length).toBe(alone.length);
      for (const [j, v] of packed.entries()) expect(v).toBeCloseTo(alone[j], 4);
    }
    vit.dispose();
  });

  run('2-D rotary: attention scores depend only on the (row, column) offset', async () => {
    const vit = encoder(ctxOf(), device);
    const attn = vit.blocks[0].attn;
    const grid = { rows: 3, cols: 4 };
    const n = grid.rows * grid.cols;
    // The same input at every patch: before rotary every query and every key is the same vector.
    manualSeed(5, ctxOf());
    const row = randn([1, 1, 16], { context: ctxOf() }).to(device);
    const x = row.expand([1, n, 16]).contiguous();
    const positions = Array.from(
      { length: n },
      (_, t) => [Math.floor(t / grid.cols), t % grid.cols] as const,
    );
    let q: Tensor | undefined;
    let k: Tensor | undefined;
    attn.forward(x, {
      positions,
      cuSeqlens: [0, n],
      observe: (qq, kk) => {
        q = qq.contiguous();
        k = kk.contiguous();
      },
    });
    const qs = await read(q as Tensor); // [1, heads, n, hd]
    const ks = await read(k as Tensor);
    const hd = 8;
    const score = (h: number, i: number, j: number) => {
      let s = 0;
      for (let d = 0; d < hd; d++) s += qs[(h * n + i) * hd + d] * ks[(h * n + j) * hd + d];
      return s;
    };
    const byOffset = new Map<string, number>();
    let compared = 0;
    for (let h = 0; h < 2; h++) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const key = `${h}:${positions[i][0] - positions[j][0]}:${positions[i][1] - positions[j][1]}`;
          const s = score(h, i, j);
          const seen = byOffset.get(key);
          if (seen === undefined) byOffset.set(key, s);
          else {
            expect(s).toBeCloseTo(seen, 4);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
    // Different offsets give different scores (the embedding is not trivial).
    const zero = byOffset.get('0:0:0') as number;
    expect(Math.abs((byOffset.get('0:1:0') as number) - zero)).toBeGreaterThan(1e-3);
    expect(Math.abs((byOffset.get('0:0:1') as number) - zero)).toBeGreaterThan(1e-3);
    expect(Math.abs((byOffset.get('0:1:0') as number) - (byOffset.get('0:0:1') as number))).toBeGreaterThan(
      1e-4,
    );
    vit.dispose();
  });

  run(
    'interpolated position embeddings equal the base table at the base size, and bilinear elsewhere',
    async () => {
      const ctx = ctxOf();
      manualSeed(9, ctx);
      const base = { rows: 3, cols: 5 };
      const dim = 4;
      const table = randn([base.rows * base.cols, dim], { context: ctx }).to(device);
      const t = await read(table);
      expect(await read(interpolatePositions(table, base, 3, 5))).toEqual(t);
      const grids = [
        { rows: 3, cols: 5 },
        { rows: 2, cols: 9 },
      ];
      const stacked = await read(interpolatePositionsPacked(table, base, grids));
      expect(stacked.slice(0, 15 * dim)).toEqual(t);
      const second = await read(interpolatePositions(table, base, 2, 9));
      for (const [j, v] of second.entries()) expect(stacked[15 * dim + j]).toBeCloseTo(v, 6);
      // A naive bilinear resampler (half-pixel centres, edge-clamped), one output element at a time.
      const src = (i: number, size: number, b: number) =>
        Math.min(Math.max(((i + 0.5) * b) / size - 0.5, 0), b - 1);
      for (const [rows, cols] of [
        [6, 2],
        [2, 9],
        [7, 7],
      ]) {
        const got = await read(interpolatePositions(table, base, rows, cols));
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            const y = src(r, rows, base.rows);
            const x = src(c, cols, base.cols);
            const [y0, x0] = [Math.floor(y), Math.floor(x)];
            const [y1, x1] = [Math.min(y0 + 1, base.rows - 1), Math.min(x0 + 1, base.cols - 1)];
            const [fy, fx] = [y - y0, x - x0];
            for (let d = 0; d < dim; d++) {
              const at = (yy: number, xx: number) => t[(yy * base.cols + xx) * dim + d];
              const want =
                (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
                fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
              expect(got[(r * cols + c) * dim + d]).toBeCloseTo(want, 5);
            }
          }
        }
      }
    },
  );

  run(
    'projector token (r, c) reads exactly the pixels of merged cell (r, c), row-major, in every packed image',
    async () => {
      const ctx = ctxOf();
      manualSeed(4, ctx);
      const projector = new PixelShuffleProjector(3 * PATCH * PATCH, 8, { context: ctx });
      if (device !== 'cpu') projector.to(device);
      // A wide and a tall image with odd patch grids and partial patches, packed after another image.
      const sizes: [number, number][] = [
        [9, 9],
        [13, 30],
        [30, 13],
      ];
      const cell = 2 * PATCH; // a merged token covers 2×2 patches: rows 8r..8r+7, columns 8c..8c+7
      const encode = async (changed?: { image: number; y: number; x: number }) => {
        const images = sizes.map(([h, w], i) => {
          const px = pixels(h, w, i);
          if (changed?.image === i) px[(1 * h + changed.y) * w + changed.x] += 1; // green channel
          return tensor(px, [3, h, w], { context: ctx }).to(device);
        });
        const packed = packImages(images, PATCH);
        return read(projector.forward(packed.patches, packed.grids));
      };
      const base = await encode();
      const offsets = [0];
      for (const [h, w] of sizes)
        offsets.push(offsets[offsets.length - 1] + Math.ceil(h / cell) * Math.ceil(w / cell));
      for (const [i, [h, w]] of sizes.entries()) {
        const cols = Math.ceil(w / cell);
        // One pixel in each of a few cells, including the last (partly padded) row and column.
        for (const [y, x] of [
          [0, 0],
          [h - 1, 0],
          [0, w - 1],
          [h - 1, w - 1],
          [Math.floor(h / 2), Math.floor(w / 3)],
        ]) {
          const after = await encode({ image: i, y, x });
          const changed: number[] = [];
          for (let t = 0; t < base.length / 8; t++) {
            if (after.slice(t * 8, t * 8 + 8).some((v, j) => v !== base[t * 8 + j])) changed.push(t);
          }
          expect(changed).toEqual([offsets[i] + Math.floor(y / cell) * cols + Math.floor(x / cell)]);
        }
      }
      projector.dispose();
    },
  );

  run('token counts and the pixel-shuffle inverse for several image sizes', async () => {
    const ctx = ctxOf();
    const packed = packImages(
      SIZES.map(([h, w], i) => image(h, w, i)),
      PATCH,
    );
    const projector = new PixelShuffleProjector(3 * PATCH * PATCH, 8, { context: ctx });
    if (device !== 'cpu') projector.to(device);
    const expectedPatches = SIZES.map(([h, w]) => Math.ceil(h / PATCH) * Math.ceil(w / PATCH));
    const expectedTokens = SIZES.map(
      ([h, w]) => Math.ceil(Math.ceil(h / PATCH) / 2) * Math.ceil(Math.ceil(w / PATCH) / 2),
    );
    expect(packed.grids.map((g) => g.rows * g.cols)).toEqual(expectedPatches);
    const offsets = [0];
    for (const n of expectedPatches) offsets.push(offsets[offsets.length - 1] + n);
    expect(packed.cuSeqlens).toEqual(offsets);
    expect(packed.patches.shape).toEqual([expectedPatches.reduce((a, b) => a + b), 3 * PATCH * PATCH]);
    expect(projector.tokenCounts(packed.grids)).toEqual(expectedTokens);
    expect(projector.forward(packed.patches, packed.grids).shape).toEqual([
      expectedTokens.reduce((a, b) => a + b),
      8,
    ]);

    const patchesHost = await read(packed.patches);
    for (const [i, [h, w]] of SIZES.entries()) {
      const g = patchGrid(h, w, PATCH);
      const px = pixels(h, w, i);
      const rows = await read(unpackImages(packed.patches, packed.cuSeqlens)[i]);
      // patchify against a naive loop: patch (r, c), element (ch, y, x) is pixel (ch, r·p + y, c·p + x) or 0 past the edge.
      const want: number[] = [];
      for (let r = 0; r < g.rows; r++)
        for (let c = 0; c < g.cols; c++)
          for (let ch = 0; ch < 3; ch++)
            for (let y = 0; y < PATCH; y++)
              for (let x = 0; x < PATCH; x++) {
                const [yy, xx] = [r * PATCH + y, c * PATCH + x];
                want.push(yy < h && xx < w ? px[(ch * h + yy) * w + xx] : 0);
              }
      for (const [j, v] of rows.entries()) expect(v).toBeCloseTo(want[j], 6);
      // Pixel shuffle against its index formula, then back.
      const d = 3 * PATCH * PATCH;
      const x = unpackImages(packed.patches, packed.cuSeqlens)[i];
      const shuffled = pixelShuffle(x, g);
      const mr = Math.ceil(g.rows / 2);
      const mc = Math.ceil(g.cols / 2);
      expect(shuffled.shape).toEqual([mr * mc, 4 * d]);
      const s = await read(shuffled);
      const start = packed.cuSeqlens[i];
      for (let t = 0; t < mr * mc; t++) {
        for (let q = 0; q < 4; q++) {
          const r = 2 * Math.floor(t / mc) + (q >> 1);
          const c = 2 * (t % mc) + (q & 1);
          for (const e of [0, d - 1]) {
            const want = r < g.rows && c < g.cols ? patchesHost[(start + r * g.cols + c) * d + e] : 0;
            expect(s[t * 4 * d + q * d + e]).toBe(want);
          }
        }
      }
      expect(await read(pixelUnshuffle(shuffled, g))).toEqual(rows);
    }
    // The packed (one gather) shuffle is the per-image shuffles stacked.
    const perImage = unpackImages(packed.patches, packed.cuSeqlens).map((x, i) =>
      read(pixelShuffle(x, packed.grids[i])),
    );
    expect(await read(pixelShufflePacked(packed.patches, packed.grids))).toEqual(
      (await Promise.all(perImage)).flat(),
    );
    projector.dispose();
  });
}
