import { fmtShape, indexSelect, type Tensor, TesseraError } from '@tessera/core';
import { normal } from '../init.js';
import { Module, type ModuleOptions } from '../module.js';

/** A lookup table: i32 indices […] → rows of a [numEmbeddings, dim] weight, N(0, 1) at start. */
export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: ModuleOptions = {},
  ) {
    super();
    if (
      !Number.isInteger(numEmbeddings) ||
      !Number.isInteger(embeddingDim) ||
      numEmbeddings < 1 ||
      embeddingDim < 1
    ) {
      throw new TesseraError(
        'Embedding',
        `sizes must be positive integers, got ${numEmbeddings} × ${embeddingDim}`,
      );
    }
    this.weight = this.registerParameter('weight', normal([numEmbeddings, embeddingDim], 0, 1, options));
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'i32') {
      throw new TesseraError(
        'Embedding',
        `indices must be i32, got ${indices.dtype} ${fmtShape(indices.shape)}`,
      );
    }
    const rows = indexSelect(this.weight, 0, indices.reshape([indices.size]));
    return rows.reshape([...indices.shape, this.embeddingDim]);
  }
}
