import { type Tensor, TesseraError } from '@tessera/core';
import { dropout } from '../functional/dropout.js';
import { Module } from '../module.js';

/** Inverted dropout while training, identity in eval mode; see `dropout`. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new TesseraError('Dropout', `p must be in [0, 1], got ${p}`);
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
}
