import { backward } from '@tessera/autograd';
import { type Context, createContext, keep, memory, randn, tensor, tidy } from '@tessera/core';
import { Conv2d, crossEntropy, Linear, MLP, Module } from '@tessera/nn';
import { Adam, SGD } from '@tessera/optim';
import { describe, expect, it } from 'vitest';
import {
  activationBytesPerLayer,
  bytesPerParameter,
  countDecoderParameters,
  modelStateBytes,
  planTraining,
  zeroBytesPerRank,
} from './index.js';

describe('bytes per parameter', () => {
  it('mixed-precision Adam keeps 2 + 2 + 12 = 16 bytes (ZeRO paper, §3.1)', () => {
    expect(bytesPerParameter('adam', 'mixed-f16')).toEqual({
      weights: 2,
      gradients: 2,
      optimizer: 12,
      total: 16,
    });
    expect(bytesPerParameter('adamw', 'mixed-bf16').total).toBe(16);
  });
  it('f32 training: 4 + 4 and 0, 4 or 8 bytes of state', () => {
    expect(bytesPerParameter('sgd').total).toBe(8);
    expect(bytesPerParameter('sgd-momentum').total).toBe(12);
    expect(bytesPerParameter('adam').total).toBe(16);
    expect(bytesPerParameter('sgd', 'mixed-f16')).toEqual({
      weights: 2,
      gradients: 2,
      optimizer: 4,
      total: 8,
    });
  });
  it('names unknown optimizers and precisions', () => {
    expect(() => bytesPerParameter('lamb' as never)).toThrow(/bytesPerParameter.*'lamb'/);
    expect(() => bytesPerParameter('adam', 'f8' as never)).toThrow(/bytesPerParameter.*'f8'/);
  });
});

describe('ZeRO per rank', () => {
  // Rajbhandari et al. (2020), Figure 1: a 7.5B-parameter model with mixed-precision Adam on 64 ranks
  // needs 120 GB, 31.4 GB, 16.6 GB and 1.9 GB per rank at stages 0–3.
  const psi = 7.5e9;
  const per = bytesPerParameter('adam', 'mixed-f16');
  it.each([
    [0, 120],
    [1, 31.4],
    [2, 16.6],
    [3, 1.9],
  ] as const)('stage %i: %f GB as in the paper', (stage, gb) => {
    expect(zeroBytesPerRank(psi, per, 64, stage).total / 1e9).toBeCloseTo(gb, 1);
  });
  it('matches 4Ψ + 12Ψ/N, 2Ψ + 14Ψ/N and 16Ψ/N exactly when N divides Ψ', () => {
    const p = 1_000_008;
    for (const n of [1, 2, 8]) {
      expect(zeroBytesPerRank(p, per, n, 1).total).toBe(4 * p + (12 * p) / n);
      expect(zeroBytesPerRank(p, per, n, 2).total).toBe(2 * p + (14 * p) / n);
      expect(zeroBytesPerRank(p, per, n, 3).total).toBe((16 * p) / n);
    }
  });
  it('counts the largest shard when N does not divide Ψ', () => {
    expect(zeroBytesPerRank(10, per, 3, 3).total).toBe(4 * 16);
  });
  it('rejects bad ranks and stages', () => {
    expect(() => zeroBytesPerRank(10, per, 0, 1)).toThrow(/zeroBytesPerRank.*ranks.*0/);
    expect(() => zeroBytesPerRank(10, per, 2, 4 as never)).toThrow(/stage/);
  });
});

describe('decoder parameter counts', () => {
  it('Llama 2 7B: 6,738,415,616 (its published count)', () => {
    const c = { layers: 32, hidden: 4096, heads: 32, ffn: 11008, vocab: 32000 };
    expect(countDecoderParameters(c).total).toBe(6_738_415_616);
  });
  it('Llama 2 70B with 8 key/value heads: 68,976,648,192', () => {
    const c = { layers: 80, hidden: 8192, heads: 64, kvHeads: 8, ffn: 28672, vocab: 32000 };
    expect(countDecoderParameters(c).total).toBe(68_976_648_192);
  });
  it('Mixtral 8×7B: 46,702,792,704 in all, 12,879,925,248 active with top-2', () => {
    const c = {
      layers: 32,
      hidden: 4096,
      heads: 32,
      kvHeads: 8,
      ffn: 14336,
      vocab: 32000,
      moe: { experts: 8, topK: 2 },
    };
    const n = countDecoderParameters(c);
    expect(n.total).toBe(46_702_792_704);
    expect(n.active).toBe(12_879_925_248);
  });
  it('GPT-2 small (tied, GELU, layer norm, biases, 1,024 learned positions excluded): 124,439,808 − 786,432', () => {
    // GPT-2 small has 124,439,808 parameters including 1,024 × 768 learned position embeddings.
    const c = {
      layers: 12,
      hidden: 768,
      heads: 12,
      ffn: 3072,
      ffnKind: 'gelu' as const,
      vocab: 50257,
      tiedEmbeddings: true,
      norm: 'layer' as const,
      bias: true,
    };
    expect(countDecoderParameters(c).total).toBe(124_439_808 - 1024 * 768);
  });
  it('rejects heads that do not divide into key/value groups', () => {
    expect(() =>
      countDecoderParameters({ layers: 1, hidden: 64, heads: 4, kvHeads: 3, ffn: 8, vocab: 4 }),
    ).toThrow(/countDecoderParameters.*heads \(4\).*kvHeads \(3\)/);
  });
});

