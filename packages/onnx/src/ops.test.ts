import {
  abs,
  argmax,
  argmin,
  CORE_OP_NAMES,
  ceil,
  clamp,
  concat,
  cos,
  createContext,
  cumsum,
  erf,
  exp,
  expm1,
  flip,
  floor,
  gather,
  gelu,
  indexSelect,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  logSoftmax,
  logsumexp,
  manualSeed,
  max,
  maximum,
  mean,
  min,
  minimum,
  neg,
  norm,
  oneHot,
  pad,
  pow,
  prod,
  rand,
  randn,
  reciprocal,
  relu,
  repeat,
  round,
  rsqrt,
  sigmoid,
  sign,
  silu,
  sin,
  softmax,
  softplus,
  sqrt,
  square,
  std,
  sum,
  type Tensor,
  tanh,
  tensor,
  tril,
  triu,
  variance,
  where,
} from '@tessera/core';
import { Identity } from '@tessera/nn';
import { describe, expect, it } from 'vitest';
import { convertibleOps } from './converters/index.js';
import { exportOnnx } from './export.js';
import { runOnnx } from './testing/index.js';

/** Exports every function of x as one output of one model; returns max |onnxruntime − tessera| per name. */
async function differences(
  x: Tensor,
  fns: Record<string, (x: Tensor) => Tensor>,
  opset = 17,
): Promise<Record<string, number>> {
  const names = Object.keys(fns);
  const model = new Identity();
  const bytes = exportOnnx(model, {
    inputs: [{ name: 'x', shape: x.shape }],
    outputNames: names,
    opset,
    context: x.ctx,
    forward: (t) => names.map((n) => fns[n](t)),
  });
  const got = await runOnnx(bytes, { x });
  const out: Record<string, number> = {};
  for (const n of names) {
    const expected = fns[n](x);
    expect(got[n].shape, n).toEqual(expected.shape);
    const want = Array.from(expected.dataSync(), Number);
    out[n] = Math.max(0, ...got[n].data.map((v, i) => Math.abs(v - want[i])));
    if (Number.isNaN(out[n]) || got[n].data.some(Number.isNaN)) out[n] = Number.NaN;
  }
  return out;
}

const context = createContext();
manualSeed(7, context);

describe('exportOnnx: core ops', () => {
  it('elementwise ops agree with onnxruntime within 1e-4', async () => {
    const x = randn([3, 5], { context });
    const positive = (t: Tensor) => t.abs().add(0.5);
    const diffs = await differences(x, {
      neg,
      abs,
      exp,
      log: (t) => log(positive(t)),
      log1p: (t) => log1p(positive(t)),
      expm1,
      sqrt: (t) => sqrt(positive(t)),
      rsqrt: (t) => rsqrt(positive(t)),
      square,
      reciprocal: (t) => reciprocal(positive(t)),
      sin,
      cos,
      tanh,
      sigmoid,
      relu,
      gelu: (t) => gelu(t),
      geluTanh: (t) => gelu(t, { approximate: 'tanh' }),
      silu,
      softplus: (t) => softplus(t.mul(4), { beta: 2, threshold: 5 }),
      sign,
      floor: (t) => floor(t.mul(3)),
      ceil: (t) => ceil(t.mul(3)),
      round: (t) => round(t.mul(3)),
      clamp: (t) => clamp(t, -0.5, 0.7),
      erf,
      pow: (t) => pow(positive(t), t),
      maximum: (t) => maximum(t, t.flip(1)),
      minimum: (t) => minimum(t, t.flip(0)),
      div: (t) => t.div(positive(t.flip(1))),
      compare: (t) =>
        where(logicalOr(logicalAnd(t.gt(0), t.le(1)), logicalNot(t.ne(t.flip(1)))), t, t.lt(-1).cast('f32')),
      integer: (t) => t.mul(10).cast('i32').add(3).mul(t.ge(0).cast('i32')).cast('f32'),
    });
    for (const [name, d] of Object.entries(diffs)) expect(d, name).toBeLessThan(1e-4);
  });

  it('reductions, softmax and index results agree, with the axes as attribute (opset 17) and as input (18)', async () => {
    const x = randn([2, 3, 4], { context });
    for (const opset of [17, 18]) {
      const diffs = await differences(
        x,
        {
          sum: (t) => sum(t, [0, 2]),
          mean: (t) => mean(t, -1, true),
          prod: (t) => prod(t, 1),
          max: (t) => max(t, [1, 2]),
          min: (t) => min(t),
          var: (t) => variance(t, 2, { correction: 1 }),
          std: (t) => std(t, [0, 1], { correction: 0, keepdim: true }),
          logsumexp: (t) => logsumexp(t, 1),
          l1: (t) => norm(t, 1, 2),
          l2: (t) => norm(t, 2, [0, 2]),
          l3: (t) => norm(t, 3, 1),
          lInf: (t) => norm(t, Number.POSITIVE_INFINITY, 2),
          argmax: (t) => argmax(t, 2).cast('f32'),
          argminFlat: (t) => argmin(t).cast('f32'),
          cumsum: (t) => cumsum(t, 1),
          softmax: (t) => softmax(t, 1),
          logSoftmax: (t) => logSoftmax(t),
        },
        opset,
      );
      for (const [name, d] of Object.entries(diffs)) expect(d, `${name} (opset ${opset})`).toBeLessThan(1e-4);
    }
  });

  it('views, joins and index ops agree', async () => {
    const x = rand([3, 4, 5], { context });
    const idx = tensor([2, 0, 1, 1], [4], { dtype: 'i32', context });
    const gatherIdx = tensor(
      Array.from({ length: 3 * 4 * 2 }, (_, i) => (i * 7) % 5),
      [3, 4, 2],
      { dtype: 'i32', context },
    );
    const diffs = await differences(x, {
      reshape: (t) => t.reshape([12, 5]),
      permute: (t) => t.permute([2, 0, 1]),
      slice: (t) => t.slice(2, 1, 5, 2),
      expand: (t) => t.slice(0, 0, 1).expand([4, 4, 5]),
      concat: (t) => concat([t, t.mul(2)], 1),
      flip: (t) => flip(t, [0, 2]),
      repeat: (t) => repeat(t, [1, 2, 1]),
      tril: (t) => tril(t, 1),
      triu: (t) => triu(t, -1),
      gather: (t) => gather(t, 2, gatherIdx),
      indexSelect: (t) => indexSelect(t, 1, idx),
      oneHot: (t) => oneHot(argmax(t, 2), 5, { dtype: 'f32' }),
      padConstant: (t) => pad(t, [1, 2, 0, 1], { value: 0.5 }),
      padReflect: (t) => pad(t, [2, 1], { mode: 'reflect' }),
      padReplicate: (t) => pad(t, [1, 1, 2, 0], { mode: 'replicate' }),
      crop: (t) => pad(t, [-1, -2]),
      matmul: (t) => t.matmul(t.permute([0, 2, 1])),
    });
    for (const [name, d] of Object.entries(diffs)) expect(d, name).toBeLessThan(1e-4);
  });

  it('converts every forward op core defines; only gradient and scatter ops are left out', () => {
    const left = CORE_OP_NAMES.filter((n) => !convertibleOps().includes(n));
    expect(left.sort()).toEqual(
      [
        'avgPool2dBackward',
        'conv2dBackwardInput',
        'conv2dBackwardWeight',
        'maxPool2dBackward',
        'padBackward',
        'scatterAdd',
        'sliceScatter',
      ].sort(),
    );
  });
});
