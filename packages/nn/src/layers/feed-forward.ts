import { type Tensor, TesseraError } from '@tessera/core';
import { dropout } from '../functional/dropout.js';
import { Module, type ModuleOptions } from '../module.js';
import { Linear } from './linear.js';

export type Activation = 'relu' | 'gelu' | 'silu' | 'tanh' | 'sigmoid';

export interface MLPOptions extends ModuleOptions {
  activation?: Activation;
  /** Dropout after each hidden activation (training only). Default 0. */
  dropout?: number;
  bias?: boolean;
}

function activate(x: Tensor, a: Activation): Tensor {
  switch (a) {
    case 'relu':
      return x.relu();
    case 'gelu':
      return x.gelu();
    case 'silu':
      return x.silu();
    case 'tanh':
      return x.tanh();
    case 'sigmoid':
      return x.sigmoid();
  }
}

/**
 * A multilayer perceptron over sizes [in, hidden…, out]: Linear layers named fc0, fc1, … with
 * the activation (and dropout) between them, none after the last.
 */
export class MLP extends Module {
  readonly layers: Linear[];
  readonly activation: Activation;
  readonly dropoutP: number;

  constructor(sizes: readonly number[], options: MLPOptions = {}) {
    super();
    if (sizes.length < 2)
      throw new TesseraError('MLP', `needs at least [in, out] sizes, got [${sizes.join(', ')}]`);
    this.activation = options.activation ?? 'relu';
    this.dropoutP = options.dropout ?? 0;
    this.layers = sizes.slice(1).map((out, i) => this.register(`fc${i}`, new Linear(sizes[i], out, options)));
  }

  forward(x: Tensor): Tensor {
    let y = x;
    this.layers.forEach((layer, i) => {
      y = layer.forward(y);
      if (i < this.layers.length - 1) y = dropout(activate(y, this.activation), this.dropoutP, this.training);
    });
    return y;
  }
}

/**
 * The SwiGLU feed-forward block (Shazeer 2020): y = W₂·(SiLU(W₁x) ⊙ W₃x), bias-free as in
 * LLaMA. `hidden` defaults to ⌈(8/3)·dim⌉ rounded up to a multiple of `multipleOf` (default 8),
 * which keeps the parameter count of a 4·dim ReLU MLP.
 */
export class SwiGLU extends Module {
  readonly w1: Linear;
  readonly w2: Linear;
  readonly w3: Linear;

  constructor(
    readonly dim: number,
    hidden?: number,
    options: ModuleOptions & { multipleOf?: number } = {},
  ) {
    super();
    const multiple = options.multipleOf ?? 8;
    const h = hidden ?? Math.ceil(Math.ceil((8 * dim) / 3) / multiple) * multiple;
    const o = { ...options, bias: false };
    this.w1 = this.register('w1', new Linear(dim, h, o));
    this.w2 = this.register('w2', new Linear(h, dim, o));
    this.w3 = this.register('w3', new Linear(dim, h, o));
  }

  forward(x: Tensor): Tensor {
    return this.w2.forward(this.w1.forward(x).silu().mul(this.w3.forward(x)));
  }
}