describe('activations per layer (Korthikanti et al. 2022)', () => {
  const shapes = [
    { seq: 2048, batch: 1, hidden: 12288, heads: 96 },
    { seq: 512, batch: 8, hidden: 1024, heads: 16 },
    { seq: 64, batch: 3, hidden: 96, heads: 4 },
  ];
  it.each(shapes)(
    'no recomputation: s·b·h·(34 + 5·a·s/h) at %o',
    ({ seq: s, batch: b, hidden: h, heads: a }) => {
      const got = activationBytesPerLayer({ seq: s, batch: b, hidden: h, heads: a, dropout: true }).total;
      expect(got).toBeCloseTo(s * b * h * (34 + (5 * a * s) / h), 6);
    },
  );
  it.each(shapes)(
    'selective recomputation 34·s·b·h, full 2·s·b·h at %o',
    ({ seq: s, batch: b, hidden: h, heads: a }) => {
      const c = { seq: s, batch: b, hidden: h, heads: a, dropout: true };
      expect(activationBytesPerLayer({ ...c, recompute: 'selective' }).total).toBe(34 * s * b * h);
      expect(activationBytesPerLayer({ ...c, recompute: 'full' }).total).toBe(2 * s * b * h);
    },
  );
  it('flash attention has no s² term, only 4 bytes of log-sum-exp per row and head', () => {
    const c = { seq: 4096, batch: 2, hidden: 1024, heads: 8, dropout: true };
    const flash = activationBytesPerLayer({ ...c, flash: true });
    expect(flash.quadratic).toBe(0);
    expect(flash.total).toBe(34 * 4096 * 2 * 1024 + 4 * 8 * 4096 * 2);
  });
  it('names bad sizes', () => {
    expect(() => activationBytesPerLayer({ seq: 0, batch: 1, hidden: 8, heads: 2 })).toThrow(
      /activationBytesPerLayer.*seq/,
    );
  });
});

describe('planTraining', () => {
  it('rows add model state and activations per rank', () => {
    const config = { layers: 32, hidden: 4096, heads: 32, ffn: 11008, vocab: 32000 };
    const plan = planTraining(config, {
      optimizer: 'adamw',
      precision: 'mixed-bf16',
      ranks: 8,
      seq: 4096,
      microBatch: 1,
      flash: true,
    });
    const psi = 6_738_415_616;
    expect(plan.rows[0].weights + plan.rows[0].gradients + plan.rows[0].optimizer).toBe(16 * psi);
    expect(plan.rows[3].optimizer).toBe(12 * Math.ceil(psi / 8));
    for (const r of plan.rows) expect(r.total).toBe(r.weights + r.gradients + r.optimizer + plan.activations);
  });
});

describe('model state of a real model, measured', () => {
  class Cnn extends Module {
    readonly conv: Conv2d;
    readonly fc: Linear;
    constructor(context: Context) {
      super();
      this.conv = this.register('conv', new Conv2d(1, 8, 3, { context }));
      this.fc = this.register('fc', new Linear(8 * 6 * 6, 10, { context }));
    }
    forward(x: ReturnType<typeof randn>) {
      return this.fc.forward(
        this.conv
          .forward(x)
          .relu()
          .reshape([x.shape[0], 8 * 6 * 6]),
      );
    }
  }
  const cases = [
    ['MLP 64-32-10 with Adam', 'adam'],
    ['MLP 64-32-10 with SGD + momentum', 'sgd-momentum'],
    ['CNN with Adam', 'adam'],
  ] as const;
  it.each(cases)(
    '%s: predicted weights + gradients + state equal the bytes held after two steps',
    (name, kind) => {
      const context = createContext();
      const cnn = name.startsWith('CNN');
      const x = keep(cnn ? randn([4, 1, 8, 8], { context }) : randn([4, 64], { context }));
      const y = keep(tensor([1, 2, 3, 4], { dtype: 'i32', context }));
      const before = memory(context).bytes;
      const model = cnn ? new Cnn(context) : new MLP([64, 32, 10], { context });
      const params = model.parameters();
      const opt =
        kind === 'adam' ? new Adam(params, { lr: 1e-3 }) : new SGD(params, { lr: 1e-3, momentum: 0.9 });
      // Two steps: at the first, SGD's momentum buffer takes the gradient's storage (b₁ = g₁).
      for (let step = 0; step < 2; step++) {
        opt.zeroGrad();
        tidy(() => backward(crossEntropy(model.forward(x), y)), context);
        opt.step();
      }
      const measured = memory(context).bytes - before;
      const predicted = modelStateBytes(model, kind);
      expect(predicted.total).toBe(measured);
    },
  );
});
