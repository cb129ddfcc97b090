import { describe, expect, it } from 'vitest';
import { createContext } from './default-context.js';
import { isTensor } from './is-tensor.js';
import {
  arange,
  eye,
  full,
  linspace,
  ones,
  rand,
  randint,
  randn,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation.js';

const ctx = createContext();
const o = { context: ctx };

describe('creation', () => {
  it('infers shape and dtype from nested arrays and typed arrays', () => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      o,
    );
    expect([a.shape, a.dtype, a.strides]).toEqual([[2, 3], 'f32', [3, 1]]);
    expect(tensor([true, false], o).dtype).toBe('bool');
    expect(tensor(new Int32Array([1, 2, 3, 4]), [2, 2], o).arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(tensor(new Float64Array(2), o).dtype).toBe('f64');
    expect(tensor(3, o).shape).toEqual([]);
  });

  it('arange, linspace, eye, full follow their definitions', () => {
    expect(Array.from(arange(5, undefined, 1, o).dataSync())).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(arange(1, 2, 0.25, o).dataSync())).toEqual([1, 1.25, 1.5, 1.75]);
    expect(Array.from(arange(3, 0, -1, { ...o, dtype: 'i32' }).dataSync())).toEqual([3, 2, 1]);
    expect(Array.from(linspace(0, 1, 5, o).dataSync())).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(eye(2, 3, o).arraySync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(Array.from(full([2], 7, { ...o, dtype: 'i32' }).dataSync())).toEqual([7, 7]);
    expect(zerosLike(ones([2, 3], { ...o, dtype: 'f64' })).dtype).toBe('f64');
  });

  it('stores f16 and bf16, widening on readback', () => {
    const h = tensor([1, 0.1, 65504], { ...o, dtype: 'f16' });
    expect(h.storage.bytes).toBe(6);
    expect(Array.from(h.dataSync())).toEqual([1, 0.0999755859375, 65504]);
    const b = tensor([1, 0.1], { ...o, dtype: 'bf16' });
    expect(Array.from(b.dataSync())).toEqual([1, 0.10009765625]);
  });

  it('reads back non-contiguous views in logical order', async () => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      o,
    );
    expect(await a.transpose().array()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    expect(await a.slice(1, 0, 3, 2).data()).toEqual(new Float32Array([1, 3, 4, 6]));
    expect(await tensor([[5]], o).item()).toBe(5);
    expect(tensor([true, false], o).arraySync()).toEqual([true, false]);
  });
});

describe('creation rejects bad input', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['ragged nested arrays', () => tensor([[1, 2], [3]], o), /^tensor: ragged nested array.*\[2, 2\]/],
    ['a shape that does not fit the data', () => tensor([1, 2, 3], [2, 2], o), /^tensor: .*\[3\].*\[2, 2\]/],
    ['non-numbers', () => tensor(['a'] as unknown as number[], o), /^tensor: expected numbers/],
    ['an unknown dtype', () => zeros([2], { ...o, dtype: 'int8' as 'i32' }), /^zeros: unknown dtype 'int8'/],
    ['a negative dim', () => zeros([2, -1], o), /^zeros: shape \[2, -1\]/],
    ['an unknown device', () => zeros([2], { ...o, device: 'tpu' }), /^zeros: no backend for device 'tpu'/],
    ['arange with step 0', () => arange(0, 1, 0, o), /^arange: step must not be zero/],
    ['arange that never reaches end', () => arange(0, 5, -1, o), /^arange: end 5 cannot be reached/],
    ['linspace with fractional steps', () => linspace(0, 1, 2.5, o), /^linspace: steps must be/],
    [
      'rand with an integer dtype',
      () => rand([2], { ...o, dtype: 'i32' }),
      /^rand: dtype must be floating point, got i32/,
    ],
    ['randn with a bad shape', () => randn([1.5], o), /^randn: shape \[1.5\]/],
    [
      'randint with low >= high',
      () => randint(3, 3, [2], o),
      /^randint: expected integers low < high, got low=3, high=3/,
    ],
    ['eye with a negative size', () => eye(-1, 2, o), /^eye: shape \[-1, 2\]/],
  ];
  it.each(cases)('%s', (_, f, re) => {
    expect(f).toThrow(re);
  });

  it('item on a tensor of several elements names the shape', async () => {
    await expect(ones([2, 2], o).item()).rejects.toThrow(/^item: .*\[2, 2\]/);
  });

  it('readback of a disposed tensor names the shape', () => {
    const t = ones([3, 1], o);
    t.dispose();
    expect(() => t.dataSync()).toThrow(/^dataSync: tensor of shape \[3, 1\] \(f32\) has been disposed/);
  });
});

describe('isTensor (how modules below tensor.ts recognize a tensor)', () => {
  it('holds for tensors, views and disposed handles, and for nothing shaped like one', () => {
    const ctx = createContext();
    const t = ones([2, 3], { context: ctx });
    const v = t.transpose();
    expect([isTensor(t), isTensor(v)]).toEqual([true, true]);
    t.dispose();
    expect(isTensor(t)).toBe(true);
    const lookalike = { shape: [2, 3], strides: [3, 1], offset: 0, dtype: 'f32', ctx };
    expect([isTensor(lookalike), isTensor(null), isTensor(3), isTensor([t])]).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
