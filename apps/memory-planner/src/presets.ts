import type { DecoderConfig } from '@tessera/memory';

/** Published architectures (from their papers and model cards) to plan for by name. */
export const PRESETS = {
  'llama2-7b': { layers: 32, hidden: 4096, heads: 32, ffn: 11008, vocab: 32000 },
  'llama2-13b': { layers: 40, hidden: 5120, heads: 40, ffn: 13824, vocab: 32000 },
  'llama2-70b': { layers: 80, hidden: 8192, heads: 64, kvHeads: 8, ffn: 28672, vocab: 32000 },
  'mixtral-8x7b': {
    layers: 32,
    hidden: 4096,
    heads: 32,
    kvHeads: 8,
    ffn: 14336,
    vocab: 32000,
    moe: { experts: 8, topK: 2 },
  },
  'gpt2-small': {
    layers: 12,
    hidden: 768,
    heads: 12,
    ffn: 3072,
    ffnKind: 'gelu',
    vocab: 50257,
    tiedEmbeddings: true,
    norm: 'layer',
    bias: true,
  },
} satisfies Record<string, DecoderConfig>;

export type PresetName = keyof typeof PRESETS;
