import { fmtShape, indexSelect, type Tensor, TesseraError, tensor } from '@tessera/core';

/** Random access to samples: `length` and `get(i)` for 0 ≤ i < length. */
export interface Dataset<T> {
  readonly length: number;
  get(index: number): T;
  /**
   * Optional fast path: a whole batch at once (e.g. one indexSelect per tensor). DataLoader uses
   * it when present instead of `get` + collate.
   */
  getBatch?(indices: readonly number[]): T;
}

/**
 * Samples are rows of the given tensors (all with the same first dimension): sample i is
 * `[t₀[i], t₁[i], …]`. Batches come from one indexSelect per tensor.
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  readonly length: number;

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new TesseraError('TensorDataset', 'needs at least one tensor');
    const n = tensors[0].shape[0];
    for (const t of tensors) {
      if (t.rank === 0 || t.shape[0] !== n) {
        throw new TesseraError(
          'TensorDataset',
          `every tensor needs the same first dimension: got ${tensors.map((x) => fmtShape(x.shape)).join(', ')}`,
        );
      }
    }
    this.tensors = tensors;
    this.length = n;
  }

  get(index: number): Tensor[] {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new TesseraError('TensorDataset', `index ${index} out of range [0, ${this.length})`);
    }
    return this.tensors.map((t) => t.narrow(0, index, 1).squeeze(0));
  }

  getBatch(indices: readonly number[]): Tensor[] {
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i >= this.length) {
        throw new TesseraError('TensorDataset', `index ${i} out of range [0, ${this.length})`);
      }
    }
    const ctx = this.tensors[0].ctx;
    const idx = tensor(new Int32Array(indices), { context: ctx, device: this.tensors[0].device });
    try {
      return this.tensors.map((t) => indexSelect(t, 0, idx));
    } finally {
      idx.dispose();
    }
  }
}
