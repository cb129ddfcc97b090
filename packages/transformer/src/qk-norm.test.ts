import { noGrad } from '@tessera/autograd';
import { createContext, manualSeed, randn, type Tensor, tensor, tidy } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { Decoder } from './decoder.js';

/**
 * The largest |q·k|/√d over every head and position pair of every layer, read through
 * `DecoderCall.observe` (heads = kvHeads here, so query head h meets key head h).
 */
function maxLogit(model: Decoder, tokens: Tensor): { max: number; perLayer: number[] } {
  const perLayer: number[] = [];
  noGrad(
    () =>
      tidy(() => {
        model.forward(tokens, {
          observe: (q, k, layer) => {
            const d = q.shape[3];
            perLayer[layer] = q.matmul(k.transpose(2, 3)).abs().max().itemSync() / Math.sqrt(d);
          },
        });
      }, tokens.ctx),
    tokens.ctx,
  );
  return { max: Math.max(...perLayer), perLayer };
}

describe('QK-norm bounds the attention logits by the norm gains', () => {
  const context = createContext();
  const [vocab, dim, heads] = [12, 32, 2];
  const d = dim / heads;
  const tokens = tensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], [2, 6], { dtype: 'i32', context });

  /** A decoder whose attention projections are scaled up by `scale` (a blown-up run). */
  function blownUp(qkNorm: boolean, scale: number, sameQK: boolean): Decoder {
    manualSeed(7, context);
    const model = new Decoder(
      { vocab, dim, layers: 2, heads, kvHeads: heads, qkNorm, rotary: 'none' },
      { context },
    );
    noGrad(() => {
      for (const block of model.blocks) {
        block.attn.wq.weight.assign(block.attn.wq.weight.mul(scale));
        block.attn.wk.weight.assign(sameQK ? block.attn.wq.weight : block.attn.wk.weight.mul(scale));
      }
    }, context);
    return model;
  }

  it('without QK-norm the logits grow with the weights and pass the bound the norm would impose', () => {
    const { max } = maxLogit(blownUp(false, 30, false), tokens);
    // The bound with unit gains is √d = 4; blown-up projections go far past it.
    expect(max).toBeGreaterThan(10 * Math.sqrt(d));
  });

  it('with QK-norm |q·k|/√d ≤ √d·max|g_q|·max|g_k| whatever the weights, for random gains', () => {
    const model = blownUp(true, 30, false);
    const bounds: number[] = [];
    noGrad(() => {
      model.blocks.forEach((block, i) => {
        const gq = randn([d], { context }).mul(1.5 + i);
        const gk = randn([d], { context }).mul(0.7);
        block.attn.qNorm!.weight!.assign(gq);
        block.attn.kNorm!.weight!.assign(gk);
        const amax = (t: Tensor) => Math.max(...Array.from(t.abs().dataSync() as Float32Array));
        // Cauchy–Schwarz: |ĝq·ĝk| ≤ ‖g_q ⊙ q/rms(q)‖·‖g_k ⊙ k/rms(k)‖ ≤ (max|g_q|·√d)(max|g_k|·√d).
        bounds.push(Math.sqrt(d) * amax(gq) * amax(gk));
      });
    }, context);
    const { perLayer } = maxLogit(model, tokens);
    perLayer.forEach((m, i) => {
      expect(m).toBeLessThanOrEqual(bounds[i] * (1 + 1e-5));
      expect(m).toBeGreaterThan(0);
    });
  });

  it('the bound is reached when q = k and the gains are constant: a token attending to itself', () => {
    const model = blownUp(true, 30, true);
    const g = [0.5, 2];
    noGrad(() => {
      model.blocks.forEach((block, i) => {
        block.attn.qNorm!.weight!.assign(tensor(new Array(d).fill(g[i]), [d], { context }));
        block.attn.kNorm!.weight!.assign(tensor(new Array(d).fill(g[i]), [d], { context }));
      });
    }, context);
    const { perLayer } = maxLogit(model, tokens);
    // q̂ = g·q/rms(q) has ‖q̂‖² = g²·d, so q̂·q̂/√d = g²·√d (up to the norm's ε).
    perLayer.forEach((m, i) => {
      expect(m).toBeCloseTo(g[i] * g[i] * Math.sqrt(d), 3);
    });
  });
});
