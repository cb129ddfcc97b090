import { type Tensor, tensor } from '@tessera/core';
import { permutation } from '@tessera/data';

/**
 * Translates each image of a [N, 1, 28, 28] batch by its own random (dx, dy) in
 * [−max, max]², filling with 0 (background). The offsets come from a seeded permutation stream,
 * so a run is reproducible. Returns a new tensor.
 */
export function randomShift(images: Tensor, max: number, seed: number, stream: number): Tensor {
  if (max === 0) return images.clone();
  const [n, , h, w] = images.shape;
  const src = images.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  const span = 2 * max + 1;
  const draws = permutation(span * span * Math.max(1, Math.ceil((2 * n) / (span * span))), seed, stream);
  for (let i = 0; i < n; i++) {
    const dx = (draws[2 * i] % span) - max;
    const dy = (draws[2 * i + 1] % span) - max;
    const base = i * h * w;
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < w) out[base + y * w + x] = src[base + sy * w + sx];
      }
    }
  }
  return tensor(out, [...images.shape], { context: images.ctx, device: images.device });
}
