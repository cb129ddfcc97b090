import { describe, expect, it } from 'vitest';
import { createContext } from './default-context.js';
import { DTYPES } from './dtype.js';
import { arange, full, ones, rand, randn, tensor, zeros, zerosLike } from './ops/creation.js';
import { concat, stack } from './ops/joining.js';
import { argmax, norm, sum, variance } from './ops/reduce.js';
import { softmax } from './ops/softmax.js';
import { reshape } from './ops/views.js';

const context = createContext();
const o = { context };

/** A 2×3×4 tensor of 0..23 and its values as nested arrays, built apart from the code under test. */
const x234 = () => arange(24, undefined, 1, o).reshape([2, 3, 4]);
const naive234 = Array.from({ length: 2 }, (_, i) =>
  Array.from({ length: 3 }, (_, j) => Array.from({ length: 4 }, (_, k) => i * 12 + j * 4 + k)),
);

describe('variadic shapes, as PyTorch takes them', () => {
  it('reshape(4, 2), view(4, 2) and reshape(8) equal the array forms', () => {
    const x = arange(8, undefined, 1, o);
    const rows = [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ];
    expect(x.reshape(4, 2).tolist()).toEqual(rows);
    expect(x.view(4, 2).tolist()).toEqual(rows);
    expect(x.view(-1, 2).shape).toEqual([4, 2]);
    expect(x.reshape(4, 2).reshape(8).tolist()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(reshape(x, 2, 4).shape).toEqual([2, 4]);
    expect(x.reshape([2, 4]).shape).toEqual([2, 4]);
  });

  it('permute(2, 0, 1) moves axes like the naive index map out[k][i][j] = x[i][j][k]', () => {
    const p = x234().permute(2, 0, 1);
    expect(p.shape).toEqual([4, 2, 3]);
    const want = Array.from({ length: 4 }, (_, k) =>
      Array.from({ length: 2 }, (_, i) => Array.from({ length: 3 }, (_, j) => naive234[i][j][k])),
    );
    expect(p.tolist()).toEqual(want);
    expect(x234().permute([2, 0, 1]).tolist()).toEqual(want);
  });

  it('expand, repeat and tile take numbers too', () => {
    const r = tensor([1, 2], o);
    expect(r.expand(2, 2).tolist()).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(r.repeat(2, 2).tolist()).toEqual([
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
    expect(r.tile(3).tolist()).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it('a shape that is neither an array nor numbers is an error naming the op', () => {
    const x = arange(8, undefined, 1, o);
    const bad = x as unknown as { reshape: (...a: unknown[]) => unknown; view: (...a: unknown[]) => unknown };
    expect(() => bad.reshape('8')).toThrow(
      /^reshape: expected a shape as one array \(\[4, 2\]\) or as numbers/,
    );
    expect(() => bad.view([4], 2)).toThrow(/^view: expected a shape/);
    expect(() => x.reshape(3, 3)).toThrow(/^reshape: cannot reshape a tensor of shape \[8\]/);
  });
});

describe('dtype names', () => {
  const aliases: [string, string][] = [
    ['float32', 'f32'],
    ['float', 'f32'],
    ['float64', 'f64'],
    ['double', 'f64'],
    ['float16', 'f16'],
    ['half', 'f16'],
    ['bfloat16', 'bf16'],
    ['int32', 'i32'],
    ['int', 'i32'],
    ['bool', 'bool'],
  ];
  it.each(aliases)("'%s' is %s in creation, cast and to", (name, canonical) => {
    const alias = name as 'float32';
    expect(zeros([2], { ...o, dtype: alias }).dtype).toBe(canonical);
    expect(tensor([1, 0], { ...o, dtype: alias }).dtype).toBe(canonical);
    expect(ones([1], o).cast(alias).dtype).toBe(canonical);
    expect(ones([1], o).to(name).dtype).toBe(canonical);
  });

  it("to({ dtype }) and to({ device, dtype }) as PyTorch's keywords; a name that is neither is an error", () => {
    const x = tensor([1.5, -2], o);
    const d = x.to({ dtype: 'float64' });
    expect([d.dtype, d.device, d.tolist()]).toEqual(['f64', 'cpu', [1.5, -2]]);
    const i = x.to({ device: 'cpu', dtype: 'int32' });
    expect([i.dtype, i.tolist()]).toEqual(['i32', [1, -2]]); // truncation toward zero, as PyTorch casts
    expect(x.to({ device: 'cpu' }).dtype).toBe('f32');
    expect(() => x.to({ dtype: 'float32', copy: true } as never)).toThrow(/^to: unknown option 'copy'/);
    expect(() => x.to('cuda')).toThrow(
      /^to: 'cuda' is neither a dtype \(f32, .*\) nor a registered device \(cpu\)$/,
    );
  });

  it('every canonical name still works', () => {
    for (const d of DTYPES) expect(zeros([1], { ...o, dtype: d }).dtype).toBe(d);
  });

  it('an unknown dtype lists the accepted names; int64 says what to use instead', () => {
    expect(() => zeros([2], { ...o, dtype: 'float8' as 'f32' })).toThrow(
      "zeros: unknown dtype 'float8'; accepted: f32 (float32, float), f64 (float64, double), i32 (int32, int), bool, f16 (float16, half), bf16 (bfloat16)",
    );
    expect(() => tensor([1], { ...o, dtype: 'int64' as 'i32' })).toThrow(
      /^tensor: unknown dtype 'int64': 64-bit integers are not supported .*use 'int32'/,
    );
    expect(() => ones([1], o).cast('long' as 'i32')).toThrow(/^cast: unknown dtype 'long' for tensor \[1\]/);
  });
});

describe('unknown option keys are errors naming the op and the key', () => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      'tensor',
      () => tensor([1, 2], { ...o, requiresgrad: true } as never),
      /^tensor: unknown option 'requiresgrad' \(did you mean 'requiresGrad'\?\); accepted options: dtype, device, context, requiresGrad$/,
    ],
    ['zeros', () => zeros([2], { ...o, dtyp: 'f32' } as never), /^zeros: unknown option 'dtyp'/],
    ['full', () => full([2], 1, { ...o, shape: [2] } as never), /^full: unknown option 'shape'/],
    ['randn', () => randn([2], { ...o, seed: 1 } as never), /^randn: unknown option 'seed'/],
    ['rand', () => rand([2], { ...o, requires_grad: true } as never), /did you mean 'requiresGrad'/],
    [
      'zerosLike',
      () => zerosLike(ones([1], o), { shape: [2] } as never),
      /^zerosLike: unknown option 'shape'/,
    ],
    [
      'sum',
      () => ones([2, 2], o).sum({ axis: 1 } as never),
      /^sum: unknown option 'axis' \(did you mean 'dim'\?\); accepted options: dim, keepdim$/,
    ],
    [
      'mean keepDim',
      () => ones([2, 2], o).mean({ dim: 1, keepDim: true } as never),
      /did you mean 'keepdim'/,
    ],
    [
      'var',
      () => ones([2, 2], o).var({ dim: 0, unbiased: false } as never),
      /^var: unknown option 'unbiased'/,
    ],
    [
      'max keepDims',
      () => ones([2, 2], o).max({ dim: 1, keepDims: true } as never),
      /did you mean 'keepdim'/,
    ],
    ['argmax', () => ones([2, 2], o).argmax({ axis: 0 } as never), /^argmax: unknown option 'axis'/],
    ['softmax', () => ones([2, 2], o).softmax({ axis: 0 } as never), /^softmax: unknown option 'axis'/],
    ['gelu', () => ones([2], o).gelu({ approx: 'tanh' } as never), /^gelu: unknown option 'approx'/],
    ['softplus', () => ones([2], o).softplus({ Beta: 2 } as never), /did you mean 'beta'/],
    ['pad', () => ones([2], o).pad([1, 1], { fill: 0 } as never), /^pad: unknown option 'fill'/],
    [
      'maxPool2d',
      () => ones([1, 1, 2, 2], o).maxPool2d({ kernelSize: 2, ceilMode: true } as never),
      /^maxPool2d: unknown option 'ceilMode'/,
    ],
    [
      'conv2d',
      () => ones([1, 1, 2, 2], o).conv2d(ones([1, 1, 1, 1], o), undefined, { strides: 1 } as never),
      /^conv2d: unknown option 'strides'/,
    ],
    [
      'oneHot',
      () => tensor([0], { ...o, dtype: 'i32' }).oneHot(2, { type: 'f32' } as never),
      /^oneHot: unknown/,
    ],
    ['backward', () => ones([1], o).backward({ retain_graph: true } as never), /did you mean 'retainGraph'/],
    [
      'createContext',
      () => createContext({ threads: 2 } as never),
      /^createContext: unknown option 'threads'/,
    ],
  ];
  it.each(cases)('%s', (_, f, re) => {
    expect(f).toThrow(re);
  });
});

describe('requiresGrad at creation needs a gradient engine', () => {
  it('says how to enable one, before allocating anything', () => {
    const ctx = createContext();
    const before = ctx.memory().tensors;
    expect(() => tensor([1, 2], { context: ctx, requiresGrad: true })).toThrow(
      /^tensor: this tensor's context has no gradient engine; call enableAutograd\(\) from @tessera\/autograd/,
    );
    expect(ctx.memory().tensors).toBe(before);
    expect(() => ones([1], { context: ctx }).backward()).toThrow(
      /^backward: this tensor's context has no gradient engine/,
    );
    expect(() => ones([1], { context: ctx }).requiresGrad_()).toThrow(/^requiresGrad_: .*no gradient engine/);
  });

  it('an engine hears about the leaves; integer leaves are refused first', () => {
    const ctx = createContext();
    const marked: number[] = [];
    ctx.setGradientEngine({
      name: 'test engine',
      attach: () => {},
      setRequiresGrad: (t, flag) => {
        marked.push(t.id);
        t.requiresGrad = flag;
      },
      backward: () => {},
      detach: (t) => t,
    });
    const a = randn([2], { context: ctx, requiresGrad: true });
    expect([a.requiresGrad, marked]).toEqual([true, [a.id]]);
    expect(() => zeros([2], { context: ctx, dtype: 'int32', requiresGrad: true })).toThrow(
      /^zeros: only floating tensors take gradients; requiresGrad was asked of a i32 tensor/,
    );
    expect(() => ctx.setGradientEngine({ ...ctx.gradientEngine!, name: 'other' })).toThrow(
      /^setGradientEngine: this context already differentiates with test engine/,
    );
  });
});

describe('.T, .mT and tolist', () => {
  it('T transposes a matrix and reverses the dims otherwise (PyTorch)', () => {
    const m = arange(6, undefined, 1, o).reshape(2, 3);
    expect(m.T.tolist()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    const t = x234().T;
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.tolist()).toEqual(
      Array.from({ length: 4 }, (_, k) =>
        Array.from({ length: 3 }, (_, j) => Array.from({ length: 2 }, (_, i) => naive234[i][j][k])),
      ),
    );
    expect(tensor([1, 2], o).T.tolist()).toEqual([1, 2]);
  });

  it('mT swaps the last two dims; it needs rank 2', () => {
    expect(x234().mT.shape).toEqual([2, 4, 3]);
    expect((x234().mT.tolist() as number[][][])[1][3]).toEqual([15, 19, 23]);
    expect(() => tensor([1], o).mT).toThrow(/^mT: needs a tensor of rank 2 or more, got shape \[1\]/);
  });

  it('tolist gives nested numbers, booleans for bool, a number for 0-d', () => {
    expect(x234().tolist()).toEqual(naive234);
    expect(tensor([true, false], o).tolist()).toEqual([true, false]);
    expect(tensor(2.5, o).tolist()).toBe(2.5);
  });
});

describe('dim and keepdim as options, positional forms unchanged', () => {
  /** Sums over axis 1 of naive234, computed by hand. */
  const sum1 = naive234.map((m) => [0, 1, 2, 3].map((k) => m.reduce((s, row) => s + row[k], 0)));

  it('sum({ dim: 1 }) and sum({ dim: 1, keepdim: true }) equal sum(1) and sum(1, true)', () => {
    const x = x234();
    expect(x.sum({ dim: 1 }).tolist()).toEqual(sum1);
    expect(x.sum({ dim: 1, keepdim: true }).tolist()).toEqual(sum1.map((r) => [r]));
    expect(x.sum(1).tolist()).toEqual(sum1);
    expect(x.sum(1, true).shape).toEqual([2, 1, 4]);
    expect(sum(x, { dim: [0, 2] }).tolist()).toEqual([0, 1, 2].map((j) => 2 * 4 * (4 * j + 1.5) + 2 * 4 * 6));
    expect(x.sum({}).tolist()).toBe((23 * 24) / 2);
  });

  it('mean, max, min, prod, logsumexp take the same options', () => {
    const x = x234();
    expect(x.mean({ dim: -1 }).tolist()).toEqual(naive234.map((m) => m.map((r) => r[0] + 1.5)));
    expect(x.max({ dim: 0 }).tolist()).toEqual(naive234[1]);
    expect(x.min({ dim: 0, keepdim: true }).tolist()).toEqual([naive234[0]]);
    expect(tensor([1, 2, 3, 4], o).prod({ dim: 0 }).tolist()).toBe(24);
    expect(tensor([0, 0], o).logsumexp({ dim: 0 }).tolist()).toBeCloseTo(Math.LN2, 6);
  });

  it('argmax, var, std, norm, softmax and cumsum', () => {
    const y = tensor(
      [
        [1, 5, 2],
        [7, 0, 3],
      ],
      o,
    );
    expect(y.argmax({ dim: 1 }).tolist()).toEqual([1, 0]);
    expect(argmax(y, { dim: 0, keepdim: true }).tolist()).toEqual([[1, 0, 1]]);
    // Population variance of each row: mean 8/3 and 10/3.
    const pv = (r: number[]) => r.reduce((s, v) => s + (v - r.reduce((a, b) => a + b) / 3) ** 2, 0) / 3;
    const vr = variance(y, { dim: 1, correction: 0 }).tolist() as number[];
    expect(vr[0]).toBeCloseTo(pv([1, 5, 2]), 5);
    expect(vr[1]).toBeCloseTo(pv([7, 0, 3]), 5);
    expect(y.var(1, { correction: 0 }).tolist()).toEqual(vr);
    expect(y.std({ dim: 1, keepdim: true }).shape).toEqual([2, 1]);
    expect(norm(y, { p: 1, dim: 0 }).tolist()).toEqual([8, 5, 5]);
    const n2 = y.norm({ dim: 1 }).tolist() as number[];
    expect(n2[0]).toBeCloseTo(Math.sqrt(30), 5);
    expect(n2[1]).toBeCloseTo(Math.sqrt(58), 5);
    const s = softmax(tensor([0, 0], o), { dim: 0 }).tolist();
    expect(s).toEqual([0.5, 0.5]);
    expect(y.cumsum({ dim: 1 }).tolist()).toEqual([
      [1, 6, 8],
      [7, 7, 10],
    ]);
  });

  it('concat, stack, split and chunk take { dim }; clamp takes { min, max }', () => {
    const a = tensor([[1, 2]], o);
    const b = tensor([[3, 4]], o);
    expect(concat([a, b], { dim: 1 }).tolist()).toEqual([[1, 2, 3, 4]]);
    expect(stack([a, b], { dim: 2 }).tolist()).toEqual([
      [
        [1, 3],
        [2, 4],
      ],
    ]);
    expect(
      concat([a, b], { dim: 1 })
        .split(1, { dim: 1 })
        .map((t) => t.tolist()),
    ).toEqual([[[1]], [[2]], [[3]], [[4]]]);
    expect(
      concat([a, b])
        .chunk(2, { dim: 0 })
        .map((t) => t.tolist()),
    ).toEqual([[[1, 2]], [[3, 4]]]);
    expect(tensor([-1, 0.5, 2], o).clamp({ min: 0 }).tolist()).toEqual([0, 0.5, 2]);
    expect(tensor([-1, 0.5, 2], o).clamp({ max: 1 }).tolist()).toEqual([-1, 0.5, 1]);
    expect(() => tensor([1], o).clamp({ lo: 0 } as never)).toThrow(/^clamp: unknown option 'lo'/);
    expect(() => concat([a, b], { axis: 1 } as never)).toThrow(
      /^concat: unknown option 'axis' \(did you mean 'dim'\?\); accepted options: dim$/,
    );
  });

  it('keepdim twice, or a bad dim argument, is an error naming the op', () => {
    const x = x234();
    expect(() => x.sum({ dim: 1 }, true)).toThrow(/^sum: give keepdim once/);
    expect(() => x.sum('1' as never)).toThrow(/^sum: expected an axis, a list of axes or \{ dim, keepdim \}/);
    expect(() => x.sum({ dim: 3 })).toThrow(/^sum: axis 3 is out of range for a tensor of rank 3/);
    expect(() => x.mean({ keepdim: 1 } as never)).toThrow(/^mean: keepdim must be a boolean/);
  });
});
