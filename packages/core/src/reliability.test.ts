/**
 * Regression tests for the failures of issue #23 (items 1–3): inputs that once took the process
 * down, integer results that were silently wrong, and tidy given an async function. Expected
 * integer values are worked out by hand in two's complement (and cross-checked with BigInt
 * arithmetic, which is independent of the kernels' Math.imul), as PyTorch's int32 gives them.
 */
import { describe, expect, it } from 'vitest';
import { Context } from './context.js';
import { CpuBackend } from './cpu/backend.js';
import { defaultCpuAllocationLimit } from './cpu/options.js';
import { createContext, memory, setAllocationLimit, tidy } from './default-context.js';
import { TesseraError } from './errors.js';
import {
  add,
  arange,
  cast,
  contiguous,
  cumsum,
  expand,
  full,
  matmul,
  maximum,
  minimum,
  mul,
  oneHot,
  ones,
  pow,
  prod,
  randint,
  repeat,
  square,
  sub,
  sum,
  tensor,
  zeros,
} from './ops/index.js';
import type { Tensor } from './tensor.js';

function errorOf(fn: () => unknown): TesseraError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TesseraError);
    return e as TesseraError;
  }
  throw new Error('expected an error');
}

const wrap32 = (x: bigint) => Number(BigInt.asIntN(32, x));

