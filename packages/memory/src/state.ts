import { fail } from '@tessera/core';

/** The optimizers whose state the planner knows. */
export type OptimizerKind = 'sgd' | 'sgd-momentum' | 'adam' | 'adamw';

/**
 * How parameters are stored while training:
 * - `f32`: weights, gradients and optimizer state in f32;
 * - `mixed-f16` / `mixed-bf16`: 16-bit weights and gradients used by forward and backward, plus an
 *   f32 master copy of the weights that the optimizer updates (mixed-precision training).
 */
export type Precision = 'f32' | 'mixed-f16' | 'mixed-bf16';

export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'sgd-momentum', 'adam', 'adamw'];
export const PRECISIONS: readonly Precision[] = ['f32', 'mixed-f16', 'mixed-bf16'];

/** Bytes held per parameter, split the way ZeRO partitions them. */
export interface BytesPerParameter {
  /** The weights forward and backward read (f32, or the 16-bit copy). */
  weights: number;
  /** The gradients backward writes (same width as the weights). */
  gradients: number;
  /** Optimizer state: f32 moments, plus the f32 master weights under mixed precision. */
  optimizer: number;
  total: number;
}

/** f32 slots of optimizer state per parameter: momentum buffer, or Adam's two moments. */
function stateSlots(optimizer: OptimizerKind): number {
  switch (optimizer) {
    case 'sgd':
      return 0;
    case 'sgd-momentum':
      return 1;
    case 'adam':
    case 'adamw':
      return 2;
    default:
      return fail(
        'bytesPerParameter',
        `unknown optimizer '${String(optimizer)}'; expected one of ${OPTIMIZER_KINDS.join(', ')}`,
      );
  }
}

/**
 * Bytes per parameter for an optimizer and precision. Mixed-precision Adam gives the 2 + 2 + 12 = 16
 * bytes of the ZeRO paper (16-bit weights and gradients; f32 master weights, momentum and variance).
 */
export function bytesPerParameter(optimizer: OptimizerKind, precision: Precision = 'f32'): BytesPerParameter {
  const slots = stateSlots(optimizer);
  if (precision === 'f32') return { weights: 4, gradients: 4, optimizer: 4 * slots, total: 8 + 4 * slots };
  if (precision === 'mixed-f16' || precision === 'mixed-bf16') {
    return { weights: 2, gradients: 2, optimizer: 4 + 4 * slots, total: 8 + 4 * slots };
  }
  return fail(
    'bytesPerParameter',
    `unknown precision '${String(precision)}'; expected one of ${PRECISIONS.join(', ')}`,
  );
}
