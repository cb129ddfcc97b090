import { flashAttentionDef, flashAttentionMaskedDef } from '@tessera/attention';
import { type CoreOpName, isCoreOpName, opTableMap } from '@tessera/core';
import { NORM_OPS } from '@tessera/nn';
import { flashAttention } from './attention.js';
import type { Converter } from './converter.js';
import { ELEMENTWISE_CONVERTERS } from './elementwise.js';
import { fusedNorm } from './norm.js';
import { STRUCTURAL_CONVERTERS } from './structural.js';

const CORE: ReadonlyMap<CoreOpName, Converter> = opTableMap('@tessera/onnx converters', [
  ELEMENTWISE_CONVERTERS,
  STRUCTURAL_CONVERTERS,
]);

/** Converters of ops defined above core, by op name. */
const CUSTOM: ReadonlyMap<string, Converter> = new Map<string, Converter>([
  [flashAttentionDef.name, flashAttention],
  [flashAttentionMaskedDef.name, flashAttention],
  ...[...NORM_OPS.layer, ...NORM_OPS.rms].map((def) => [def.name, fusedNorm] as const),
]);

/** The converter of op `name`, from the core table or the custom ops; undefined if none. */
export function converterOf(name: string, extra?: ReadonlyMap<string, Converter>): Converter | undefined {
  return extra?.get(name) ?? (isCoreOpName(name) ? CORE.get(name) : CUSTOM.get(name));
}

/** Names of every op that has a converter (for error messages and the coverage test). */
export function convertibleOps(): string[] {
  return [...CORE.keys(), ...CUSTOM.keys()];
}

export type { ConvertCall, Converter } from './converter.js';
