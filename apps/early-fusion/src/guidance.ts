import { KVCache } from '@tessera/attention';
import { noGrad } from '@tessera/autograd';
import { TesseraError, tensor, tidy } from '@tessera/core';
import type { Rng } from '@tessera/core/rng';
import { type Decoder, type SampleOptions, sampleToken } from '@tessera/transformer';

export interface GuidedOptions extends SampleOptions {
  /** Tokens to generate per prompt. */
  maxNewTokens: number;
  /**
   * Guidance scale s: each step samples from l_u + s·(l_c − l_u), l_c the logits after the
   * conditional prompt, l_u after the unconditional one (0: unconditional, 1: conditional).
   */
  guidance: number;
  /** The sampling generator (rows draw from it in order). */
  rng: Rng;
  /** Sees each step's guided logits, one row per prompt (for tests and diagnostics). */
  onLogits?: (step: number, rows: Float64Array[]) => void;
}

/**
 * Classifier-free guidance (Chameleon's image generation; Ho & Salimans 2022) for a decoder that
 * learned both the conditional and the unconditional continuation: prompt i and its unconditional
 * counterpart run as two rows of one left-padded batch over one KV cache (rotary positions are
 * relative, so the padding needs only a key mask), each step's token is drawn from the guided
 * logits and fed to both rows. Returns the new tokens of each prompt; the model must be on the CPU.
 */
export function guidedGenerate(
  model: Decoder,
  prompts: readonly (readonly number[])[],
  unconditional: readonly (readonly number[])[],
  o: GuidedOptions,
): number[][] {
  const b = prompts.length;
  if (unconditional.length !== b) {
    throw new TesseraError(
      'guidedGenerate',
      `${b} prompts but ${unconditional.length} unconditional prompts; give one per prompt`,
    );
  }
  if (!Number.isFinite(o.guidance)) {
    throw new TesseraError('guidedGenerate', `guidance must be a finite number, got ${o.guidance}`);
  }
  if (model.positionEmbedding) {
    throw new TesseraError(
      'guidedGenerate',
      'the decoder has learned positions; guided decoding left-pads rows and needs rotary (relative) positions',
    );
  }
  const rows = [...prompts, ...unconditional];
  const vocab = model.config.vocab;
  rows.forEach((p, i) => {
    if (p.length === 0) throw new TesseraError('guidedGenerate', `prompt row ${i} is empty`);
    const bad = p.find((t) => !(Number.isInteger(t) && t >= 0 && t < vocab));
    if (bad !== undefined) {
      throw new TesseraError('guidedGenerate', `prompt row ${i} has token ${bad} outside [0, ${vocab})`);
    }
  });
  const out = prompts.map(() => [] as number[]);
  if (b === 0 || o.maxNewTokens <= 0) return out;
  const width = Math.max(...rows.map((p) => p.length));
  const pad = rows.map((p) => width - p.length);
  const ctx = model.tokenEmbedding.weight.ctx;
  const cache = new KVCache(model.config.layers);
  try {
    let input = rows.flatMap((p, i) => [...new Array<number>(pad[i]).fill(0), ...p]);
    let s = width;
    for (let step = 0; step < o.maxNewTokens; step++) {
      const total = cache.length + s;
      const values = noGrad(
        () =>
          tidy(() => {
            const tokens = tensor(input, [2 * b, s], { context: ctx, dtype: 'i32' });
            const mask = tensor(
              pad.flatMap((n) => Array.from({ length: total }, (_, j) => (j >= n ? 1 : 0))),
              [2 * b, 1, 1, total],
              { context: ctx, dtype: 'bool' },
            );
            const logits = model.forward(tokens, { cache, mask }).slice(1, s - 1, s);
            return Float64Array.from(logits.contiguous().dataSync() as Float32Array);
          }, ctx),
        ctx,
      );
      const guided = out.map((_, i) => {
        const c = values.subarray(i * vocab, (i + 1) * vocab);
        const u = values.subarray((b + i) * vocab, (b + i + 1) * vocab);
        return u.map((x, k) => x + o.guidance * (c[k] - x));
      });
      o.onLogits?.(step, guided);
      const next = guided.map((l, i) => {
        const token = sampleToken(l, o, o.rng);
        out[i].push(token);
        return token;
      });
      input = [...next, ...next];
      s = 1;
    }
  } finally {
    cache.dispose();
  }
  return out;
}