describe('allocation limit (#23 item 1)', () => {
  const GiB = 2 ** 30;
  const limited = () => createContext({ allocationLimit: GiB });

  // Each listed input, the op its error must name, and the shape and byte count it must state.
  const cases: { what: string; op: string; shape: string; bytes: number; run: (c: Context) => unknown }[] = [
    {
      what: 'zeros([2**31])',
      op: 'zeros',
      shape: '[2147483648]',
      bytes: 2 ** 33,
      run: (c) => zeros([2 ** 31], { context: c }),
    },
    {
      what: 'zeros([1e5, 1e5])',
      op: 'zeros',
      shape: '[100000, 100000]',
      bytes: 4e10,
      run: (c) => zeros([1e5, 1e5], { context: c }),
    },
    {
      what: 'ones([40000, 40000])',
      op: 'ones',
      shape: '[40000, 40000]',
      bytes: 6.4e9,
      run: (c) => ones([40000, 40000], { context: c }),
    },
    {
      what: 'arange(0, 1e12)',
      op: 'arange',
      shape: '[1000000000000]',
      bytes: 4e12,
      run: (c) => arange(0, 1e12, 1, { context: c }),
    },
    {
      what: 'a matmul with a 70000² output',
      op: 'matmul',
      shape: '[70000, 70000]',
      bytes: 4 * 70000 ** 2,
      run: (c) => matmul(zeros([70000, 1], { context: c }), zeros([1, 70000], { context: c })),
    },
    {
      what: 'oneHot(…, 1e9)',
      op: 'oneHot',
      shape: '[2, 1000000000]',
      bytes: 8e9,
      run: (c) => oneHot(tensor([0, 1], { dtype: 'i32', context: c }), 1e9),
    },
    {
      what: 'contiguous(expand(…, [1e5, 1e5]))',
      op: 'contiguous',
      shape: '[100000, 100000]',
      bytes: 4e10,
      run: (c) => contiguous(expand(ones([1, 1], { context: c }), [1e5, 1e5])),
    },
    {
      what: 'repeat(ones([1]), [3e9])',
      op: 'repeat',
      shape: '[3000000000]',
      bytes: 1.2e10,
      run: (c) => repeat(ones([1], { context: c }), [3e9]),
    },
  ];

  for (const c of cases) {
    it(`${c.what} is an error of ${c.op} naming the shape, dtype and bytes, before allocating`, () => {
      const ctx = limited();
      const t0 = performance.now();
      const e = errorOf(() => c.run(ctx));
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(e.op).toBe(c.op);
      expect(e.message).toContain(c.shape);
      expect(e.message).toContain('f32');
      expect(e.message).toContain(`${c.bytes} bytes`);
      expect(e.message).toContain(`${GiB} bytes`);
      // Nothing big was allocated: only the small inputs ever lived.
      expect(memory(ctx).peakBytes).toBeLessThan(2 ** 20);
    });
  }

  it('with the default limit, each listed input larger than it is refused the same way (nothing allocated)', () => {
    const ctx = createContext();
    const limit = ctx.allocationLimit('cpu');
    const over = cases.filter((c) => c.bytes > limit);
    // On this machine's memory, which of the listed inputs the default refuses; the others would
    // fit in a quarter of memory and are not run here.
    for (const c of over) expect(errorOf(() => c.run(ctx)).op).toBe(c.op);
    expect(memory(ctx).peakBytes).toBeLessThan(2 ** 20);
  });

  it('defaults to a quarter of the memory the process may use on the CPU, and catches what passes it', () => {
    const os = process.getBuiltinModule('node:os') as typeof import('node:os');
    const constrained = process.constrainedMemory?.() ?? 0;
    const usable = constrained > 0 ? Math.min(constrained, os.totalmem()) : os.totalmem();
    expect(defaultCpuAllocationLimit()).toBe(Math.floor(usable / 4));
    const ctx = createContext();
    expect(ctx.allocationLimit('cpu')).toBe(Math.floor(usable / 4));
    // 2^52 bytes (4 PiB) exceeds any machine's memory: refused by the default limit.
    const e = errorOf(() => zeros([2 ** 20, 2 ** 20, 2 ** 10], { context: ctx }));
    expect(e.message).toMatch(
      /zeros: a f32 tensor of shape \[1048576, 1048576, 1024\] needs 4503599627370496 bytes \(4\.0 PiB\)/,
    );
  });

  it('is settable per device by context option or setAllocationLimit, and resettable', () => {
    const ctx = createContext({ allocationLimit: { cpu: 64 } });
    expect(zeros([16], { context: ctx }).shape).toEqual([16]); // exactly 64 bytes fits
    expect(() => zeros([17], { context: ctx })).toThrow(/zeros: .*68 bytes.*limit of 64 bytes/);
    expect(() => tensor([1, 2, 3], { dtype: 'f64', context: ctx })).not.toThrow();
    setAllocationLimit(12, 'cpu', ctx);
    expect(() => add(zeros([2], { context: ctx }), 1).add(zeros([3, 1], { context: ctx }))).toThrow(
      /add: a f32 tensor of shape \[3, 2\] needs 24 bytes/,
    );
    setAllocationLimit(undefined, 'cpu', ctx);
    expect(ctx.allocationLimit('cpu')).toBe(defaultCpuAllocationLimit());
    expect(() => setAllocationLimit(-1, 'cpu', ctx)).toThrow(/setAllocationLimit/);
  });

  it('views take no memory and are never refused', () => {
    const ctx = createContext({ allocationLimit: 64 });
    const x = ones([1], { context: ctx });
    expect(expand(x, [1e5, 1e5]).shape).toEqual([1e5, 1e5]);
  });

  it('creation fills one array of the storage format (no f64 staging copy)', () => {
    const ctx = new Context(new CpuBackend({ simd: false }));
    const n = 2 ** 24; // 64 MiB of f32
    const before = process.memoryUsage().arrayBuffers;
    const t = ones([n], { context: ctx });
    const grown = process.memoryUsage().arrayBuffers - before;
    // A staging Float64Array plus a copy would be 3× the tensor; garbage collection can only
    // lower this figure, never raise it.
    expect(grown).toBeLessThan(1.5 * 4 * n);
    expect(t.dataSync()[n - 1]).toBe(1);
    t.dispose();
  });
});

