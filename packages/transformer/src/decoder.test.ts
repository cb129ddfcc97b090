import { KVCache } from '@tessera/attention';
import { createContext, manualSeed, randn, type Tensor, tensor, tidy } from '@tessera/core';
import { Module, type ModuleOptions } from '@tessera/nn';
import { describe, expect, it } from 'vitest';
import { Decoder, DecoderBlock, type DecoderConfig } from './decoder.js';

const read = (t: Tensor): number[] => Array.from(t.contiguous().dataSync() as ArrayLike<number>);
const maxAbsDiff = (a: readonly number[], b: readonly number[]) => {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
};

/** Replaces every parameter by N(0, 0.5²) values (norm gains and biases included, so none is trivially 1 or 0). */
function randomize(m: Module, context: ReturnType<typeof createContext>): void {
  const dict = new Map<string, Tensor>();
  for (const [name, p] of m.namedParameters()) {
    dict.set(name, randn(p.shape, { dtype: p.dtype as 'f32' | 'f64', context }).mul(0.5));
  }
  m.loadStateDict(dict);
  for (const t of dict.values()) t.dispose();
}

// ---- A plain-array reference of one decoder block (batch 1), written from the formulas ----

type Vec = number[];
const matVec = (w: Vec, rows: number, cols: number, v: Vec): Vec =>
  Array.from({ length: rows }, (_, r) => v.reduce((acc, x, c) => acc + w[r * cols + c] * x, 0));
