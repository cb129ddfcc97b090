import { softmax, type Tensor } from '@tessera/core';
import { Module } from '../module.js';

/** max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** x·Φ(x) (exact) or its tanh approximation. */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.gelu({ approximate: this.approximate });
  }
}

/** x·σ(x), also called swish. */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return x.silu();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/** Softmax along `axis` (default the last). */
export class Softmax extends Module {
  constructor(readonly axis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.axis);
  }
}

/** The identity: a placeholder layer. */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens axes startAxis…endAxis (default: all but the batch axis). */
export class Flatten extends Module {
  constructor(
    readonly startAxis = 1,
    readonly endAxis = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startAxis, this.endAxis);
  }
}