describe('integer semantics (#23 item 2)', () => {
  const ctx = createContext();
  const i32 = (v: number[]) => tensor(v, { dtype: 'i32', context: ctx });
  const values = (t: Tensor) => [...t.dataSync()];

  it('i32 creation rejects out-of-range, NaN and fractional values instead of wrapping or zeroing', () => {
    expect(errorOf(() => i32([3e9])).message).toMatch(/tensor: element 0 is 3000000000.*outside i32's range/);
    expect(errorOf(() => i32([1, Number.NaN])).message).toMatch(/tensor: element 1 is NaN/);
    expect(errorOf(() => i32([1.5])).message).toMatch(/tensor: element 0 is 1.5.*not an integer/);
    expect(
      errorOf(() => tensor(new Float32Array([Number.POSITIVE_INFINITY]), { dtype: 'i32', context: ctx })).op,
    ).toBe('tensor');
    expect(errorOf(() => full([2], 2 ** 31, { dtype: 'i32', context: ctx })).message).toMatch(
      /full: the fill value/,
    );
    expect(errorOf(() => arange(0, 1, 0.5, { dtype: 'i32', context: ctx })).op).toBe('arange');
    expect(values(i32([2 ** 31 - 1, -(2 ** 31)]))).toEqual([2147483647, -2147483648]);
  });

  it('randint validates its bounds against i32', () => {
    expect(errorOf(() => randint(0, 2 ** 40, [4], { context: ctx })).message).toMatch(
      /randint: bounds \[0, 1099511627776\)/,
    );
    expect(errorOf(() => randint(-(2 ** 31) - 1, 0, [4], { context: ctx })).op).toBe('randint');
    const r = values(randint(-(2 ** 31), 2 ** 31, [1000], { context: ctx }));
    expect(r.every((v) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31)).toBe(true);
    expect(r.some((v) => v < 0) && r.some((v) => v > 0)).toBe(true);
  });

  it("i32 arithmetic wraps in two's complement, as PyTorch int32 does", () => {
    const m = 2 ** 31 - 1;
    // (2^31−1)² = 2^62 − 2^32 + 1 ≡ 1 (mod 2^32).
    expect(values(mul(i32([m]), i32([m])))).toEqual([1]);
    expect(wrap32(BigInt(m) * BigInt(m))).toBe(1);
    // 65536² = 2^32 ≡ 0; 46341² = 2147488281 ≡ 2147488281 − 2^32 = −2147479015.
    expect(values(mul(i32([65536, 46341]), i32([65536, 46341])))).toEqual([0, -2147479015]);
    expect(values(square(i32([46341, -46341])))).toEqual([-2147479015, -2147479015]);
    expect(values(add(i32([m, 5]), i32([1, -7])))).toEqual([-(2 ** 31), -2]);
    expect(values(sub(i32([-(2 ** 31)]), i32([1])))).toEqual([m]);
    // 3^20 = 3486784401 ≡ 3486784401 − 2^32 = −808182895; 2^31 ≡ −2^31; 2^32 ≡ 0; (−2)^3 = −8.
    expect(values(pow(i32([3, 2, 2, -2, 7]), i32([20, 31, 32, 3, 0])))).toEqual([
      -808182895,
      -(2 ** 31),
      0,
      -8,
      1,
    ]);
    expect(wrap32(3n ** 20n)).toBe(-808182895);
  });

  it('an i32 scalar operand outside i32 is an error of the op', () => {
    expect(errorOf(() => add(i32([1]), 2 ** 40)).message).toMatch(/add: the scalar operand is 1099511627776/);
  });

  it('i32 to a negative integer power is an error, as in PyTorch', () => {
    expect(errorOf(() => pow(i32([2]), -1)).message).toMatch(
      /pow: Integers to negative integer powers are not allowed/,
    );
    expect(errorOf(() => pow(i32([2, 3]), i32([1, -1]))).message).toMatch(
      /pow: Integers to negative integer powers are not allowed/,
    );
  });

  it('i32 sums accumulate exactly and refuse a result outside i32', () => {
    const m = 2 ** 31 - 1;
    const e = errorOf(() => sum(i32([m, 1])));
    expect(e.message).toMatch(/sum: the i32 result at output index 0 is 2147483648, outside i32's range/);
    // Partial sums leave i32, the total does not: exact (PyTorch widens to int64 and gets the same).
    expect(values(sum(i32([m, 1, -1])))).toEqual([m]);
    expect(values(sum(i32([m, m, -m, -m, 3])))).toEqual([3]);
    expect(errorOf(() => prod(i32([65536, 65536]))).op).toBe('prod');
    expect(values(prod(i32([65536, 32767])))).toEqual([2147418112]);
    expect(errorOf(() => cumsum(i32([m, 1]), 0)).op).toBe('cumsum');
    expect(values(sum(tensor([true, true, true], { context: ctx })))).toEqual([3]);
  });

  it('bool arithmetic follows PyTorch: + and maximum are or, * and minimum are and, − is an error', () => {
    const a = tensor([true, true, false, false], { context: ctx });
    const b = tensor([true, false, true, false], { context: ctx });
    const s = add(a, b);
    expect(s.dtype).toBe('bool');
    expect(values(s)).toEqual([1, 1, 1, 0]);
    expect(values(mul(a, b))).toEqual([1, 0, 0, 0]);
    expect(values(maximum(a, b))).toEqual([1, 1, 1, 0]);
    expect(values(minimum(a, b))).toEqual([1, 0, 0, 0]);
    expect(add(a, true).dtype).toBe('bool');
    expect(errorOf(() => sub(a, b)).message).toMatch(/sub: subtracting two bool tensors is not supported/);
    expect(errorOf(() => pow(a, b)).op).toBe('pow');
    // A bool and an integer number promote to i32, as in PyTorch.
    const n = add(a, 1);
    expect(n.dtype).toBe('i32');
    expect(values(n)).toEqual([2, 2, 1, 1]);
  });

  it('float → i32 casts truncate toward zero and wrap mod 2^32; NaN and ±Inf become 0 (documented)', () => {
    const x = tensor([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 3e9, -2.7, 2.7], {
      dtype: 'f64',
      context: ctx,
    });
    // 3e9 − 2^32 = −1294967296.
    expect(values(cast(x, 'i32'))).toEqual([0, 0, 0, -1294967296, -2, 2]);
  });
});

describe('tidy with an async function (#23 item 3)', () => {
  async function unhandledDuring(fn: () => void): Promise<unknown[]> {
    const seen: unknown[] = [];
    const listener = (reason: unknown) => seen.push(reason);
    process.on('unhandledRejection', listener);
    try {
      fn();
      // Let the promise settle and Node report unhandled rejections (they fire after microtasks).
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', listener);
    }
    return seen;
  }

  it('an async function is refused before it runs, with no unhandled rejection', async () => {
    const ctx = createContext();
    let ran = false;
    const seen = await unhandledDuring(() => {
      const e = errorOf(() =>
        tidy(async () => {
          ran = true;
          await null;
          throw new Error('inside');
        }, ctx),
      );
      expect(e.message).toMatch(/tidy: fn is an async function, but tidy is synchronous/);
    });
    expect(ran).toBe(false);
    expect(seen).toEqual([]);
  });

  it('a function returning a promise that rejects: a clear error, its tensors disposed, no unhandled rejection', async () => {
    const ctx = createContext();
    const seen = await unhandledDuring(() => {
      const e = errorOf(() =>
        tidy(() => {
          const t = ones([4], { context: ctx });
          return Promise.resolve().then(() => t.add(1)); // t is disposed by then: this rejects
        }, ctx),
      );
      expect(e.message).toMatch(/tidy: fn returned a Promise/);
    });
    expect(seen).toEqual([]);
    expect(memory(ctx).tensors).toBe(0);
  });
});