const rms = (v: Vec, g: Vec, eps = 1e-6): Vec => {
  const scale = 1 / Math.sqrt(v.reduce((a, x) => a + x * x, 0) / v.length + eps);
  return v.map((x, i) => x * scale * g[i]);
};
const layer = (v: Vec, g: Vec, b: Vec, eps = 1e-5): Vec => {
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  const variance = v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length;
  return v.map((x, i) => ((x - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
};
const rotate = (v: Vec, pos: number): Vec => {
  const d = v.length;
  const out = [...v];
  for (let t = 0; t < d / 2; t++) {
    const a = pos * 10000 ** ((-2 * t) / d);
    out[t] = v[t] * Math.cos(a) - v[t + d / 2] * Math.sin(a);
    out[t + d / 2] = v[t + d / 2] * Math.cos(a) + v[t] * Math.sin(a);
  }
  return out;
};
const silu = (x: number) => x / (1 + Math.exp(-x));

interface RefConfig {
  dim: number;
  heads: number;
  kvHeads: number;
  qkNorm: boolean;
  norm: 'rms' | 'layer';
  placement: 'pre' | 'post';
}

/** Causal GQA attention with 1-D rotary, optional QK-norm, and a SwiGLU, on rows x[s][dim]. */
function referenceBlock(x: Vec[], p: Map<string, Vec>, c: RefConfig): Vec[] {
  const { dim, heads, kvHeads } = c;
  const hd = dim / heads;
  const hidden = p.get('ffn.w1.weight')!.length / dim;
  const norm = (name: string, v: Vec) =>
    c.norm === 'rms'
      ? rms(v, p.get(`${name}.weight`)!)
      : layer(v, p.get(`${name}.weight`)!, p.get(`${name}.bias`)!);
  const attention = (rows: Vec[]): Vec[] => {
    const proj = (name: string, n: number) =>
      rows.map((r) => matVec(p.get(`attn.${name}.weight`)!, n * hd, dim, r));
    const q = proj('wq', heads);
    const k = proj('wk', kvHeads);
    const v = proj('wv', kvHeads);
    const head = (m: Vec[], h: number, i: number, which?: string) => {
      let u = m[i].slice(h * hd, (h + 1) * hd);
      if (c.qkNorm && which) u = rms(u, p.get(`attn.${which}.weight`)!);
      return which ? rotate(u, i) : u;
    };
    return rows.map((_, i) => {
      const concat: Vec = [];
      for (let h = 0; h < heads; h++) {
        const g = Math.floor(h / (heads / kvHeads));
        const qi = head(q, h, i, 'qNorm');
        const scores = Array.from({ length: i + 1 }, (_, j) => {
          const kj = head(k, g, j, 'kNorm');
          return qi.reduce((a, x, t) => a + x * kj[t], 0) / Math.sqrt(hd);
        });
        const top = Math.max(...scores);
        const w = scores.map((s) => Math.exp(s - top));
        const total = w.reduce((a, b) => a + b, 0);
        const o = new Array(hd).fill(0);
        w.forEach((wj, j) => {
          head(v, g, j).forEach((x, t) => {
            o[t] += (wj / total) * x;
          });
        });
        concat.push(...o);
      }
      return matVec(p.get('attn.wo.weight')!, dim, dim, concat);
    });
  };
  const ffn = (r: Vec): Vec => {
    const a = matVec(p.get('ffn.w1.weight')!, hidden, dim, r);
    const b = matVec(p.get('ffn.w3.weight')!, hidden, dim, r);
    return matVec(
      p.get('ffn.w2.weight')!,
      dim,
      hidden,
      a.map((x, i) => silu(x) * b[i]),
    );
  };
  const add = (a: Vec, b: Vec) => a.map((x, i) => x + b[i]);
  if (c.placement === 'pre') {
    const att = attention(x.map((r) => norm('attnNorm', r)));
    const h = x.map((r, i) => add(r, att[i]));
    return h.map((r) => add(r, ffn(norm('ffnNorm', r))));
  }
  const att = attention(x);
  const h = x.map((r, i) => add(r, norm('attnNorm', att[i])));
  return h.map((r) => add(r, norm('ffnNorm', ffn(r))));
}

describe('DecoderBlock against a plain-array reference', () => {
  const cases: RefConfig[] = [
    { dim: 16, heads: 4, kvHeads: 2, qkNorm: true, norm: 'rms', placement: 'pre' },
    { dim: 16, heads: 4, kvHeads: 2, qkNorm: true, norm: 'rms', placement: 'post' },
    { dim: 12, heads: 2, kvHeads: 1, qkNorm: false, norm: 'layer', placement: 'post' },
    { dim: 12, heads: 3, kvHeads: 3, qkNorm: false, norm: 'layer', placement: 'pre' },
  ];
  for (const c of cases) {
    it(`${c.placement}-norm (${c.norm}), QK-norm ${c.qkNorm}, ${c.heads}/${c.kvHeads} heads`, () => {
      const context = createContext();
      manualSeed(11, context);
      const config: DecoderConfig = {
        vocab: 5,
        layers: 1,
        dim: c.dim,
        heads: c.heads,
        kvHeads: c.kvHeads,
        qkNorm: c.qkNorm,
        norm: c.norm,
        normPlacement: c.placement,
        ffnHidden: 20,
      };
      const block = new DecoderBlock(config, 0, { dtype: 'f64', context });
      expect(block.attn.qNorm !== undefined).toBe(c.qkNorm);
      randomize(block, context);
      const s = 5;
      const x = randn([1, s, c.dim], { dtype: 'f64', context });
      const got = read(block.forward(x));
      const params = new Map(block.namedParameters().map(([n, t]) => [n, read(t)]));
      const rows = Array.from({ length: s }, (_, i) => read(x).slice(i * c.dim, (i + 1) * c.dim));
      const want = referenceBlock(rows, params, c).flat();
      expect(maxAbsDiff(got, want)).toBeLessThan(1e-9);
    });
  }
});

describe('Decoder', () => {
  const base: DecoderConfig = { vocab: 11, dim: 16, layers: 2, heads: 4, kvHeads: 2 };
  const variants: [string, DecoderConfig][] = [
    ['pre-norm RMS, learned + 1-D rotary positions, QK-norm', { ...base, maxLength: 12, qkNorm: true }],
    [
      'post-norm LayerNorm, 2-D rotary, tied head',
      { ...base, rotary: '2d', norm: 'layer', normPlacement: 'post', tied: true },
    ],
    ['no rotary, learned positions only', { ...base, rotary: 'none', maxLength: 12 }],
  ];
  for (const [name, config] of variants) {
    it(`KV-cache decoding gives the logits of full recomputation (${name})`, () => {
      const context = createContext();
      manualSeed(2, context);
      const model = new Decoder(config, { context });
      randomize(model, context);
      const seq = [1, 2, 3, 10, 4, 5, 6, 9, 7, 0];
      const rowCol =
        config.rotary === '2d' ? seq.map((_, i) => [Math.floor(i / 3), i % 3] as const) : undefined;
      const full = tidy(
        () =>
          read(model.forward(tensor(seq, [1, seq.length], { dtype: 'i32', context }), { positions: rowCol })),
        context,
      );
      const cache = new KVCache(config.layers);
      const steps: number[] = [];
      for (const [a, b] of [
        [0, 6],
        [6, 7],
        [7, 9],
        [9, 10],
      ]) {
        const logits = tidy(
          () =>
            read(
              model.forward(tensor(seq.slice(a, b), [1, b - a], { dtype: 'i32', context }), {
                cache,
                positions: rowCol?.slice(a, b),
              }),
            ),
          context,
        );
        steps.push(...logits);
      }
      expect(cache.length).toBe(seq.length);
      expect(maxAbsDiff(steps, full)).toBeLessThan(1e-5);
      cache.dispose();
    });
  }

  it('forwardEmbeddings(embed(tokens)) is forward(tokens); the tied head has no weights of its own', () => {
    const context = createContext();
    manualSeed(3, context);
    const tied = new Decoder({ ...base, tied: true, maxLength: 8 }, { context });
    const untied = new Decoder({ ...base, maxLength: 8 }, { context });
    expect(tied.head).toBeUndefined();
    expect(untied.numParameters() - tied.numParameters()).toBe(base.vocab * base.dim);
    const tokens = tensor([3, 1, 4, 1, 5, 9], [2, 3], { dtype: 'i32', context });
    expect(read(tied.forwardEmbeddings(tied.embed(tokens)))).toEqual(read(tied.forward(tokens)));
    // Learned positions: the same token at two positions embeds differently.
    const e = read(tied.embed(tensor([7, 7], [1, 2], { dtype: 'i32', context })));
    expect(maxAbsDiff(e.slice(0, 16), e.slice(16))).toBeGreaterThan(1e-3);
  });

  it('a pluggable feed-forward module is called in every block and changes the output', () => {
    const context = createContext();
    manualSeed(4, context);
    const calls: number[] = [];
    /** Adds a learned vector times a fixed gate to every position. */
    class Shift extends Module {
      readonly shift: Tensor;
      constructor(
        readonly layer: number,
        options: ModuleOptions,
      ) {
        super();
        this.shift = this.registerParameter('shift', randn([base.dim], { ...options, dtype: 'f32' }));
      }
      forward(x: Tensor): Tensor {
        calls.push(this.layer);
        return x.mul(0).add(this.shift);
      }
    }
    const model = new Decoder({ ...base, feedForward: (layer, o) => new Shift(layer, o) }, { context });
    expect(model.blocks.map((b) => b.ffn instanceof Shift)).toEqual([true, true]);
    expect(model.namedParameters().map(([n]) => n)).toContain('block1.ffn.shift');
    const tokens = tensor([1, 2, 3, 4], [1, 4], { dtype: 'i32', context });
    const before = read(model.forward(tokens));
    expect(calls).toEqual([0, 1]);
    // The block's output is h + shift: zeroing the shift changes the logits.
    model.loadStateDict(
      new Map([
        ['block0.ffn.shift', randn([base.dim], { context }).mul(0)],
        ['block1.ffn.shift', randn([base.dim], { context }).mul(0)],
      ]),
      { strict: false },
    );
    const after = read(model.forward(tokens));
    expect(calls).toEqual([0, 1, 0, 1]);
    expect(maxAbsDiff(before, after)).toBeGreaterThan(1e-3);
  });

  it('dropout acts only while training', () => {
    const context = createContext();
    manualSeed(5, context);
    const model = new Decoder({ ...base, dropout: 0.3 }, { context });
    const plain = new Decoder(base, { context });
    plain.loadStateDict(model.stateDict());
    const tokens = tensor([1, 2, 3, 4, 5], [1, 5], { dtype: 'i32', context });
    const reference = read(plain.eval().forward(tokens));
    expect(maxAbsDiff(read(model.forward(tokens)), reference)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(read(model.eval().forward(tokens)), reference)).toBe(0);
  });

  it('errors name the option and the value', () => {
    expect(() => new Decoder({ ...base, heads: 3 })).toThrow('Decoder: dim 16 must split into 3 heads');
    expect(() => new Decoder({ ...base, kvHeads: 3 })).toThrow('heads (4) must be a multiple of kvHeads (3)');
    expect(() => new Decoder({ ...base, dropout: 1 })).toThrow('dropout must be in [0, 1), got 1');
    const context = createContext();
    const model = new Decoder({ ...base, maxLength: 4 }, { context });
    expect(() => model.forward(tensor([1, 2, 3, 4, 5], [1, 5], { dtype: 'i32', context }))).toThrow(
      'Decoder.embed: position 4 is outside the 4 learned positions',
    );
    expect(() => model.forward(tensor([1, 2], [2], { dtype: 'i32', context }))).toThrow(
      'tokens must be [batch, seq] i32, got i32 [2]',
    );
  });
});
