import { philox4x32 } from '@tessera/core';

/**
 * Dropout of attention probabilities, regenerated on demand from core's Philox generator:
 * element e = ((b·heads + h)·sq + i)·sk + j keeps its probability when lane e mod 4 of block
 * (base + ⌊e/4⌋) is ≥ p. Nothing is stored, so the backward pass (and the naive path) draws
 * exactly the mask the forward pass used.
 */
export class DropoutMask {
  private readonly block = new Uint32Array(4);
  private cached = -1;

  constructor(
    private readonly key: readonly [number, number],
    private readonly base: number,
    readonly p: number,
  ) {}

  /** 1/(1 − p) where element e is kept, else 0. */
  factor(e: number): number {
    const blk = Math.floor(e / 4);
    if (blk !== this.cached) {
      const c = this.base + blk;
      philox4x32(c >>> 0, Math.floor(c / 2 ** 32) >>> 0, 0, 0, this.key[0], this.key[1], this.block);
      this.cached = blk;
    }
    const u = (this.block[e - blk * 4] >>> 8) * 2 ** -24;
    return u >= this.p ? 1 / (1 - this.p) : 0;
  }
}
