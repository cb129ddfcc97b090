import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import type { Backend } from './backend.js';
import { CpuBackend } from './cpu/backend.js';
import { createContext } from './default-context.js';
import { arange, tensor, zeros } from './ops/creation.js';

const context = createContext();
const o = { context };

/**
 * Every expected string below is written out by hand from PyTorch's printing rules
 * (torch/_tensor_str.py, default print options: precision 4, threshold 1000, edgeitems 3,
 * linewidth 80): one width for all elements, `1.` for integral floats, 4 decimals, scientific
 * notation when max/min > 1000 or max > 1e8 or (non-integral) min < 1e-4, rows wrapped at
 * floor((80 − indent) / (width + 2)) elements, suffixes moved to a new line past column 80.
 * Tessera's suffixes are shape, dtype and device where PyTorch shows non-default ones only.
 */
describe('toString shows values the way PyTorch prints them', () => {
  it('a float vector of integers prints as `1.`', () => {
    expect(tensor([1, 2, 3], o).toString()).toBe('tensor([1., 2., 3.], shape=[3], dtype=f32, device=cpu)');
  });

  it('a matrix shares one width, right-aligned, rows indented under the first', () => {
    const t = tensor(
      [
        [1.5, -2.25],
        [3, 4],
      ],
      o,
    );
    expect(t.toString()).toBe(
      'tensor([[ 1.5000, -2.2500],\n' + '        [ 3.0000,  4.0000]], shape=[2, 2], dtype=f32, device=cpu)',
    );
  });

  it('rounds exact ties to even as Python does (0.03125 → 0.0312, 0.09375 → 0.0938)', () => {
    expect(tensor([0.03125, -0.09375, 0.5], o).toString()).toBe(
      'tensor([ 0.0312, -0.0938,  0.5000], shape=[3], dtype=f32, device=cpu)',
    );
  });

  it('switches to scientific notation for small or widely spread values', () => {
    expect(tensor([1e-5, 1], o).toString()).toBe(
      'tensor([1.0000e-05, 1.0000e+00], shape=[2], dtype=f32, device=cpu)',
    );
  });

  it('integers and booleans', () => {
    expect(tensor([1, -20, 3], { ...o, dtype: 'int32' }).toString()).toBe(
      'tensor([  1, -20,   3], shape=[3], dtype=i32, device=cpu)',
    );
    expect(tensor([true, false], o).toString()).toBe(
      'tensor([ true, false], shape=[2], dtype=bool, device=cpu)',
    );
  });

  it('0-d, empty, non-finite and half-precision tensors', () => {
    expect(tensor(3.5, o).toString()).toBe('tensor(3.5000, shape=[], dtype=f32, device=cpu)');
    expect(zeros([0, 3], o).toString()).toBe('tensor([], shape=[0, 3], dtype=f32, device=cpu)');
    expect(tensor([Number.NaN, 1, Number.POSITIVE_INFINITY], o).toString()).toBe(
      'tensor([nan, 1., inf], shape=[3], dtype=f32, device=cpu)',
    );
    expect(tensor([0.5, 0.25], { ...o, dtype: 'float16' }).toString()).toBe(
      'tensor([0.5000, 0.2500], shape=[2], dtype=f16, device=cpu)',
    );
  });

  it('wraps a long row at 80 columns (14 elements of width 3 per line after the indent)', () => {
    expect(arange(30, undefined, 1, o).toString()).toBe(
      'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n' +
        '        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n' +
        '        28., 29.], shape=[30], dtype=f32, device=cpu)',
    );
  });

  it('separates the matrices of a 3-d tensor by a blank line', () => {
    const t = arange(8, undefined, 1, { ...o, dtype: 'i32' }).reshape(2, 2, 2);
    expect(t.toString()).toBe(
      'tensor([[[0, 1],\n' +
        '         [2, 3]],\n' +
        '\n' +
        '        [[4, 5],\n' +
        '         [6, 7]]], shape=[2, 2, 2], dtype=i32, device=cpu)',
    );
  });

  it('summarizes more than 1000 elements to the first and last 3 per dim; suffixes wrap', () => {
    const t = arange(2000, undefined, 1, { ...o, dtype: 'i32' }).reshape(2, 1000);
    expect(t.toString()).toBe(
      'tensor([[   0,    1,    2,  ...,  997,  998,  999],\n' +
        '        [1000, 1001, 1002,  ..., 1997, 1998, 1999]], shape=[2, 1000],\n' +
        '       dtype=i32, device=cpu)',
    );
    const cube = zeros([10, 10, 11], o).toString().split('\n');
    // 3 + 3 matrices of 6 summarized rows each, a `...,` line between rows and between matrices.
    expect(cube.filter((l) => l.trim() === '...,')).toHaveLength(1 + 6);
    expect(cube[0]).toBe('tensor([[[0., 0., 0.,  ..., 0., 0., 0.],');
    expect(cube.length).toBeLessThan(60);
  });

  it('reads views through their strides and marks tensors that take gradients', () => {
    const t = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      o,
    ).transpose();
    expect(t.toString()).toBe('tensor([[1., 3.],\n        [2., 4.]], shape=[2, 2], dtype=f32, device=cpu)');
    t.requiresGrad = true;
    expect(t.toString()).toContain(', requiresGrad=true)');
    t.dispose();
    expect(t.toString()).toBe('tensor(<disposed>, shape=[2, 2], dtype=f32, device=cpu, requiresGrad=true)');
  });

  it('console.log and util.inspect show the same few lines, not the handle internals', () => {
    const t = tensor([1, 2], o);
    expect(inspect(t)).toBe(t.toString());
    expect(inspect({ weight: t })).toContain('tensor([1., 2.]');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      console.log(t);
      expect(inspect(log.mock.calls[0][0])).toBe('tensor([1., 2.], shape=[2], dtype=f32, device=cpu)');
      log.mockClear();
      void t.print();
      expect(log.mock.calls[0][0]).toBe('tensor([1., 2.], shape=[2], dtype=f32, device=cpu)');
    } finally {
      log.mockRestore();
    }
  });
});

/** A device that, like WebGPU, can only read asynchronously: the CPU backend without readSync. */
function asyncOnlyBackend(): Backend {
  const cpu = new CpuBackend();
  return {
    device: 'asyncdev',
    allocate: (dtype, size) => cpu.allocate(dtype, size),
    upload: (dtype, data) => cpu.upload(dtype, data),
    release: () => {},
    read: (buffer) => cpu.read(buffer),
    supports: () => false,
    execute: (def, inputs, outputs, attrs) => cpu.execute(def, inputs, outputs, attrs),
    kernelNames: () => [],
  };
}

describe('a tensor on a device that reads asynchronously', () => {
  const ctx = createContext();
  ctx.registerBackend(asyncOnlyBackend());

  it('says how to see its values; toStringAsync and print read them', async () => {
    const t = tensor([1, 2], { context: ctx, device: 'asyncdev' });
    expect(t.toString()).toBe(
      'tensor(<on asyncdev: await t.print() or t.toStringAsync() to read>, shape=[2],\n' +
        '       dtype=f32, device=asyncdev)',
    );
    expect(await t.toStringAsync()).toBe('tensor([1., 2.], shape=[2], dtype=f32, device=asyncdev)');
    expect(() => t.tolist()).toThrow(
      /^tolist: .*'asyncdev', which reads asynchronously; use await t.array\(\)/,
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await t.print();
      expect(log.mock.calls[0][0]).toBe('tensor([1., 2.], shape=[2], dtype=f32, device=asyncdev)');
    } finally {
      log.mockRestore();
    }
  });
});
