import { concat, type Tensor } from '@tessera/core';
import { type Activation, MLP, Module, type ModuleOptions } from '@tessera/nn';

export interface NetworkOptions extends ModuleOptions {
  /** Hidden layer widths. */
  hidden: readonly number[];
  /** Hidden activation; default ReLU. */
  activation?: Activation;
}

/** The deterministic policy μ(s): an MLP whose tanh output is the action scaled to [−1, 1]. */
export class Actor extends Module {
  readonly net: MLP;

  constructor(obsDim: number, actDim: number, options: NetworkOptions) {
    super();
    this.net = this.register('net', new MLP([obsDim, ...options.hidden, actDim], options));
  }

  forward(observations: Tensor): Tensor {
    return this.net.forward(observations).tanh();
  }
}

/** The action value Q(s, a): an MLP over the observation with the (scaled) action concatenated. */
export class Critic extends Module {
  readonly net: MLP;

  constructor(obsDim: number, actDim: number, options: NetworkOptions) {
    super();
    this.net = this.register('net', new MLP([obsDim + actDim, ...options.hidden, 1], options));
  }

  forward(observations: Tensor, actions: Tensor): Tensor {
    return this.net.forward(concat([observations, actions], -1));
  }
}
