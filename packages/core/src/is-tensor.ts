import type { Tensor } from './tensor.js';
import { version } from './version.js';

/**
 * Marks Tensor instances, so that the modules below tensor.ts (the dispatcher, the ops, tidy) can
 * recognize a tensor without importing the class: tensor.ts imports the ops for its methods, and
 * an import back from the ops would close a cycle. The symbol is private to this copy of core.
 */
export const TENSOR: unique symbol = Symbol('tessera.Tensor');

/**
 * The key under which every Tensor names the version of the core that made it. Unlike `TENSOR` it
 * comes from the realm-wide symbol registry, so it is the same key in every copy of core loaded in a
 * process: a tensor from another copy carries it but not this copy's `TENSOR`. Nothing is stored
 * anywhere: the tensor class answers it with a prototype getter.
 */
export const CORE_VERSION: unique symbol = Symbol.for('@tessera/core.version');

export function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && TENSOR in value;
}

/**
 * Names what a value that is not a Tensor of this copy of core is, as a noun phrase for an error
 * message. A tensor made by another copy (two copies of @tessera/core installed) gets a sentence
 * naming both versions and the fix.
 */
export function describeNonTensor(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== 'object') return `a ${typeof value}`;
  const other = (value as { [CORE_VERSION]?: unknown })[CORE_VERSION];
  if (typeof other !== 'string') {
    if (Array.isArray(value)) return 'an array';
    // A tensor from a copy of core older than the version key looks like this.
    if ('shape' in value && 'dtype' in value) {
      return (
        `an object with a shape and dtype that is no Tensor of this copy of @tessera/core (version ${version}); ` +
        'if it is a tensor, two copies of @tessera/core are loaded: `npm ls @tessera/core` shows them'
      );
    }
    return 'an object that is no Tensor';
  }
  return (
    `a Tensor made by another copy of @tessera/core (version ${other}; this copy is version ${version}). ` +
    'Two copies of @tessera/core are loaded, and the tensors of one are foreign to the other: install a ' +
    'single copy. Every @tessera package takes core as a peer dependency, so `npm ls @tessera/core` shows ' +
    'which dependency brings the second one; update it, or run `npm dedupe` / `pnpm dedupe`'
  );
}
