import { type Tensor, tensor } from '@tessera/core';

export interface AffineRange {
  /** Largest rotation, in degrees. */
  degrees: number;
  /** Largest relative change of scale (0.1: scale in [0.9, 1.1]). */
  scale: number;
  /** Largest translation, in pixels. */
  shift: number;
}

/** A seeded stream of uniform numbers in [0, 1) (SplitMix32-style); local state only. */
function uniforms(seed: number, stream: number): () => number {
  let state = (Math.imul(seed | 0, 0x9e3779b9) ^ Math.imul((stream | 0) + 1, 0x85ebca6b)) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 2 ** 32;
  };
}

/**
 * Random affine distortion of each image of a [N, 1, H, W] batch: a rotation by θ, a scaling by
 * s and a translation by (dx, dy), each drawn uniformly from ±range around the identity, about
 * the image centre. Each output pixel p samples the input at A⁻¹(p − c − d) + c by bilinear
 * interpolation, with 0 (background) outside. Seeded by (seed, stream): reproducible.
 */
export function randomAffine(images: Tensor, range: AffineRange, seed: number, stream: number): Tensor {
  const [n, , h, w] = images.shape;
  const src = images.dataSync() as Float32Array;
  const out = new Float32Array(src.length);
  const next = uniforms(seed, stream);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const at = (base: number, x: number, y: number): number =>
    x < 0 || y < 0 || x >= w || y >= h ? 0 : src[base + y * w + x];
  for (let i = 0; i < n; i++) {
    const theta = ((2 * next() - 1) * range.degrees * Math.PI) / 180;
    const s = 1 + (2 * next() - 1) * range.scale;
    const dx = (2 * next() - 1) * range.shift;
    const dy = (2 * next() - 1) * range.shift;
    // Inverse of p' = s·R(θ)·(p − c) + c + d: p = R(−θ)·(p' − c − d)/s + c.
    const cos = Math.cos(theta) / s;
    const sin = Math.sin(theta) / s;
    const base = i * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const ux = x - cx - dx;
        const uy = y - cy - dy;
        const sx = cos * ux + sin * uy + cx;
        const sy = -sin * ux + cos * uy + cy;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        out[base + y * w + x] =
          (1 - fy) * ((1 - fx) * at(base, x0, y0) + fx * at(base, x0 + 1, y0)) +
          fy * ((1 - fx) * at(base, x0, y0 + 1) + fx * at(base, x0 + 1, y0 + 1));
      }
    }
  }
  return tensor(out, [...images.shape], { context: images.ctx, device: images.device });
}
