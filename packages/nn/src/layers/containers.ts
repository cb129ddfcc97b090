import type { Tensor } from '@tessera/core';
import { Module } from '../module.js';

/** A module whose forward maps one tensor to one tensor. */
export type Layer = Module & { forward(x: Tensor): Tensor };

/** Runs its layers in order; children are named '0', '1', …. */
export class Sequential extends Module {
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers.map((layer, i) => this.register(String(i), layer));
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }
}

/** A list of modules registered as children '0', '1', …; it has no forward of its own. */
export class ModuleList<M extends Module = Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  append(m: M): this {
    this.items.push(this.register(String(this.items.length), m));
    return this;
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M | undefined {
    return this.items.at(i);
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList: has no forward; iterate over its modules instead');
  }
}
