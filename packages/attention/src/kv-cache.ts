import { concat, fmtShape, keep, type Tensor, TesseraError } from '@tessera/core';

/**
 * Keys and values of past positions, per layer, for incremental decoding: each step appends
 * the new tokens' k and v ([b, hk, new, d]) and attends over everything so far, so past keys
 * are never recomputed. Tensors it holds are kept (outside tidy) and owned by the cache.
 */
export class KVCache {
  private readonly keys: (Tensor | undefined)[];
  private readonly values: (Tensor | undefined)[];

  constructor(readonly layers: number) {
    this.keys = new Array(layers).fill(undefined);
    this.values = new Array(layers).fill(undefined);
  }

  /** Number of cached positions (of layer 0). */
  get length(): number {
    return this.lengthOf(0);
  }

  /** Number of cached positions of one layer (before this step's append: the new tokens' offset). */
  lengthOf(layer: number): number {
    return this.keys[layer]?.shape[2] ?? 0;
  }

  /** Appends k, v of `layer` along the seq axis and returns the full cached k and v. */
  append(layer: number, k: Tensor, v: Tensor): { k: Tensor; v: Tensor } {
    if (!(layer >= 0 && layer < this.layers)) {
      throw new TesseraError('KVCache.append', `layer ${layer} out of range (cache has ${this.layers})`);
    }
    if (k.rank !== 4 || v.rank !== 4 || k.shape[2] !== v.shape[2]) {
      throw new TesseraError(
        'KVCache.append',
        `k ${fmtShape(k.shape)} and v ${fmtShape(v.shape)} must be [batch, kvHeads, new, dim]`,
      );
    }
    const oldK = this.keys[layer];
    const oldV = this.values[layer];
    const nextK = keep(oldK ? concat([oldK, k], 2) : k.clone());
    const nextV = keep(oldV ? concat([oldV, v], 2) : v.clone());
    oldK?.dispose();
    oldV?.dispose();
    this.keys[layer] = nextK;
    this.values[layer] = nextV;
    return { k: nextK, v: nextV };
  }

  /** Drops every cached tensor. */
  dispose(): void {
    for (let i = 0; i < this.layers; i++) {
      this.keys[i]?.dispose();
      this.values[i]?.dispose();
      this.keys[i] = this.values[i] = undefined;
    }
  }
}
