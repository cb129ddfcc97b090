import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createContext } from './default-context.js';
import { conv2d } from './ops/conv.js';
import { tensor } from './ops/creation.js';
import { add, exp } from './ops/elementwise.js';
import { matmul } from './ops/linalg.js';
import { maxPool2d } from './ops/pool.js';
import type { Tensor } from './tensor.js';

const ctx = createContext();
const o = { context: ctx };
// Read apart from the module under test, which gets it from the bundler's JSON import.
const packageVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const sharedKey = Symbol.for('@tessera/core.version');

/** What a tensor made by another copy of core looks like from here: the shared key, not this copy's brand. */
function foreignTensor(version: string): Tensor {
  return { [sharedKey]: version, shape: [2, 2], dtype: 'f32' } as unknown as Tensor;
}

describe('tensors from another copy of @tessera/core', () => {
  it('every tensor names its core version under the realm-wide key', () => {
    const t = tensor([1, 2], o);
    expect((t as unknown as Record<symbol, unknown>)[sharedKey]).toBe(packageVersion);
  });

  it('matmul names both versions and the fix instead of "both operands must be Tensors"', () => {
    const a = tensor([[1, 2]], o);
    const expected = `matmul: both operands must be Tensors, but the second is a Tensor made by another copy of @tessera/core (version 0.0.7; this copy is version ${packageVersion}). Two copies of @tessera/core are loaded`;
    expect(() => matmul(a, foreignTensor('0.0.7'))).toThrow(expected);
    expect(() => matmul(foreignTensor('0.0.7'), a)).toThrow(/but the first is a Tensor made by another copy/);
    expect(() => matmul(a, foreignTensor('0.0.7'))).toThrow(/npm ls @tessera\/core/);
  });

  it('elementwise ops, conv2d and pooling say the same', () => {
    const x = tensor(
      [
        [
          [
            [1, 2],
            [3, 4],
          ],
        ],
      ],
      o,
    );
    const foreign = foreignTensor('9.9.9');
    const both = `(version 9.9.9; this copy is version ${packageVersion})`;
    expect(() => exp(foreign)).toThrow(
      `exp: expected a Tensor, got a Tensor made by another copy of @tessera/core ${both}`,
    );
    expect(() => add(x, foreign)).toThrow(both);
    expect(() => conv2d(x, foreign)).toThrow(
      `conv2d: x and weight must be Tensors, but weight is a Tensor made`,
    );
    expect(() => maxPool2d(foreign, { kernelSize: 2 })).toThrow(both);
  });

  it('other non-tensors are named by their type', () => {
    const a = tensor([[1, 2]], o);
    expect(() => matmul(a, 3 as unknown as Tensor)).toThrow(
      'matmul: both operands must be Tensors, but the second is a number',
    );
    expect(() => matmul(null as unknown as Tensor, a)).toThrow('but the first is null');
    expect(() => exp([1, 2] as unknown as Tensor)).toThrow('exp: expected a Tensor, got an array');
    expect(() => exp({} as unknown as Tensor)).toThrow(
      'exp: expected a Tensor, got an object that is no Tensor',
    );
    // A tensor of a core from before the version key: shaped like one, carrying no key.
    const old = { shape: [2], dtype: 'f32' } as unknown as Tensor;
    expect(() => matmul(a, old)).toThrow(
      `but the second is an object with a shape and dtype that is no Tensor of this copy of @tessera/core (version ${packageVersion}); if it is a tensor, two copies of @tessera/core are loaded`,
    );
  });
});
