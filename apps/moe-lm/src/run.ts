import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextOn } from '@tessera/app-kit';
import { manualSeed } from '@tessera/core';
import { moeFeedForward, moeLayers } from '@tessera/moe';
import { type Rgb, renderLineChartPng } from '@tessera/plot';
import { Decoder, generate, generateAsync } from '@tessera/transformer';
import type { Corpus } from './corpus.js';
import { renderHeatmapPng } from './heatmap.js';
import { type TrainResult, train } from './train.js';

export interface RunOptions {
  device: 'cpu' | 'webgpu';
  steps: number;
  batch: number;
  seq: number;
  dim: number;
  layers: number;
  heads: number;
  /** Hidden width of the dense feed-forward; each of the k active experts gets hidden / k. */
  hidden: number;
  experts: number;
  topK: number;
  denseLayers: number;
  biasRate: number;
  lr: number;
  evalEvery: number;
  validWindows: number;
  seed: number;
  sampleLength: number;
  out: string;
}

/** One model of the comparison. */
interface Variant {
  name: string;
  moe: boolean;
  biasRate: number;
  color: Rgb;
}

export interface VariantResult extends TrainResult {
  name: string;
  params: number;
  activeParams: number;
  sample: string;
}

/**
 * Trains a dense decoder and two MoE decoders with the same active parameters per token (routed
 * experts of hidden/k, top-k, so k experts hold as many weights as the dense feed-forward) for the
 * same steps on the same batches: the MoE with auxiliary-loss-free balancing and without. Writes
 * the validation curves, the expert-load heat map and a JSON of every number to `out`.
 */
export async function run(
  o: RunOptions,
  corpus: Corpus,
  log: (line: string) => void,
  progress?: (name: string, step: number, steps: number, loss: number, tokensPerSecond: number) => void,
): Promise<VariantResult[]> {
  const variants: Variant[] = [
    { name: 'dense', moe: false, biasRate: 0, color: [40, 40, 40] },
    { name: 'moe-balanced', moe: true, biasRate: o.biasRate, color: [30, 90, 200] },
    { name: 'moe-unbalanced', moe: true, biasRate: 0, color: [200, 60, 40] },
  ];
  const expertHidden = Math.max(1, Math.round(o.hidden / o.topK));
  const results: VariantResult[] = [];
  for (const v of variants) {
    const ctx = await contextOn(o.device);
    manualSeed(o.seed, ctx);
    const where = { context: ctx, device: o.device };
    const model = new Decoder(
      {
        vocab: corpus.tokenizer.vocabSize,
        dim: o.dim,
        layers: o.layers,
        heads: o.heads,
        kvHeads: o.heads,
        ffnHidden: o.hidden,
        feedForward: v.moe
          ? moeFeedForward({
              dim: o.dim,
              experts: o.experts,
              topK: o.topK,
              hidden: expertHidden,
              router: 'sigmoid',
              routedScaling: o.topK,
              denseLayers: o.denseLayers,
              denseHidden: o.hidden,
            })
          : undefined,
      },
      where,
    );
    const params = model.numParameters();
    // Only k of E experts run per token in each MoE layer.
    const idle = moeLayers(model).length * (o.experts - o.topK) * 3 * o.dim * expertHidden;
    const result = await train(model, corpus, {
      steps: o.steps,
      batch: o.batch,
      seq: o.seq,
      lr: o.lr,
      evalEvery: o.evalEvery,
      validWindows: o.validWindows,
      biasRate: v.biasRate,
      seed: o.seed,
      device: o.device,
      context: ctx,
      onStep: (step, loss, tps) => progress?.(v.name, step, o.steps, loss, tps),
    });
    model.eval();
    const prompt = corpus.tokenizer.encode('Call me Ishmael. ');
    const options = { maxNewTokens: o.sampleLength, temperature: 0.8, topK: 10, seed: o.seed };
    const [tokens] =
      o.device === 'cpu' ? generate(model, [prompt], options) : await generateAsync(model, [prompt], options);
    const sample = `Call me Ishmael. ${corpus.tokenizer.decode(tokens)}`;
    results.push({ ...result, name: v.name, params, activeParams: params - idle, sample });
    const cv = result.loadCv.at(-1);
    log(
      `${v.name}: ${params.toLocaleString('en-US')} parameters (${(params - idle).toLocaleString('en-US')} active per token), ` +
        `validation ${result.validBpc.at(-1)!.toFixed(3)} bits/char, ${Math.round(result.tokensPerSecond).toLocaleString('en-US')} tokens/s` +
        (cv && cv.length > 0 ? `, final load CV ${cv.map((c) => c.toFixed(3)).join(' / ')}` : ''),
    );
    model.dispose();
  }
  mkdirSync(o.out, { recursive: true });
  writeFileSync(
    join(o.out, 'validation-bpc.png'),
    renderLineChartPng({
      title: 'Moby-Dick: validation bits per character',
      xLabel: `evaluation (every ${o.evalEvery} steps)`,
      yLabel: 'bits/char',
      series: results.map((r, i) => ({ name: r.name, values: r.validBpc, color: variants[i].color })),
    }),
  );
  const panels = results
    .filter((r) => r.loadShares[0]?.length > 0)
    .flatMap((r) =>
      r.loadShares[0].map((_, layer) => ({
        title: `${r.name}, MoE layer ${layer + 1}`,
        values: Array.from({ length: o.experts }, (_, e) =>
          r.loadShares.map((evalShares) => evalShares[layer][e]),
        ),
      })),
    );
  if (panels.length > 0) {
    writeFileSync(
      join(o.out, 'expert-load.png'),
      renderHeatmapPng('Share of token-slots per expert', `evaluation (every ${o.evalEvery} steps)`, panels),
    );
  }
  writeFileSync(join(o.out, 'results.json'), JSON.stringify({ options: o, results }, null, 2));
  return results;
}
