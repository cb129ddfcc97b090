import { fail } from '@tessera/core';
import { activationBytesPerLayer, type Recompute } from './activations.js';
import { bytesPerParameter, type OptimizerKind, type Precision } from './state.js';
import { countDecoderParameters, type DecoderConfig, type DecoderParameters } from './transformer.js';
import { type ZeroStage, zeroBytesPerRank } from './zero.js';

export interface TrainingPlanOptions {
  optimizer: OptimizerKind;
  precision: Precision;
  /** Data-parallel ranks N_d; default 1. */
  ranks?: number;
  /** Sequence length per sample. */
  seq: number;
  /** Samples per rank per step (micro-batch). */
  microBatch: number;
  recompute?: Recompute;
  flash?: boolean;
  /** Dropout masks kept by each layer; default false (modern LLM pre-training runs without dropout). */
  dropout?: boolean;
}

/** One rank's bytes at one ZeRO stage. */
export interface PlanRow {
  stage: ZeroStage;
  weights: number;
  gradients: number;
  optimizer: number;
  activations: number;
  total: number;
}

export interface TrainingPlan {
  parameters: DecoderParameters;
  /** Activation bytes one layer keeps (MoE layers: the top-k and shared experts' widths). */
  activationsPerLayer: number;
  /** Activation bytes of all layers plus the output head (input and f32 logits). */
  activations: number;
  rows: PlanRow[];
}

/**
 * Per-rank training memory of a decoder config at ZeRO stages 0–3: model state from
 * {@link zeroBytesPerRank}, activations from {@link activationBytesPerLayer} for every layer plus
 * the head's input and its f32 logits (s·b·vocab·4, what a cross-entropy over f32 logits keeps).
 * Activations are per rank and not sharded by ZeRO.
 */
export function planTraining(config: DecoderConfig, options: TrainingPlanOptions): TrainingPlan {
  const ranks = options.ranks ?? 1;
  if (!Number.isSafeInteger(options.seq) || options.seq < 1)
    fail('planTraining', `seq must be a positive integer, got ${options.seq}`);
  if (!Number.isSafeInteger(options.microBatch) || options.microBatch < 1) {
    fail('planTraining', `microBatch must be a positive integer, got ${options.microBatch}`);
  }
  const parameters = countDecoderParameters(config);
  const per = bytesPerParameter(options.optimizer, options.precision);
  const e = options.precision === 'f32' ? 4 : 2;
  const layer = activationBytesPerLayer({
    seq: options.seq,
    batch: options.microBatch,
    hidden: config.hidden,
    heads: config.heads,
    kvHeads: config.kvHeads,
    ffn: config.moe
      ? (config.moe.topK + (config.moe.sharedExperts ?? 0)) * (config.moe.expertFfn ?? config.ffn)
      : config.ffn,
    ffnKind: config.ffnKind === 'gelu' ? 'gelu' : 'swiglu',
    bytes: e,
    dropout: options.dropout ?? false,
    recompute: options.recompute,
    flash: options.flash,
  }).total;
  const tokens = options.seq * options.microBatch;
  const activations = config.layers * layer + e * tokens * config.hidden + 4 * tokens * config.vocab;
  const rows = ([0, 1, 2, 3] as const).map((stage): PlanRow => {
    const state = zeroBytesPerRank(parameters.total, per, ranks, stage);
    return { stage, ...state, activations, total: state.total + activations };
  });
  return { parameters, activationsPerLayer: layer, activations, rows };
}
